"""The organiser's page of one attendee (/manage/e/<slug>/attendees/<id>): everything about
them in one place, and what the organiser does for them when they call: send the confirmation
again, cancel, change the ticket type, give the ticket to a colleague."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin.services import Door, annul, scan
from app.mail.models import OutgoingEmail
from app.payments.models import Refund
from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import person, services
from app.registration.models import Answer, Registration
from app.registration.questions import save_question
from app.tickets.models import TicketType
from app.waitlist import services as waitlist
from tests.concurrency import run_at_once
from tests.conftest import login
from tests.factories import DAY, build_conference, card_order, publish_programme, register
from tests.queries import queries_for
from tests.readback import attachment, qr_codes

SLUG = "varkonferensen-2027"
MANAGE = f"/manage/e/{SLUG}"
NBSP = "\u00a0"


def page_of(registration) -> str:
    return f"{MANAGE}/attendees/{registration.id}"


def english(client):
    """Pages in English, so the test reads the same before and after translation."""
    client.get("/language/en")
    return client


def flashed(client, response) -> str:
    """The page a 303 leads back to, with the message it carries."""
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def mails(db, to, kind=None) -> list[OutgoingEmail]:
    query = select(OutgoingEmail).where(OutgoingEmail.to_address == to)
    if kind:
        query = query.where(OutgoingEmail.kind == kind)
    db.session.rollback()
    return list(db.session.scalars(query.order_by(OutgoingEmail.id)))


def free_ticket(conference, db, name="Talare", capacity=None, **extra):
    ticket = TicketType(event=conference["event"], name=name, price_ore=0, capacity=capacity,
                        seats_taken=0, position=2, **extra)
    db.session.add(ticket)
    db.session.commit()
    return ticket


def invoice_order(conference, refund_until=None):
    """Eva Chef registers herself and Åke Anställd, invoiced to their region."""
    event = conference["event"]
    event.refund_until = refund_until
    order = services.place_order(
        event, "Eva Chef", "eva.chef@region.example", "sv",
        [(conference["paid"], services.Attendee("Eva Chef", "eva.chef@region.example")),
         (conference["paid"], services.Attendee(
             "Åke Anställd", "ake@region.example", organisation="Region Örebro län",
             dietary_needs="Glutenfri", accessibility_needs="Hörslinga",
             sensitive_consent=True))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro"))
    return order


# --- the page ----------------------------------------------------------------------------------

def test_the_page_shows_everything_about_one_attendee(app, organiser, conference, db, mailbox,
                                                       make_user):
    event = conference["event"]
    question = save_question(event, None, label="Hur hörde du om oss?",
                             label_en="How did you hear of us?", kind="text")
    save_question(event, None, label="Fika?", label_en="Coffee?", kind="yesno")
    workshop = create_item(event, title="Workshop om återhämtning", kind="workshop",
                           description="", signup=(True, 10),
                           placement=ItemPlacement(DAY, time(14, 0), time(15, 30),
                                                   conference["side"]))
    conference["ticket"].capacity = 1
    db.session.commit()
    publish_programme(event)
    register(event, conference["ticket"], name="Nils Karlsson", email="nils@example.org")
    # Åke waited for a free seat before his employer bought him a paid one.
    waitlist.join(event, conference["ticket"], "Åke Anställd", "ake@region.example", "sv")
    order = invoice_order(conference, refund_until=event.today() + timedelta(days=30))
    eva, ake = order.registrations
    ake.answers.append(Answer(question_id=question.id, value="Från en kollega"))
    signups.sign_up(ake, workshop)
    db.session.commit()
    services.cancel(eva)  # in time: her seat is credited on the invoice
    door = make_user("dorr@example.org", role="door", name="Dora Dörr", events=[event])
    first = scan(Door(event, user=door), ake.badge_token).check_in
    annul(Door(event, user=door), first.id, "Fel bricka")
    scan(Door(event, user=door), ake.badge_token)
    db.session.commit()
    mailbox.wait_for(1)

    english(organiser)
    response = organiser.get(page_of(ake))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    badge_code = " ".join(re.findall(".{1,4}", ake.badge_token))
    for shown in (
        "Åke Anställd", "ake@region.example", "Region Örebro län", "Ordinarie",
        f"SEK{NBSP}950", "Registered", "Checked in", badge_code,
        f"{MANAGE}/attendees/{ake.id}/badge.pdf",
        # the order: code, buyer, what it holds, total, invoice, the credit
        order.code, "Eva Chef (eva.chef@region.example)", "Invoice not paid",
        f"Invoice {order.invoice_number} (PDF)", f"SEK{NBSP}1,900", "Credited",
        # answers, and the needs marked as sensitive
        "How did you hear of us?", "Från en kollega", "Coffee?", "Not answered",
        "Sensitive", "Glutenfri", "Hörslinga",
        # workshops, check-ins with the undone one, waiting list, mail
        "Workshop om återhämtning", "by Dora Dörr", "Undone", "Fel bricka",
        "Fri entré: Waiting", "Din anmälan: Vårkonferensen", "delivered to the mail server",
    ):
        assert shown in html, shown
    assert html.count("<li>Entrance: Checked in ") == 2  # the undone one and the one that counts
    # Someone else's mail and needs are not on it.
    assert "nils@example.org" not in html
    # Reading it wrote nothing.
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 3


def test_the_organiser_downloads_the_badge(organiser, conference, db):
    alva = register(conference["event"], conference["ticket"])
    response = organiser.get(f"{page_of(alva)}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert qr_codes(response.data) == [alva.badge_token]
    services.cancel(alva)
    assert organiser.get(f"{page_of(alva)}/badge.pdf").status_code == 404


def test_another_events_attendee_or_an_unknown_one_is_not_found(app, organiser, conference, db):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    theirs = register(other["event"], other["ticket"], email="hans@example.org")
    ours = register(conference["event"], conference["ticket"])
    assert organiser.get(page_of(ours)).status_code == 200
    assert organiser.get(f"/manage/e/hostkonferensen-2027/attendees/{theirs.id}").status_code == 200
    for path in (f"{MANAGE}/attendees/{theirs.id}", f"{MANAGE}/attendees/99999"):
        assert organiser.get(path).status_code == 404, path
        assert organiser.get(f"{path}/badge.pdf").status_code == 404, path
        for action, data in (("resend", {"resend-seen": "0"}), ("cancel", {"cancel-confirm": "y"}),
                             ("ticket", {"ticket-ticket_type": str(other["ticket"].id)}),
                             ("transfer", {"transfer-name": "Bo", "transfer-email": "bo@x.org",
                                           "transfer-language": "sv", "transfer-confirm": "y"})):
            assert organiser.post(f"{path}/{action}", data=data).status_code == 404, action
    db.session.refresh(theirs)
    assert (theirs.status, theirs.email) == ("confirmed", "hans@example.org")


def test_only_organisers_open_it(app, client, conference, make_user):
    alva = register(conference["event"], conference["ticket"])
    response = client.get(page_of(alva))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.get(page_of(alva)).status_code == 403
    assert door.post(f"{page_of(alva)}/cancel", data={"cancel-confirm": "y"}).status_code == 403


# --- send the confirmation again ---------------------------------------------------------------

def seen_on(html: str) -> str:
    return re.search(r'name="resend-seen" type="hidden" value="(\d+)"', html).group(1)


def test_the_confirmation_goes_out_again_once_per_press(organiser, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    english(organiser)
    seen = seen_on(organiser.get(page_of(alva)).get_data(as_text=True))

    page = flashed(organiser, organiser.post(f"{page_of(alva)}/resend",
                                             data={"resend-seen": seen}))
    assert "The confirmation was sent again to alva@example.org." in page
    [message] = mailbox.wait_for(1)
    assert message["To"] == "alva@example.org"
    assert mailbox.link(message, "/r/") == f"/r/{alva.manage_token}"
    assert qr_codes(attachment(message)) == [alva.badge_token]

    # The same form sent twice (a double click) sends it once.
    page = flashed(organiser, organiser.post(f"{page_of(alva)}/resend",
                                             data={"resend-seen": seen}))
    assert "it was not sent a second time" in page
    assert len(mails(db, "alva@example.org", "confirmation")) == 2  # registering, and once more
    # From the page as it is now, it can be sent again.
    page = flashed(organiser, organiser.post(f"{page_of(alva)}/resend",
                                             data={"resend-seen": seen_on(page)}))
    assert len(mails(db, "alva@example.org", "confirmation")) == 3


def test_nothing_is_sent_for_a_cancelled_or_unpaid_registration(organiser, conference, db):
    alva = register(conference["event"], conference["ticket"])
    services.cancel(alva)
    waiting = card_order(conference).registrations[0]
    english(organiser)
    refused = organiser.post(f"{page_of(alva)}/resend", data={"resend-seen": "0"})
    assert refused.status_code == 409
    assert "Alva Persson has no confirmed registration. There is nothing to send." in (
        refused.get_data(as_text=True))
    refused = organiser.post(f"{page_of(waiting)}/resend", data={"resend-seen": "0"})
    assert refused.status_code == 409
    assert "card payment" in refused.get_data(as_text=True)
    assert mails(db, "kort@example.org", "confirmation") == []
    for seen in ("x", "-1", "9" * 40):
        assert organiser.post(f"{page_of(alva)}/resend",
                              data={"resend-seen": seen}).status_code == 400, seen


# --- cancel ------------------------------------------------------------------------------------

def test_the_organiser_cancels_and_the_invoice_is_credited(organiser, conference, db, mailbox):
    event = conference["event"]
    order = invoice_order(conference, refund_until=event.today() + timedelta(days=30))
    db.session.commit()
    _eva, ake = order.registrations
    english(organiser)

    unticked = organiser.post(f"{page_of(ake)}/cancel", data={})
    assert unticked.status_code == 400
    assert "Tick the box to confirm that you want to cancel." in unticked.get_data(as_text=True)
    db.session.refresh(ake)
    assert ake.status == "confirmed"
    mailbox.wait_for(3)  # both confirmations and the order with its invoice
    mailbox.clear()

    page = flashed(organiser, organiser.post(f"{page_of(ake)}/cancel",
                                             data={"cancel-confirm": "y"}))
    assert "The registration of Åke Anställd is cancelled" in page
    db.session.refresh(ake)
    assert ake.status == "cancelled"
    assert db.session.get(TicketType, conference["paid"].id).seats_taken == 1
    # registrations_cancelled reached payments: his seat is credited on the unpaid invoice.
    [credit] = db.session.scalars(select(Refund)).all()
    assert (credit.reason, credit.amount_ore) == ("credit_note", 95000)
    # He is told, in his own language; the buyer gets the credit note.
    arrived = mailbox.wait_for(2)
    [notice] = [m for m in arrived if m["To"] == "ake@region.example"]
    [credit_note] = [m for m in arrived if m["To"] == "eva.chef@region.example"]
    assert credit_note["Subject"].startswith("Kreditfaktura")
    assert "Vårkonferensen" in notice["Subject"]
    assert "Registration cancelled" in page
    assert "Only a confirmed registration can be changed." in page

    # Sent twice: nothing more happens.
    page = flashed(organiser, organiser.post(f"{page_of(ake)}/cancel",
                                             data={"cancel-confirm": "y"}))
    assert "The registration of Åke Anställd was already cancelled." in page
    assert len(mails(db, "ake@region.example", "cancellation")) == 1
    assert len(db.session.scalars(select(Refund)).all()) == 1
    # The audit log says who cancelled, once.
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "registration.cancelled")).all()
    assert entry.actor.startswith("Olga Organiser") and entry.detail["registration"] == ake.id


def test_an_unpaid_card_registration_is_not_cancelled_here(organiser, conference, db):
    waiting = card_order(conference).registrations[0]
    english(organiser)
    refused = organiser.post(f"{page_of(waiting)}/cancel", data={"cancel-confirm": "y"})
    assert refused.status_code == 409
    assert "card payment" in refused.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == "pending"


# --- change ticket type ------------------------------------------------------------------------

def change(organiser, registration, ticket):
    return organiser.post(f"{page_of(registration)}/ticket",
                          data={"ticket-ticket_type": str(ticket.id)})


def seats(db, *rows):
    db.session.rollback()
    return [db.session.get(type(row), row.id).seats_taken for row in rows]


def test_the_seat_moves_to_the_new_ticket_type(organiser, conference, db, mailbox):
    event, free = conference["event"], conference["ticket"]
    event.capacity = 50
    speakers = free_ticket(conference, db, capacity=1)
    alva = register(event, free)
    mailbox.wait_for(1)
    mailbox.clear()
    assert seats(db, free, speakers, event) == [1, 0, 1]
    english(organiser)
    assert "Talare – SEK\u00a00 – 1 left" in organiser.get(page_of(alva)).get_data(as_text=True)

    page = flashed(organiser, change(organiser, alva, speakers))
    assert "Alva Persson now has the ticket Talare" in page
    db.session.refresh(alva)
    assert alva.ticket_type_id == speakers.id
    assert seats(db, free, speakers, event) == [0, 1, 1]  # the event's seat stays hers
    [confirmation] = mailbox.wait_for(1)
    assert "Talare" in mailbox.body(confirmation)
    assert qr_codes(attachment(confirmation)) == [alva.badge_token]  # the same badge code

    # Sent twice: she has it already, nothing moves again.
    page = flashed(organiser, change(organiser, alva, speakers))
    assert "Alva Persson already has the ticket Talare." in page
    assert seats(db, free, speakers, event) == [0, 1, 1]
    assert len(mails(db, "alva@example.org", "confirmation")) == 2


def test_a_sold_out_or_dearer_ticket_is_refused_and_nothing_moves(organiser, conference, db):
    event, free = conference["event"], conference["ticket"]
    speakers = free_ticket(conference, db, capacity=1)
    register(event, speakers, name="Sara Talare", email="sara@example.org")
    bo = register(event, free, name="Bo Berg", email="bo@example.org")
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    english(organiser)
    before = seats(db, free, speakers, conference["paid"])

    sold_out = change(organiser, bo, speakers)
    assert sold_out.status_code == 409
    assert "Talare is sold out." in sold_out.get_data(as_text=True)
    dearer = change(organiser, bo, conference["paid"])
    assert dearer.status_code == 409
    assert (f"Ordinarie costs SEK{NBSP}950 and Bo Berg’s ticket cost SEK{NBSP}0"
            in dearer.get_data(as_text=True))
    assert change(organiser, bo, other["ticket"]).status_code == 400  # another event's
    assert organiser.post(f"{page_of(bo)}/ticket",
                          data={"ticket-ticket_type": "x"}).status_code == 400
    db.session.refresh(bo)
    assert bo.ticket_type_id == free.id
    assert seats(db, free, speakers, conference["paid"]) == before

    services.cancel(bo)
    cancelled = change(organiser, bo, free_ticket(conference, db, name="Volontär"))
    assert cancelled.status_code == 409
    assert "Bo Berg has no confirmed registration." in cancelled.get_data(as_text=True)


def test_a_paid_ticket_changes_to_one_of_the_same_price(organiser, conference, db):
    order = invoice_order(conference)
    db.session.commit()
    _eva, ake = order.registrations
    staff = TicketType(event=conference["event"], name="Personal", price_ore=95000, capacity=5,
                       seats_taken=0, position=3)
    food = TicketType(event=conference["event"], name="Med middag", price_ore=95000,
                      vat_percent=12, capacity=5, seats_taken=0, position=4)
    db.session.add_all([staff, food])
    db.session.commit()
    english(organiser)
    other_vat = change(organiser, ake, food)
    assert other_vat.status_code == 409
    assert "Med middag has 12 % VAT" in other_vat.get_data(as_text=True)

    flashed(organiser, change(organiser, ake, staff))
    db.session.refresh(ake)
    assert (ake.ticket_type_id, ake.price_ore, ake.vat_percent) == (staff.id, 95000, 25)
    db.session.refresh(order)
    assert order.total_ore == 190000  # the order and its invoice stay as they were


def test_a_seat_freed_by_a_change_goes_to_the_waiting_list(organiser, conference, db, mailbox):
    event, free = conference["event"], conference["ticket"]
    free.capacity = 1
    speakers = free_ticket(conference, db)
    alva = register(event, free)
    entry = waitlist.join(event, free, "Cai Ek", "cai@example.org", "sv")
    db.session.commit()
    flashed(organiser, change(organiser, alva, speakers))
    db.session.refresh(entry)
    assert entry.status == "offered"
    assert [m.kind for m in mails(db, "cai@example.org")] == ["waitlist", "waitlist_offer"]
    assert seats(db, free, speakers) == [1, 1]  # Cai's offer holds the freed seat


# --- give the ticket to another person ---------------------------------------------------------

def transfer(organiser, registration, name="Bo Berg", email="Bo@Example.org", **extra):
    data = {"transfer-name": name, "transfer-email": email, "transfer-language": "en",
            "transfer-confirm": "y"}
    data.update({f"transfer-{key}": value for key, value in extra.items()})
    return organiser.post(f"{page_of(registration)}/transfer", data=data)


def test_the_ticket_goes_to_a_colleague_with_a_new_badge(app, organiser, conference, db,
                                                         mailbox, make_user):
    event = conference["event"]
    alva = register(event, conference["ticket"], dietary_needs="Vegansk", sensitive_consent=True)
    mailbox.wait_for(1)
    mailbox.clear()
    old_badge, old_link = alva.badge_token, alva.manage_token
    english(organiser)

    page = flashed(organiser, transfer(organiser, alva))
    assert "The ticket of Alva Persson now belongs to Bo Berg" in page
    db.session.refresh(alva)
    assert (alva.name, alva.email, alva.language) == ("Bo Berg", "bo@example.org", "en")
    assert alva.badge_token != old_badge and alva.manage_token != old_link
    assert alva.dietary_needs == ""  # Alva's needs were hers
    messages = mailbox.wait_for(2)
    [confirmation] = [m for m in messages if m["To"] == "bo@example.org"]
    [notice] = [m for m in messages if m["To"] == "alva@example.org"]
    assert confirmation["Subject"] == "Your registration: Vårkonferensen"
    assert qr_codes(attachment(confirmation)) == [alva.badge_token]
    assert "Bo Berg" in mailbox.body(notice) and alva.manage_token not in mailbox.body(notice)

    # Sent twice: the ticket is already Bo's; nothing is made or sent again.
    page = flashed(organiser, transfer(organiser, alva))
    assert "The ticket already belongs to Bo Berg." in page
    db.session.refresh(alva)
    assert len(mails(db, "bo@example.org", "confirmation")) == 1

    # The old badge no longer lets anyone in; the new one does.
    make_user("dorr@example.org", role="door", events=[event])
    door = login(app.test_client(), "dorr@example.org")
    assert door.post(f"/checkin/{SLUG}", data={"code": old_badge}).status_code == 404
    assert door.post(f"/checkin/{SLUG}", data={"code": alva.badge_token}).status_code == 200
    assert app.test_client().get(f"/r/{old_link}").status_code == 404


def test_a_transfer_is_refused_when_it_cannot_be_right(app, organiser, conference, db,
                                                      make_user):
    event = conference["event"]
    alva = register(event, conference["ticket"])
    register(event, conference["ticket"], name="Bo Berg", email="bo@example.org")
    english(organiser)

    taken = transfer(organiser, alva, email="BO@example.org")
    assert taken.status_code == 409
    assert "bo@example.org is already registered for the event." in taken.get_data(as_text=True)
    unconfirmed = transfer(organiser, alva, name="Cai Ek", email="cai@example.org", confirm="")
    assert unconfirmed.status_code == 400
    bad = transfer(organiser, alva, name="Cai Ek", email="cai-at-example")
    assert bad.status_code == 400
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="transfer-email"',
                     bad.get_data(as_text=True))
    same = transfer(organiser, alva, name="Alva P", email="alva@example.org")
    assert same.status_code == 400
    assert "alva@example.org already has this ticket" in same.get_data(as_text=True)

    make_user("dorr@example.org", role="door", events=[event])
    scan(Door(event), alva.badge_token)
    db.session.commit()
    used = transfer(organiser, alva, name="Cai Ek", email="cai@example.org")
    assert used.status_code == 409
    assert "Alva Persson has been checked in" in used.get_data(as_text=True)
    db.session.refresh(alva)
    assert (alva.name, alva.email) == ("Alva Persson", "alva@example.org")
    assert mails(db, "cai@example.org") == []


@pytest.mark.parametrize("action", ["ticket", "transfer"])
def test_an_unpaid_card_registration_is_left_as_it_is(organiser, conference, db, action):
    waiting = card_order(conference).registrations[0]
    data = {"ticket": {"ticket-ticket_type": str(conference["ticket"].id)},
            "transfer": {"transfer-name": "Bo Berg", "transfer-email": "bo@example.org",
                         "transfer-language": "sv", "transfer-confirm": "y"}}[action]
    refused = organiser.post(f"{page_of(waiting)}/{action}", data=data)
    assert refused.status_code == 409
    db.session.refresh(waiting)
    assert (waiting.email, waiting.ticket_type_id) == ("kort@example.org", conference["paid"].id)


def test_the_attendee_list_and_the_order_link_to_the_page(organiser, conference, db):
    order = invoice_order(conference)
    db.session.commit()
    _eva, ake = order.registrations
    assert f'href="{page_of(ake)}"' in organiser.get(f"{MANAGE}/attendees").get_data(
        as_text=True)
    assert f'href="{page_of(ake)}"' in organiser.get(f"{MANAGE}/orders/{order.id}").get_data(
        as_text=True)



# --- two organisers (or a double click) at the same instant ------------------------------------

def test_the_same_transfer_sent_at_once_is_done_once(app, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    alva_id = alva.id  # the threads each read it with their own session

    def give(_i):
        registration = db.session.get(Registration, alva_id)
        return person.transfer(registration, name="Bo Berg", email="bo@example.org",
                               language="sv")

    outcomes = run_at_once(app, 4, give)
    assert sorted(result for _i, result in outcomes) == [False, False, False, True]
    assert len(mails(db, "bo@example.org", "confirmation")) == 1
    assert len(mails(db, "alva@example.org", "transfer")) == 1


def test_two_changes_at_once_get_one_last_seat(app, conference, db, mailbox):
    event, free = conference["event"], conference["ticket"]
    speakers = free_ticket(conference, db, capacity=1)
    ids = [register(event, free, name=f"Person {i}", email=f"p{i}@example.org").id
           for i in range(4)]
    speakers_id = speakers.id

    def move(i):
        return person.change_ticket(db.session.get(Registration, ids[i]), speakers_id)

    outcomes = run_at_once(app, 4, move)
    assert sorted(str(type(result).__name__) for _i, result in outcomes) == [
        "SoldOut", "SoldOut", "SoldOut", "bool"]
    assert seats(db, free, speakers, event) == [3, 1, 4]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.ticket_type_id == speakers.id)) == 1


def test_the_page_costs_the_same_queries_however_much_happened(organiser, conference, db,
                                                               make_user):
    """An attendee with a long history (group order, mail, check-ins) costs no more queries
    than one who just registered."""
    event = conference["event"]
    alva = register(event, conference["ticket"])
    order = invoice_order(conference)
    db.session.commit()
    _eva, ake = order.registrations
    door = make_user("dorr@example.org", role="door", events=[event])
    for _round in range(3):
        check_in = scan(Door(event, user=door), ake.badge_token).check_in
        annul(Door(event, user=door), check_in.id, "Fel bricka")
    services.resend_confirmation(ake)
    db.session.commit()
    organiser.get(page_of(alva))  # the first request of a client loads more (the session)
    assert queries_for(organiser, page_of(ake)) == queries_for(organiser, page_of(alva))
    assert queries_for(organiser, page_of(ake)) <= 16
