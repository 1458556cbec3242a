"""A sold-out ticket has a waiting list: people join it, a freed seat is offered to the first in
line and held for them while the offer is open, an offer that runs out passes on, and the
organiser sees the list and can offer seats they add."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.events.models import Event
from app.orders import services as orders
from app.orders.models import Order
from app.registration import services
from app.registration.models import Registration
from app.tickets.models import TicketType
from app.waitlist import services as waitlist
from app.waitlist.models import WaitingListEntry
from tests.concurrency import run_at_once
from tests.conftest import login
from tests.factories import build_conference, register

SLUG = "varkonferensen-2027"


@pytest.fixture
def full(db):
    """Vårkonferensen with one free seat, taken by Alva."""
    conference = build_conference(capacity=1)
    conference["alva"] = register(conference["event"], conference["ticket"])
    return conference


def join(client, ticket, name, email, **extra):
    return client.post(f"/e/{SLUG}/waiting-list?ticket={ticket.id}",
                       data={"name": name, "email": email, **extra})


def entry_of(db, email) -> WaitingListEntry:
    db.session.rollback()
    return db.session.scalar(
        select(WaitingListEntry).where(WaitingListEntry.email == email)
        .order_by(WaitingListEntry.id.desc()))


def seats_taken(db, ticket) -> int:
    db.session.rollback()
    return db.session.scalar(select(TicketType.seats_taken).where(TicketType.id == ticket.id))


def cancel_over_http(client, registration):
    response = client.post(f"/r/{registration.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code in (302, 303)


def error_page(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<div class="error-page">'):html.index("</main>")]


def offer_messages(mailbox):
    return [m for m in mailbox.messages if "/accept" in mailbox.body(m)]


def test_people_join_a_sold_out_ticket_and_learn_their_place(client, full, mailbox, db):
    ticket = full["ticket"]
    page = client.get(f"/e/{SLUG}/waiting-list?ticket={ticket.id}")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)

    response = join(client, ticket, "Bo Ek", "bo@example.org")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/e/{SLUG}/")
    client.get("/language/en")
    assert join(client, ticket, "Cia Berg", "CIA@example.org").status_code == 303

    bo, cia = entry_of(db, "bo@example.org"), entry_of(db, "cia@example.org")
    assert (bo.status, cia.status) == ("waiting", "waiting")
    assert (waitlist.position(bo), waitlist.position(cia)) == (1, 2)
    assert (bo.language, cia.language) == ("sv", "en")

    mailbox.wait_for(2)
    [to_bo] = mailbox.to("bo@example.org")
    assert "Hej Bo Ek," in mailbox.body(to_bo)  # Swedish, as Bo joined
    assert mailbox.link(to_bo, "/waiting-list/") == f"/waiting-list/{bo.token}"
    [to_cia] = mailbox.to("cia@example.org")
    assert to_cia["Subject"] == "You are on the waiting list: Vårkonferensen"
    body = mailbox.body(to_cia)
    assert "Hello Cia Berg," in body and "Your place in line: 2" in body
    assert mailbox.link(to_cia, "/waiting-list/") == f"/waiting-list/{cia.token}"

    # The private link shows the place in line.
    page = client.get(f"/waiting-list/{cia.token}").get_data(as_text=True)
    assert "Place in line" in page and "<dd>2</dd>" in page


def test_no_waiting_list_while_seats_are_left(client, conference, db):
    paid = conference["paid"]  # 100 seats, none taken
    response = client.get(f"/e/{SLUG}/waiting-list?ticket={paid.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/e/{SLUG}/register")
    assert join(client, paid, "Bo Ek", "bo@example.org").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(WaitingListEntry)) == 0
    assert client.get(f"/e/{SLUG}/waiting-list?ticket=999999").status_code == 404
    assert client.get(f"/e/{SLUG}/waiting-list").status_code == 404


def test_registered_or_already_waiting_people_get_a_clear_message_and_no_duplicate(
        client, full, mailbox, db):
    ticket = full["ticket"]
    response = join(client, ticket, "Alva Persson", "Alva@example.org")
    assert response.status_code == 409
    assert "alva@example.org" in response.get_data(as_text=True)

    assert join(client, ticket, "Bo Ek", "bo@example.org").status_code == 303
    again = join(client, ticket, "Bo Ek", "BO@example.org")
    assert again.status_code == 409
    assert "bo@example.org" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WaitingListEntry)) == 1
    # Alva's confirmation again, and Bo's place in line twice: the link only goes by email.
    mailbox.wait_for(3)
    assert len(mailbox.to("bo@example.org")) == 2


def test_a_malformed_form_or_a_bot_stores_nothing(client, full, db):
    ticket = full["ticket"]
    response = join(client, ticket, "", "inte-en-adress")
    assert response.status_code == 400
    assert "Skriv en hel e-postadress" in response.get_data(as_text=True)
    assert join(client, ticket, "Bo Ek", "bo@example.org",
                website="http://spam.example").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WaitingListEntry)) == 0


def test_a_cancelled_seat_is_offered_to_the_first_in_line_and_not_sold_meanwhile(
        client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    join(client, ticket, "Cia Berg", "cia@example.org")
    mailbox.wait_for(2)
    mailbox.clear()

    cancel_over_http(client, full["alva"])
    bo, cia = entry_of(db, "bo@example.org"), entry_of(db, "cia@example.org")
    assert (bo.status, cia.status) == ("offered", "waiting")
    assert bo.offer_expires_at - bo.offered_at == timedelta(hours=48)
    assert seats_taken(db, ticket) == 1, "the offer holds the seat"

    mailbox.wait_for(1)
    [offer] = offer_messages(mailbox)
    assert offer["To"] == "bo@example.org"
    assert "Hej Bo Ek," in mailbox.body(offer)
    assert mailbox.link(offer, "/accept") == f"/waiting-list/{bo.token}/accept"

    page = client.get(f"/e/{SLUG}/register").get_data(as_text=True)
    assert "Slutsåld" in page and f"/e/{SLUG}/waiting-list?ticket={ticket.id}" in page
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                           data={"a0-name": "Dan Ny", "a0-email": "dan@example.org"},
                           follow_redirects=True)
    assert response.status_code in (200, 409)
    assert "message-error" in response.get_data(as_text=True)  # sold out, in the page's words
    assert db.session.scalar(
        select(Registration).where(Registration.email == "dan@example.org")) is None
    assert seats_taken(db, ticket) == 1


def test_taking_the_offer_registers_with_the_held_seat(client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    cancel_over_http(client, full["alva"])
    bo = entry_of(db, "bo@example.org")
    [offer] = [m for m in mailbox.wait_for(2) if "/accept" in mailbox.body(m)]

    response = client.get(mailbox.link(offer, "/accept"))
    assert response.status_code == 303
    register_url = response.headers["Location"]
    assert f"/e/{SLUG}/register?" in register_url
    assert f"t{ticket.id}=1" in register_url and f"offer={bo.token}" in register_url
    assert client.get(register_url).status_code == 200

    mailbox.clear()
    response = client.post(register_url, data={"a0-name": "Bo Ek", "a0-email": "bo@example.org"})
    assert response.status_code == 303
    registration = db.session.scalar(
        select(Registration).where(Registration.email == "bo@example.org"))
    assert registration.status == "confirmed"
    bo = entry_of(db, "bo@example.org")
    assert bo.status == "accepted" and bo.order_id == registration.order_id
    assert seats_taken(db, ticket) == 1, "no second seat was taken"
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == "bo@example.org"

    # The link is used up: the same page as for an unknown one.
    used = client.get(f"/waiting-list/{bo.token}/accept")
    unknown = client.get("/waiting-list/not-a-real-token/accept")
    assert used.status_code == unknown.status_code == 410
    assert error_page(used) == error_page(unknown)


def test_an_offer_that_runs_out_passes_to_the_next_person(client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    client.get("/language/en")
    join(client, ticket, "Cia Berg", "cia@example.org")
    cancel_over_http(client, full["alva"])
    mailbox.wait_for(3)
    mailbox.clear()

    assert waitlist.expire_offers(now=utcnow() + timedelta(hours=49)) == 1
    db.session.commit()
    bo, cia = entry_of(db, "bo@example.org"), entry_of(db, "cia@example.org")
    assert (bo.status, cia.status) == ("expired", "offered")
    assert seats_taken(db, ticket) == 1

    mailbox.wait_for(2)
    [lapsed] = mailbox.to("bo@example.org")
    assert "Hej Bo Ek," in mailbox.body(lapsed) and "/accept" not in mailbox.body(lapsed)
    [offer] = mailbox.to("cia@example.org")
    assert offer["Subject"] == "A seat is free for you: Vårkonferensen"
    assert mailbox.link(offer, "/accept") == f"/waiting-list/{cia.token}/accept"

    assert client.get(f"/waiting-list/{bo.token}/accept").status_code == 410
    assert client.get(f"/waiting-list/{bo.token}").status_code == 404
    client.get("/language/sv")
    assert client.get(f"/waiting-list/{cia.token}").status_code == 200


def test_with_nobody_waiting_a_lapsed_seat_goes_back_on_sale(app, client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    cancel_over_http(client, full["alva"])
    bo = entry_of(db, "bo@example.org")
    assert bo.status == "offered"
    bo.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["waitlist", "expire-offers"])
    assert result.exit_code == 0 and "expired offers: 1" in result.output
    assert entry_of(db, "bo@example.org").status == "expired"
    assert seats_taken(db, ticket) == 0

    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                           data={"a0-name": "Dan Ny", "a0-email": "dan@example.org"})
    assert response.status_code == 303
    assert seats_taken(db, ticket) == 1


def test_a_lapsed_offer_is_noticed_when_someone_opens_the_page(client, full, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    join(client, ticket, "Cia Berg", "cia@example.org")
    cancel_over_http(client, full["alva"])
    bo = entry_of(db, "bo@example.org")
    bo.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert client.get(f"/waiting-list/{bo.token}/accept").status_code == 410
    assert entry_of(db, "cia@example.org").status == "offered"


def test_leaving_the_list(client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    join(client, ticket, "Cia Berg", "cia@example.org")
    bo = entry_of(db, "bo@example.org")

    page = client.get(f"/waiting-list/{bo.token}")
    assert page.status_code == 200 and "Bo Ek" in page.get_data(as_text=True)
    response = client.post(f"/waiting-list/{bo.token}")
    assert response.status_code == 303
    assert entry_of(db, "bo@example.org").status == "withdrawn"
    assert waitlist.position(entry_of(db, "cia@example.org")) == 1

    gone = client.get(f"/waiting-list/{bo.token}")
    unknown = client.get("/waiting-list/no-such-token")
    assert gone.status_code == unknown.status_code == 404
    assert error_page(gone) == error_page(unknown)
    assert "Sidan finns inte" in gone.get_data(as_text=True)
    assert client.post(f"/waiting-list/{bo.token}").status_code == 404


def test_declining_an_offer_passes_the_seat_on_at_once(client, full, mailbox, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    join(client, ticket, "Cia Berg", "cia@example.org")
    cancel_over_http(client, full["alva"])
    bo = entry_of(db, "bo@example.org")
    assert "/accept" in client.get(f"/waiting-list/{bo.token}").get_data(as_text=True)

    assert client.post(f"/waiting-list/{bo.token}").status_code == 303
    assert entry_of(db, "bo@example.org").status == "withdrawn"
    assert entry_of(db, "cia@example.org").status == "offered"
    assert seats_taken(db, ticket) == 1


def test_two_seats_freed_at_once_make_two_offers_to_the_first_two(app, client, db, mailbox):
    conference = build_conference(capacity=2)
    ticket = conference["ticket"]
    first = register(conference["event"], ticket, email="alva@example.org")
    second = register(conference["event"], ticket, name="Ali", email="ali@example.org")
    for name, email in [("Bo", "bo@example.org"), ("Cia", "cia@example.org"),
                        ("Dan", "dan@example.org")]:
        join(client, ticket, name, email)
    tokens = [first.manage_token, second.manage_token]

    def cancel(i):
        services.cancel(services.by_token(tokens[i]))
        return True

    outcomes = run_at_once(app, 2, cancel)
    assert all(result is True for _i, result in outcomes), outcomes
    statuses = {e: entry_of(db, e).status for e in
                ("bo@example.org", "cia@example.org", "dan@example.org")}
    assert statuses == {"bo@example.org": "offered", "cia@example.org": "offered",
                        "dan@example.org": "waiting"}
    assert seats_taken(db, ticket) == 2
    mailbox.wait_for(5)
    assert sorted(m["To"] for m in offer_messages(mailbox)) == ["bo@example.org",
                                                                "cia@example.org"]


def test_a_full_event_offers_its_freed_seat_to_whoever_waits_for_another_ticket(
        client, conference, db):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    event.capacity = 1
    db.session.commit()
    alva = register(event, free)
    assert join(client, paid, "Bo Ek", "bo@example.org").status_code == 303

    cancel_over_http(client, alva)
    assert entry_of(db, "bo@example.org").status == "offered"
    assert seats_taken(db, free) == 0 and seats_taken(db, paid) == 1
    assert db.session.scalar(select(Event.seats_taken).where(Event.id == event.id)) == 1


def test_with_the_event_full_the_longest_waiting_person_comes_first_whatever_the_ticket(
        client, conference, db):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    event.capacity = 1
    db.session.commit()
    alva = register(event, free)
    # Bo joined first, for the paid ticket; Cia second, for the free one that frees up.
    assert join(client, paid, "Bo Ek", "bo@example.org").status_code == 303
    assert join(client, free, "Cia Berg", "cia@example.org").status_code == 303

    cancel_over_http(client, alva)
    assert entry_of(db, "bo@example.org").status == "offered"
    assert entry_of(db, "cia@example.org").status == "waiting"
    assert seats_taken(db, free) == 0 and seats_taken(db, paid) == 1


def test_a_card_order_from_an_offer_that_is_not_paid_moves_on_to_the_next_person(
        app, client, organiser, conference, db, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    event, paid = conference["event"], conference["paid"]
    paid.capacity = 1
    db.session.commit()
    order = services.place_order(
        event, "Alva", "alva@example.org", "sv",
        [(paid, services.Attendee(name="Alva", email="alva@example.org"))],
        payment_method="invoice", billing=services.Billing(name="Region", address="Box 1"))
    join(client, paid, "Bo Ek", "bo@example.org")
    join(client, paid, "Cia Berg", "cia@example.org")
    services.cancel(order.registrations[0], refund=False)
    bo = entry_of(db, "bo@example.org")
    assert bo.status == "offered"

    bos_order = services.place_order(
        event, "Bo Ek", "bo@example.org", "sv",
        [(db.session.get(TicketType, paid.id),
          services.Attendee(name="Bo Ek", email="bo@example.org"))],
        payment_method="card", offer=waitlist.open_offer(bo.token))
    db.session.commit()
    assert bos_order.status == "pending"
    assert entry_of(db, "bo@example.org").status == "accepted"
    assert seats_taken(db, paid) == 1

    orders.expire_holds(now=utcnow() + timedelta(minutes=16))
    db.session.commit()
    assert db.session.get(Order, bos_order.id).status == "expired"
    bo, cia = entry_of(db, "bo@example.org"), entry_of(db, "cia@example.org")
    assert (bo.status, cia.status) == ("accepted", "offered"), "Bo is not offered it again"
    assert seats_taken(db, paid) == 1
    assert waitlist.open_offer(bo.token) is None

    page = organiser.get(f"/manage/e/{SLUG}/waiting-list")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("bo@example.org") < html.index("cia@example.org")


def test_an_offer_cannot_be_used_twice(client, full, db):
    ticket = full["ticket"]
    join(client, ticket, "Bo Ek", "bo@example.org")
    cancel_over_http(client, full["alva"])
    bo = entry_of(db, "bo@example.org")
    stale = waitlist.open_offer(bo.token)
    event = db.session.get(Event, ticket.event_id)
    services.place_order(event, "Bo Ek", "bo@example.org", "sv",
                         [(db.session.get(TicketType, ticket.id),
                           services.Attendee(name="Bo Ek", email="bo@example.org"))],
                         offer=stale)
    stale = db.session.get(WaitingListEntry, bo.id)
    with pytest.raises(services.RegistrationError):
        services.place_order(event, "Eve", "eve@example.org", "sv",
                             [(db.session.get(TicketType, ticket.id),
                               services.Attendee(name="Eve", email="eve@example.org"))],
                             offer=stale)
    assert db.session.scalar(
        select(Registration).where(Registration.email == "eve@example.org")) is None
    assert seats_taken(db, ticket) == 1


# --- the organiser ---------------------------------------------------------------------------

def test_only_organisers_see_the_waiting_list(client, full, make_user):
    assert client.get(f"/manage/e/{SLUG}/waiting-list").status_code == 302  # to the login
    make_user("dorr@example.org", role="door")
    door = login(client, "dorr@example.org")
    assert door.get(f"/manage/e/{SLUG}/waiting-list").status_code == 403
    assert door.post(f"/manage/e/{SLUG}/waiting-list/offer").status_code == 403


def test_organiser_sees_the_list_withdraws_and_offers_added_seats(
        client, organiser, full, mailbox, db):
    ticket = full["ticket"]
    for name, email in [("Bo Ek", "bo@example.org"), ("Cia Berg", "cia@example.org"),
                        ("Dan Ny", "dan@example.org"), ("Eva Ö", "eva@example.org")]:
        join(client, ticket, name, email)
    page = organiser.get(f"/manage/e/{SLUG}/waiting-list")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("bo@example.org") < html.index("cia@example.org") < html.index(
        "dan@example.org")
    assert "Fri entré" in html

    cia = entry_of(db, "cia@example.org")
    response = organiser.post(f"/manage/e/{SLUG}/waiting-list/{cia.id}/withdraw")
    assert response.status_code == 303
    assert entry_of(db, "cia@example.org").status == "withdrawn"
    other = build_conference(name="Höstkonferensen", slug="host-2027")
    assert organiser.post(f"/manage/e/host-2027/waiting-list/{cia.id}/withdraw"
                          ).status_code == 404
    assert other["event"].id

    ticket = db.session.get(TicketType, ticket.id)
    ticket.capacity = 3  # two more seats
    db.session.commit()
    mailbox.wait_for(4)
    mailbox.clear()
    response = organiser.post(f"/manage/e/{SLUG}/waiting-list/offer", follow_redirects=True)
    assert response.status_code == 200
    statuses = [entry_of(db, e).status for e in
                ("bo@example.org", "dan@example.org", "eva@example.org")]
    assert statuses == ["offered", "offered", "waiting"]
    assert seats_taken(db, ticket) == 3
    assert sorted(m["To"] for m in mailbox.wait_for(2)) == ["bo@example.org",
                                                            "dan@example.org"]

    # Pressing again offers nothing more: no seat is free.
    organiser.post(f"/manage/e/{SLUG}/waiting-list/offer")
    assert entry_of(db, "eva@example.org").status == "waiting"
    assert seats_taken(db, ticket) == 3
