"""Dietary and accessibility needs are for organisers only, leave as counts without names, and
are deleted with the rest of the event's unneeded personal data after the event."""

import csv
import io

from sqlalchemy import select, text

from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.orders import services as orders
from app.orders.models import Order
from app.registration import services
from app.registration.models import Answer, PersonalProgrammeEntry, Question, Registration
from app.waitlist.models import WaitingListEntry
from tests.conftest import login
from tests.factories import build_conference

LIST = "/manage/e/varkonferensen-2027/attendees"
NEEDS = "/manage/e/varkonferensen-2027/needs.csv"
PURGE = "/manage/e/varkonferensen-2027/purge"


def attendee(name, email, **fields):
    return services.Attendee(name=name, email=email, **fields)


def fill(conference, db):
    """Four attendees with needs written in different ways, one invoice order, one
    cancellation, an answer, a waiting-list entry and a starred item."""
    event, ticket, paid = conference["event"], conference["ticket"], conference["paid"]
    question = Question(event_id=event.id, label="Arbete", kind="text")
    db.session.add(question)
    db.session.commit()
    for name, diet, access in (("Alva Ek", "Vegetarisk", "Hörslinga"),
                               ("Bo Berg", "  vegetarisk. ", ""),
                               ("Cai Ström", "Glutenfri", "Rullstol")):
        services.place_order(event, name, f"{name.split()[0].lower()}@example.org", "sv", [(
            ticket, attendee(name, f"{name.split()[0].lower()}@example.org", phone="0701234567",
                             dietary_needs=diet, accessibility_needs=access,
                             sensitive_consent=True, answers={question.id: "Kurator"}))])
    order = services.place_order(
        event, "Dag Chef", "dag@example.org", "sv",
        [(paid, attendee("Dag Chef", "dag@example.org", dietary_needs="Vegetarisk",
                         sensitive_consent=True))],
        payment_method="invoice",
        billing=services.Billing(name="Region Väst", address="Box 1, Göteborg",
                                 org_number="232100-0131", reference="Dag Chef"))
    gone = services.place_order(event, "Eva Slut", "eva@example.org", "sv",
                                [(ticket, attendee("Eva Slut", "eva@example.org",
                                                   organisation="RSMH", role="Ordförande"))])
    services.cancel(gone.registrations[0])
    alva = services.find_active(event, "alva@example.org")
    db.session.add_all([
        WaitingListEntry(event_id=event.id, ticket_type_id=paid.id, name="Fia Vänta",
                         email="fia@example.org", token="vantelista-token"),
        PersonalProgrammeEntry(registration_id=alva.id, item_id=conference["talk"].id),
    ])
    db.session.commit()
    return order, gone.registrations[0]


def test_organisers_see_needs_with_names_and_counts_without(organiser, conference, db):
    fill(conference, db)
    organiser.get("/language/en")
    html = organiser.get(LIST).get_data(as_text=True)
    assert "Hörslinga" in html and "Rullstol" in html
    assert "Dietary needs: 4 attendees. Accessibility needs: 2 attendees." in html
    assert "<td>vegetarisk</td><td>3</td>" in html and "<td>glutenfri</td><td>1</td>" in html


def test_the_needs_csv_has_counts_and_no_names(organiser, conference, db):
    fill(conference, db)
    organiser.get("/language/en")
    response = organiser.get(NEEDS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Kind", "Need", "Attendees"]
    assert ["Dietary needs", "vegetarisk", "3"] in rows
    assert ["Dietary needs", "glutenfri", "1"] in rows
    assert ["Accessibility needs", "All kinds", "2"] in rows
    for person in ("Alva", "Bo", "Cai", "Dag", "Eva", "example.org", "Hörslinga", "Rullstol",
                   "0701234567"):
        assert person not in text


def test_the_needs_csv_cannot_run_formulas_in_a_spreadsheet(organiser, conference, db):
    services.place_order(conference["event"], "X", "x@example.org", "sv", [(
        conference["ticket"], attendee("X", "x@example.org", dietary_needs="=HYPERLINK(1)",
                                       sensitive_consent=True))])
    text = organiser.get(NEEDS).get_data().decode("utf-8-sig")
    assert "'=hyperlink(1)" in text


def test_door_staff_never_see_sensitive_data(app, conference, db, make_user):
    order, _gone = fill(conference, db)
    event = conference["event"]
    make_user("dorr@example.org", role="door", events=[event])
    door = login(app.test_client(), "dorr@example.org")
    for path in (LIST, NEEDS, PURGE, "/manage/e/varkonferensen-2027/questions"):
        assert door.get(path).status_code == 403
    assert door.post(PURGE, data={"confirm_slug": event.slug}).status_code == 403
    alva = services.find_active(event, "alva@example.org")
    scanned = door.post("/checkin/varkonferensen-2027", data={"code": alva.badge_token})
    assert scanned.status_code == 200
    html = scanned.get_data(as_text=True)
    assert "Alva Ek" in html
    for secret in ("Vegetarisk", "Hörslinga", "0701234567", "Kurator"):
        assert secret not in html
    db.session.refresh(alva)
    assert alva.dietary_needs == "Vegetarisk"


def test_signed_out_visitors_are_sent_to_log_in(client, conference):
    for path in (LIST, NEEDS, PURGE):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_purge_needs_the_typed_confirmation(organiser, conference, db):
    fill(conference, db)
    assert organiser.get(PURGE).status_code == 200
    assert organiser.post(PURGE, data={"confirm_slug": ""}).status_code == 400
    organiser.get("/language/en")
    wrong = organiser.post(PURGE, data={"confirm_slug": "varkonferensen"})
    assert wrong.status_code == 400
    assert "Type varkonferensen-2027 exactly." in wrong.get_data(as_text=True)
    assert conference["event"].personal_data_purged_at is None
    assert db.session.scalar(select(Answer)) is not None
    assert services.find_active(conference["event"], "alva@example.org").dietary_needs


def test_purge_deletes_exactly_what_it_says_and_keeps_the_bookkeeping(organiser, conference,
                                                                       client, db):
    order, gone = fill(conference, db)
    event = conference["event"]
    before = {o.id: (o.buyer_name, o.buyer_email, o.total_ore, o.billing_name,
                     o.billing_address, o.billing_org_number, o.invoice_reference,
                     o.invoice_number, o.status)
              for o in db.session.scalars(select(Order))}

    response = organiser.post(PURGE, data={"confirm_slug": " varkonferensen-2027 "})
    assert response.status_code == 303

    db.session.refresh(event)
    assert event.personal_data_purged_at is not None
    people = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert all(r.dietary_needs == "" and r.accessibility_needs == "" and r.phone == ""
               and not r.sensitive_consent for r in people)
    assert db.session.scalar(select(Answer)) is None
    assert db.session.scalar(select(Question)) is not None  # the questions stay
    assert db.session.scalar(select(WaitingListEntry)) is None
    assert db.session.scalar(select(PersonalProgrammeEntry)) is None
    # Sent mail keeps its status but not who it went to, what it said or the badges.
    from app.mail.models import EmailAttachment, OutgoingEmail

    mail = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.event_id == event.id, OutgoingEmail.status == "sent")).all()
    assert mail and all(m.to_address == "purged" and m.body_text == m.body_html == ""
                        for m in mail)
    assert db.session.scalar(select(EmailAttachment)) is None

    # The cancelled registration is anonymised; the confirmed keep name, email, organisation.
    cancelled = db.session.get(Registration, gone.id)
    assert cancelled.name == "" and cancelled.email == f"anonymised-{gone.id}@invalid"
    assert cancelled.organisation == "" and cancelled.role == ""
    assert sorted(r.name for r in people if r.status == "confirmed") == [
        "Alva Ek", "Bo Berg", "Cai Ström", "Dag Chef"]

    # Orders, billing details and invoices are untouched, except who placed the cancelled free
    # order: it is no accounting record.
    after = {o.id: (o.buyer_name, o.buyer_email, o.total_ore, o.billing_name,
                    o.billing_address, o.billing_org_number, o.invoice_reference,
                    o.invoice_number, o.status)
             for o in db.session.scalars(select(Order))}
    cancelled_order = gone.order_id
    assert after.pop(cancelled_order) == (
        "", f"anonymised-order-{cancelled_order}@invalid", *before.pop(cancelled_order)[2:])
    assert after == before
    assert after[order.id][3:6] == ("Region Väst", "Box 1, Göteborg", "232100-0131")

    organiser.get("/language/en")
    html = organiser.get(LIST).get_data(as_text=True)
    assert "Personal data was deleted on" in html and "Anonymised" in html
    assert "Eva Slut" not in html and "Hörslinga" not in html

    # The attendee's form says so and no longer asks for what was deleted.
    alva = services.find_active(event, "alva@example.org")
    client.get("/language/en")
    form = client.get(f"/r/{alva.manage_token}/edit").get_data(as_text=True)
    assert "The organiser has deleted the event’s dietary and accessibility needs" in form
    assert 'name="dietary_needs"' not in form and 'name="q' not in form
    saved = client.post(f"/r/{alva.manage_token}/edit", data={
        "name": "Alva Ek", "dietary_needs": "Vegetarisk", "sensitive_consent": "y"})
    assert saved.status_code == 303
    db.session.refresh(alva)
    assert alva.dietary_needs == ""


def test_purge_touches_only_its_own_event(organiser, conference, db):
    other = build_conference(name="Höstkonferensen", slug="host-2027")
    services.place_order(other["event"], "Ola", "ola@example.org", "sv", [(
        other["ticket"], attendee("Ola", "ola@example.org", phone="070", dietary_needs="Vegansk",
                                  sensitive_consent=True))])
    fill(conference, db)
    assert organiser.post(PURGE, data={"confirm_slug": "varkonferensen-2027"}).status_code == 303
    ola = services.find_active(other["event"], "ola@example.org")
    assert ola.dietary_needs == "Vegansk" and ola.phone == "070"
    assert other["event"].personal_data_purged_at is None


def test_a_seat_held_by_a_waiting_list_offer_goes_back_on_sale_when_purged(organiser,
                                                                          conference, db):
    event, paid = conference["event"], conference["paid"]
    paid.seats_taken += 1  # what an open offer holds
    db.session.add(WaitingListEntry(event_id=event.id, ticket_type_id=paid.id, name="Gun",
                                    email="gun@example.org", token="erbjudande-token",
                                    status="offered"))
    db.session.commit()
    assert organiser.post(PURGE, data={"confirm_slug": event.slug}).status_code == 303
    db.session.refresh(paid)
    assert paid.seats_taken == 0
    assert db.session.scalar(select(WaitingListEntry)) is None


# --- what the purge leaves of people who never came ------------------------------------------

def cells(db, table, where, **params):
    """Every text value in the matching rows of a table, read straight from the database."""
    db.session.rollback()
    rows = db.session.execute(text(f"SELECT * FROM {table} WHERE {where}"), params).all()
    return [value for row in rows for value in row if isinstance(value, str)]


def people_who_never_came(conference, db, app):
    """A cancelled attendee, a group order its buyer cancelled whole, a card order never paid,
    and mail still waiting to be sent to them all."""
    from app.db_types import utcnow
    from tests.factories import card_order

    event, ticket = conference["event"], conference["ticket"]
    app.config["OUTBOX_HOLD"] = True  # nothing is sent until the test says so
    try:
        gone = services.place_order(event, "Eva Slut", "eva.slut@example.org", "sv", [
            (ticket, attendee("Eva Slut", "eva.slut@example.org", organisation="RSMH",
                              role="Ordförande"))])
        services.cancel(gone.registrations[0])
        group = services.place_order(event, "Gun Grupp", "gun.grupp@example.org", "sv", [
            (ticket, attendee("Hans Kollega", "hans.kollega@example.org", role="Kurator")),
            (ticket, attendee("Ina Kollega", "ina.kollega@example.org"))],
            payment_method="free")
        services.cancel_order(group)
        unpaid = card_order(conference, email="kim.kort@example.org", name="Kim Kort",
                            minutes_ago=20)
        orders.expire_holds(now=utcnow())
        stays = services.place_order(event, "Alva Ek", "alva.ek@example.org", "sv", [
            (ticket, attendee("Alva Ek", "alva.ek@example.org", role="Peer supporter"))])
        db.session.commit()
    finally:
        app.config.pop("OUTBOX_HOLD", None)
    names = ["Eva Slut", "eva.slut@example.org", "Gun Grupp", "gun.grupp@example.org",
             "Hans Kollega", "hans.kollega@example.org", "Ina Kollega",
             "ina.kollega@example.org", "Kim Kort", "kim.kort@example.org", "Ordförande",
             "Kurator"]
    return names, (gone, group, unpaid), stays


def test_purge_leaves_nothing_of_cancelled_and_unpaid_people_and_sends_nothing(
        organiser, conference, db, app, mailbox):
    from app.mail import outbox
    from app.mail.models import OutgoingEmail

    names, orders, stays = people_who_never_came(conference, db, app)
    event = conference["event"]
    # The door undid a check-in, and the reason typed names someone.
    undone = CheckIn(registration_id=stays.registrations[0].id, event_id=event.id,
                     annulled_at=utcnow(), annul_reason="Fel person, det var Gun Grupp")
    db.session.add(undone)
    db.session.commit()
    waiting = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.event_id == event.id, OutgoingEmail.status == "pending")).all()
    assert len(waiting) >= 4
    assert any("Gun Grupp" in value for value in cells(db, "ticket_order", "1 = 1"))

    assert organiser.post(PURGE, data={"confirm_slug": event.slug}).status_code == 303

    where = "event_id = :event"
    found = (cells(db, "ticket_order", where, event=event.id)
             + cells(db, "registration", where, event=event.id)
             + cells(db, "outgoing_email", where, event=event.id))
    for name in names:
        assert not [value for value in found if name in value], name
    # Mail that was waiting is emptied and failed, and nothing goes out afterwards.
    assert outbox.deliver_due() == 0
    assert organiser.post(f"/manage/outbox/{waiting[0].id}/retry").status_code == 404
    assert outbox.deliver_due() == 0
    assert mailbox.messages == []
    db.session.rollback()
    assert {m.status for m in db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.id.in_([m.id for m in waiting])))} == {"failed"}
    assert db.session.get(CheckIn, undone.id).annul_reason == ""
    # Nobody's role is kept, not even a confirmed attendee's.
    db.session.rollback()
    assert set(db.session.scalars(select(Registration.role))) == {""}
    # The confirmed attendee and their order stay.
    kept = db.session.get(Order, stays.id)
    assert (kept.buyer_name, kept.buyer_email) == ("Alva Ek", "alva.ek@example.org")
    assert db.session.get(Registration, stays.registrations[0].id).name == "Alva Ek"
    # An unpaid order keeps its code and amounts, not who placed it.
    unpaid = db.session.get(Order, orders[2].id)
    assert unpaid.buyer_name == "" and unpaid.buyer_email.endswith("@invalid")
    assert unpaid.total_ore == 95000 and unpaid.status == "expired"


def test_purge_keeps_the_buyer_of_an_accounting_record(organiser, conference, db):
    """An invoice (or a payment, or a refund) is a voucher: Swedish bookkeeping law wants its
    counterparty kept for seven years, even when the order was cancelled."""
    event, paid = conference["event"], conference["paid"]
    order = services.place_order(
        event, "Dag Chef", "dag@example.org", "sv",
        [(paid, attendee("Dag Chef", "dag@example.org"))], payment_method="invoice",
        billing=services.Billing(name="Region Väst", address="Box 1, Göteborg"))
    services.cancel_order(order)
    assert organiser.post(PURGE, data={"confirm_slug": event.slug}).status_code == 303
    db.session.rollback()
    order = db.session.get(Order, order.id)
    assert (order.buyer_name, order.billing_name, order.billing_address) == (
        "Dag Chef", "Region Väst", "Box 1, Göteborg")
    assert order.invoice_number is not None
    # The cancelled seat's holder is anonymised all the same.
    assert order.registrations[0].name == ""


def test_the_purge_page_says_what_happens_to_speakers(organiser, conference, db):
    speaker = conference["speaker"]
    organiser.get("/language/en")
    page = organiser.get(PURGE).get_data(as_text=True)
    assert "Speakers" in page and "programme" in page
    assert organiser.post(PURGE, data={"confirm_slug": "varkonferensen-2027"}).status_code == 303
    db.session.rollback()
    kept = db.session.get(type(speaker), speaker.id)
    assert (kept.name, kept.email, kept.token) == (speaker.name, speaker.email, speaker.token)
