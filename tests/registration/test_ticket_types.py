"""The organiser sets up tickets and registration: ticket types with prices, VAT, capacity,
sales windows and access codes, the event's overall capacity, refund rule, invoice and seller
details; and what the public is offered from that."""

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app import money
from app.tickets import services as tickets
from app.tickets.models import TicketType
from app.waitlist.models import WaitingListEntry
from tests.conftest import login
from tests.factories import build_conference, register

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


# --- what the public is offered -------------------------------------------------------------

def test_public_offer_lists_public_tickets_in_order_with_price_and_state(conference):
    offers = tickets.public_offer(conference["event"], now=NOW, language="sv")

    assert [offer.name for offer in offers] == ["Fri entré", "Ordinarie"]
    free, paid = offers
    assert free.state == "on_sale" and free.seats_left is None and free.is_free
    assert paid.price_ore == 95000 and paid.vat_percent == 25 and paid.seats_left == 100
    assert paid.ticket_type is conference["paid"]


def test_access_code_ticket_is_offered_only_with_its_code(conference, db):
    event = conference["event"]
    db.session.add(TicketType(event=event, name="Talare", name_en="Speaker", price_ore=0,
                              visibility="code", access_code="Talare2027", position=2))
    db.session.commit()

    assert "Talare" not in [o.name for o in tickets.public_offer(event, now=NOW, language="sv")]
    assert "Talare" not in [o.name for o in tickets.public_offer(event, "fel", now=NOW,
                                                                 language="sv")]
    with_code = tickets.public_offer(event, " talare2027 ", now=NOW, language="en")
    assert [o.name for o in with_code] == ["Fri entré", "Ordinarie", "Speaker"]


def test_sales_window_and_sold_out_states(conference, db):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    free.sales_start = NOW + timedelta(days=1)
    paid.sales_end = NOW
    db.session.commit()
    states = {o.name: o.state for o in tickets.public_offer(event, now=NOW, language="sv")}
    assert states == {"Fri entré": "not_yet", "Ordinarie": "ended"}

    free.sales_start = None
    paid.sales_end = None
    free.capacity = 1
    db.session.commit()
    register(event, free)
    states = {o.name: o.state for o in tickets.public_offer(event, language="sv")}
    assert states == {"Fri entré": "sold_out", "Ordinarie": "on_sale"}


def test_event_capacity_limits_seats_left_of_every_ticket(conference, db):
    event = conference["event"]
    event.capacity = 1
    db.session.commit()
    register(event, conference["ticket"])

    offers = tickets.public_offer(event, language="sv")
    assert [(o.state, o.seats_left) for o in offers] == [("sold_out", 0), ("sold_out", 0)]


# --- helpers ----------------------------------------------------------------------------------

def url(conference, path=""):
    return f"/manage/e/{conference['event'].slug}/{path}"


def ticket_form(**changes):
    data = {"name": "Student", "name_en": "Student", "description": "Med giltigt studentkort.",
            "description_en": "With a valid student card.", "price": "450", "vat_percent": "6",
            "capacity": "", "sales_start": "", "sales_end": "", "visibility": "public",
            "access_code": ""}
    data.update(changes)
    return data


def settings_form(**changes):
    data = {"registration_open": "y", "capacity": "", "refund_until": "", "allow_invoice": "y",
            "invoice_due_days": "30", "organiser_name": "NSPH", "contact_email": "",
            "seller_org_number": "", "seller_vat_number": "", "seller_address": "",
            "seller_bankgiro": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def in_english(client):
    assert client.get("/language/en").status_code == 302
    return client


def ticket_named(db, event, name):
    return db.session.scalar(
        select(TicketType).where(TicketType.event_id == event.id, TicketType.name == name))


# --- creating and editing ticket types ------------------------------------------------------

def test_organiser_adds_a_ticket_with_price_vat_capacity_and_sales_window(organiser, conference,
                                                                          db):
    event = conference["event"]
    page = organiser.get(url(conference, "tickets/new"))
    assert page.status_code == 200 and 'name="price"' in page.get_data(as_text=True)

    response = organiser.post(url(conference, "tickets/new"), data=ticket_form(
        price="1 250,50", capacity="40", sales_start="2027-02-01T09:00",
        sales_end="2027-03-10T17:30"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(conference, "tickets"))

    student = ticket_named(db, event, "Student")
    assert student.price_ore == 125050 and student.vat_percent == 6 and student.capacity == 40
    assert student.name_en == "Student" and student.description_en == "With a valid student card."
    # Typed as Stockholm time (UTC+1 in winter), stored in UTC.
    assert student.sales_start == datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert student.sales_end == datetime(2027, 3, 10, 16, 30, tzinfo=UTC)
    assert student.position == 2  # after the conference's two tickets
    assert student.visibility == "public" and student.seats_taken == 0

    listing = organiser.get(url(conference, "tickets")).get_data(as_text=True)
    assert "Student" in listing and "1\u00a0250,50" in listing
    assert "1 februari 2027 09:00" in listing and "10 mars 2027 17:30" in listing
    assert "sales-not_yet" in listing and "sales-on_sale" in listing


def test_edit_form_shows_the_price_in_kronor_and_times_in_the_event_time_zone(organiser,
                                                                              conference, db):
    paid = conference["paid"]
    paid.sales_end = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in Stockholm (summer)
    db.session.commit()

    page = organiser.get(url(conference, f"tickets/{paid.id}")).get_data(as_text=True)
    assert 'value="950"' in page
    assert 'value="2027-06-01T09:00"' in page


def test_changing_the_price_leaves_existing_registrations_at_what_they_paid(organiser,
                                                                            conference, db):
    event, free = conference["event"], conference["ticket"]
    early = register(event, free)

    response = organiser.post(url(conference, f"tickets/{free.id}"), data=ticket_form(
        name="Fri entré", price="100", vat_percent="25"))
    assert response.status_code == 302

    db.session.refresh(free)
    db.session.refresh(early)
    assert free.price_ore == 10000
    assert early.price_ore == 0 and early.ticket_type_id == free.id


def test_price_parsing_accepts_what_people_type():
    assert tickets.parse_price("950") == 95000
    assert tickets.parse_price("950,00") == 95000
    assert tickets.parse_price("1 250,50") == 125050
    assert tickets.parse_price("1\u00a0250,5") == 125050
    assert tickets.parse_price("99.90") == 9990
    assert tickets.parse_price(" 0 ") == 0
    assert tickets.parse_price("950 kr") == 95000
    assert money.for_field(125050) == "1250,50" and money.for_field(95000) == "950"


def test_price_parsing_refuses_negative_too_precise_and_garbage():
    for text, reason in [("-5", "negativt"), ("12,345", "två decimaler"), ("tio", "kronor"),
                         ("", "0"), ("1,2,3", "kronor")]:
        try:
            tickets.parse_price(text)
        except tickets.TicketRuleError as error:
            assert reason in str(error), (text, str(error))
        else:
            raise AssertionError(f"{text!r} was accepted")


def test_bad_prices_are_refused_with_a_clear_message_and_nothing_is_stored(organiser,
                                                                           conference, db):
    in_english(organiser)
    for price, message in [("-100", "The price cannot be negative."),
                           ("12,345", "A price has at most two decimals"),
                           ("ett tusen", "Enter the price in kronor"),
                           ("", "Enter a price, 0 for a free ticket.")]:
        response = organiser.post(url(conference, "tickets/new"), data=ticket_form(price=price))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert ticket_named(db, conference["event"], "Student") is None


def test_a_code_ticket_needs_a_code_and_is_offered_only_to_people_who_have_it(organiser,
                                                                              conference, db):
    event = conference["event"]
    refused = in_english(organiser).post(
        url(conference, "tickets/new"),
        data=ticket_form(name="Talare", price="0", visibility="code"))
    assert refused.status_code == 400
    assert "Enter the access code" in refused.get_data(as_text=True)
    assert ticket_named(db, event, "Talare") is None

    saved = organiser.post(url(conference, "tickets/new"), data=ticket_form(
        name="Talare", name_en="Speaker", price="0", visibility="code",
        access_code="VÅR-Talare"))
    assert saved.status_code == 302
    assert ticket_named(db, event, "Talare").access_code == "VÅR-Talare"

    assert "Talare" not in [o.name for o in tickets.public_offer(event, language="sv")]
    assert "Talare" in [o.name for o in tickets.public_offer(event, "vår-talare",
                                                             language="sv")]


def test_sales_must_end_after_they_start(organiser, conference, db):
    response = in_english(organiser).post(url(conference, "tickets/new"), data=ticket_form(
        sales_start="2027-02-01T09:00", sales_end="2027-02-01T09:00"))
    assert response.status_code == 400
    assert "Sales must end after they start." in response.get_data(as_text=True)
    assert ticket_named(db, conference["event"], "Student") is None

    malformed = organiser.post(url(conference, "tickets/new"),
                               data=ticket_form(sales_start="första februari"))
    assert malformed.status_code == 400


def test_capacity_below_the_seats_already_taken_is_refused(organiser, conference, db):
    event, free = conference["event"], conference["ticket"]
    register(event, free, name="Alva", email="alva@example.org")
    register(event, free, name="Bo", email="bo@example.org")

    refused = in_english(organiser).post(
        url(conference, f"tickets/{free.id}"),
        data=ticket_form(name="Fri entré", price="0", capacity="1"))
    assert refused.status_code == 400
    assert "2 seats are already taken" in refused.get_data(as_text=True)
    db.session.refresh(free)
    assert free.capacity is None and free.name == "Fri entré"

    exactly = organiser.post(url(conference, f"tickets/{free.id}"),
                             data=ticket_form(name="Fri entré", price="0", capacity="2"))
    assert exactly.status_code == 302
    db.session.refresh(free)
    assert free.capacity == 2
    assert [o.state for o in tickets.public_offer(event, language="sv")][0] == "sold_out"


# --- order, deleting and ending sales -------------------------------------------------------

def test_organiser_reorders_tickets(organiser, conference, db):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]

    response = organiser.post(url(conference, f"tickets/{paid.id}/move"),
                              data={"direction": "up"})
    assert response.status_code == 302
    assert [o.name for o in tickets.public_offer(event, language="sv")] == ["Ordinarie",
                                                                            "Fri entré"]
    listing = organiser.get(url(conference, "tickets")).get_data(as_text=True)
    assert listing.index("Ordinarie") < listing.index("Fri entré")

    organiser.post(url(conference, f"tickets/{paid.id}/move"), data={"direction": "down"})
    assert [t.id for t in tickets.ticket_types_for(event)] == [free.id, paid.id]

    assert organiser.post(url(conference, f"tickets/{paid.id}/move"),
                          data={"direction": "sideways"}).status_code == 400


def test_an_unused_ticket_can_be_deleted(organiser, conference, db):
    paid_id = conference["paid"].id
    page = organiser.get(url(conference, f"tickets/{paid_id}")).get_data(as_text=True)
    assert f"tickets/{paid_id}/delete" in page

    response = organiser.post(url(conference, f"tickets/{paid_id}/delete"))
    assert response.status_code == 302
    assert db.session.get(TicketType, paid_id) is None
    # A second press (double submit) finds nothing to delete.
    assert organiser.post(url(conference, f"tickets/{paid_id}/delete")).status_code == 404


def test_a_used_ticket_is_not_deleted_but_its_sales_can_be_ended(organiser, conference, db):
    event, free = conference["event"], conference["ticket"]
    alva = register(event, free)

    page = organiser.get(url(conference, f"tickets/{free.id}")).get_data(as_text=True)
    assert f"tickets/{free.id}/delete" not in page
    assert f"tickets/{free.id}/end-sales" in page

    refused = organiser.post(url(conference, f"tickets/{free.id}/delete"))
    assert refused.status_code == 409
    assert f"tickets/{free.id}/end-sales" in refused.get_data(as_text=True)
    assert db.session.get(TicketType, free.id) is not None

    assert "cannot be deleted" in in_english(organiser).post(
        url(conference, f"tickets/{free.id}/delete")).get_data(as_text=True)
    ended = organiser.post(url(conference, f"tickets/{free.id}/end-sales"))
    assert ended.status_code == 302
    db.session.refresh(free)
    db.session.refresh(alva)
    assert free.sales_end is not None and alva.status == "confirmed"
    assert tickets.public_offer(event, language="sv")[0].state == "ended"


# --- the event's registration settings ------------------------------------------------------

def test_event_capacity_is_saved_and_cannot_go_below_seats_taken(organiser, conference, db):
    event = conference["event"]
    assert organiser.get(url(conference, "registration-settings")).status_code == 200

    assert organiser.post(url(conference, "registration-settings"),
                          data=settings_form(capacity="1")).status_code == 302
    db.session.refresh(event)
    assert event.capacity == 1
    register(event, conference["ticket"])

    refused = in_english(organiser).post(url(conference, "registration-settings"),
                                         data=settings_form(capacity="0", organiser_name="Ändrat"))
    assert refused.status_code == 400
    assert "1 seat is already taken" in refused.get_data(as_text=True)
    db.session.refresh(event)
    assert event.capacity == 1 and event.organiser_name == "NSPH"

    assert organiser.post(url(conference, "registration-settings"),
                          data=settings_form(capacity="")).status_code == 302
    db.session.refresh(event)
    assert event.capacity is None


def test_refund_rule_invoice_and_seller_details_are_saved(organiser, conference, db):
    event = conference["event"]
    response = organiser.post(url(conference, "registration-settings"), data=settings_form(
        registration_open=None, refund_until="2027-03-01", allow_invoice=None,
        invoice_due_days="20", organiser_name="NSPH Väst", contact_email="Info@NSPH.example",
        seller_org_number="802012-3454", seller_vat_number="se 802012345401",
        seller_address="Box 1\n411 01 Göteborg", seller_bankgiro="123-4567"))
    assert response.status_code == 302

    db.session.refresh(event)
    assert event.refund_until == date(2027, 3, 1)
    assert event.registration_open is False and event.allow_invoice is False
    assert event.invoice_due_days == 20 and event.organiser_name == "NSPH Väst"
    assert event.contact_email == "info@nsph.example"
    assert event.seller_org_number == "802012-3454" and event.seller_vat_number == "SE802012345401"
    assert event.seller_address == "Box 1\n411 01 Göteborg" and event.seller_bankgiro == "123-4567"

    page = organiser.get(url(conference, "registration-settings")).get_data(as_text=True)
    assert 'value="2027-03-01"' in page and 'value="802012-3454"' in page

    # Empty date: no refunds on cancellation.
    organiser.post(url(conference, "registration-settings"), data=settings_form())
    db.session.refresh(event)
    assert event.refund_until is None and event.registration_open is True


def test_malformed_seller_details_are_refused(organiser, conference, db):
    event = conference["event"]
    for field, value in [("seller_org_number", "12345"), ("seller_bankgiro", "12"),
                         ("invoice_due_days", "trettio"), ("contact_email", "info"),
                         ("capacity", "-3")]:
        response = organiser.post(url(conference, "registration-settings"),
                                  data=settings_form(organiser_name="Ändrat", **{field: value}))
        assert response.status_code == 400, field
    db.session.refresh(event)
    assert event.organiser_name == "NSPH"


# --- the dashboard and the public page ------------------------------------------------------

def test_dashboard_links_to_tickets_and_shows_seats(organiser, conference, db):
    event = conference["event"]
    event.capacity = 80
    db.session.commit()
    register(event, conference["ticket"])

    page = in_english(organiser).get(f"/manage/e/{event.slug}/").get_data(as_text=True)
    assert url(conference, "tickets") in page
    assert url(conference, "registration-settings") in page
    # Ticket type, confirmed (of its seats), left, waiting.
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Whole event 1 of 80 79 0" in words
    # Ordinarie has 100 seats of its own, but only 79 are left in the event.
    assert "Ordinarie 0 of 100 79 0" in words
    assert "Fri entré 1 79 0" in words


def test_register_page_shows_the_code_ticket_only_with_the_code(organiser, client, conference,
                                                                db):
    organiser.post(url(conference, "tickets/new"), data=ticket_form(
        name="Personal", price="0", visibility="code", access_code="stab"))
    slug = conference["event"].slug

    assert "Personal" not in client.get(f"/e/{slug}/register").get_data(as_text=True)
    assert "Personal" in client.get(f"/e/{slug}/register?code=STAB").get_data(as_text=True)


# --- who may do this ------------------------------------------------------------------------

PAGES = ["tickets", "tickets/new", "registration-settings"]


def test_only_organisers_may_set_up_tickets(app, client, conference, make_user):
    paid = conference["paid"]
    for path in PAGES:
        assert client.get(url(conference, path)).status_code == 302  # to the login page

    make_user("dorr@example.org", role="door")
    door = login(app.test_client(), "dorr@example.org")
    for path in [*PAGES, f"tickets/{paid.id}"]:
        assert door.get(url(conference, path)).status_code == 403
    for path in ["tickets/new", f"tickets/{paid.id}", f"tickets/{paid.id}/delete",
                 f"tickets/{paid.id}/move", f"tickets/{paid.id}/end-sales",
                 "registration-settings"]:
        assert door.post(url(conference, path), data={"direction": "up"}).status_code == 403
    assert TicketType.query.filter_by(id=paid.id).one().sales_end is None


def test_another_events_ticket_type_is_not_found(organiser, conference, db):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    theirs = other["paid"]
    for path in [f"tickets/{theirs.id}", f"tickets/{theirs.id}/delete",
                 f"tickets/{theirs.id}/end-sales", f"tickets/{theirs.id}/move"]:
        method = organiser.get if path.count("/") == 1 else organiser.post
        assert method(url(conference, path), data={"direction": "up"}).status_code == 404, path
    assert db.session.get(TicketType, theirs.id) is not None
    assert organiser.get("/manage/e/finns-inte/tickets").status_code == 404


def test_seats_are_counted_as_confirmed_held_and_offered(organiser, conference, db):
    event, paid = conference["event"], conference["paid"]
    register(event, conference["ticket"])
    db.session.add_all([
        WaitingListEntry(event=event, ticket_type=paid, name="Erbjuden", email="e@example.org",
                         status="offered", token="t-offered"),
        WaitingListEntry(event=event, ticket_type=paid, name="Väntar", email="v@example.org",
                         status="waiting", token="t-waiting"),
    ])
    db.session.commit()

    counts = tickets.seat_counts(event)
    assert counts[conference["ticket"].id] == tickets.SeatCount(confirmed=1)
    assert counts[paid.id] == tickets.SeatCount(offered=1, waiting=1)
    assert counts[paid.id].taken == 1
    listing = in_english(organiser).get(url(conference, "tickets")).get_data(as_text=True)
    assert "0 confirmed, 0 held for payment, 1 offered to the waiting list" in listing
    assert "1 waiting" in listing
    # Somebody waits for it, so it is in use and not deleted.
    assert organiser.post(url(conference, f"tickets/{paid.id}/delete")).status_code == 409


def test_absurd_prices_and_dates_are_refused_with_a_message(organiser, conference, db):
    slug = conference["event"].slug
    base = {"name": "Ny", "price": "100", "vat_percent": "25", "visibility": "public"}
    for changes in ({"price": "1" * 5000}, {"sales_start": "0001-01-01T00:30"},
                    {"sales_end": "9999-12-31T23:59"}):
        response = organiser.post(f"/manage/e/{slug}/tickets/new", data={**base, **changes})
        assert response.status_code == 400, changes
    assert organiser.post(f"/manage/e/{slug}/tickets/new", data=base).status_code == 302
