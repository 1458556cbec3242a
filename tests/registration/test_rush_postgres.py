"""The registration rush over HTTP: many people press "Register" for the last seats at the same
moment, each with their own browser (a Flask test client in its own thread, so its own database
connection), and never is a seat given twice.

Meant for PostgreSQL (TEST_DATABASE_URL=postgresql+psycopg://...), where the requests really
run side by side and the atomic UPDATE's row lock is what keeps the count right; on SQLite the
same tests pass because writes queue. When TEST_DATABASE_URL names a server that does not
answer, the session's app fixture errors: the run fails, it never skips."""

import os

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.events.models import Event
from app.extensions import db as _db
from app.mail.models import OutgoingEmail
from app.orders.models import Order
from app.registration.models import Registration
from app.tickets.models import TicketType
from tests.concurrency import run_at_once
from tests.factories import build_conference, register

SLUG = "varkonferensen-2027"
SOLD_OUT = "Tyvärr, Fri entré är slutsåld."
WAITING_LIST = "/e/varkonferensen-2027/waiting-list?ticket="
# People pressing the button at once. At most 14: the app's connection pool holds 15, and a
# request that commits mail keeps its connection while the outbox delivers on a second one, so
# 15 or more request threads in one process could all wait for a free connection.
PEOPLE = 14


def in_swedish(app, message: str) -> str:
    """The Swedish text the visitor sees for an English msgid (and it must be Swedish)."""
    with app.test_request_context(), force_locale("sv"):
        text = _(message)
    assert text != message, f"no Swedish translation of {message!r}"
    return text


def attempt(app, tickets: dict[int, int], number: int):
    """One visitor's POST of the details form, as work(i) for run_at_once, which gives
    (status, the page or the redirect's location, the attendees' addresses)."""

    def work(i):
        client = app.test_client()
        count = sum(tickets.values())
        data = {"website": ""}
        emails = [f"deltagare{number}-{i}-{a}@example.org" for a in range(count)]
        for a, email in enumerate(emails):
            data[f"a{a}-name"] = f"Deltagare {i}.{a}"
            data[f"a{a}-email"] = email
        if count > 1:
            data["buyer_name"] = f"Beställare {i}"
            data["buyer_email"] = f"bestallare{number}-{i}@example.org"
        query = "&".join(f"t{ticket_id}={n}" for ticket_id, n in tickets.items())
        response = client.post(f"/e/{SLUG}/register?{query}", data=data)
        body = response.headers.get("Location", "") if response.status_code in (302, 303) \
            else response.get_data(as_text=True)
        return response.status_code, body, emails

    return work


def rush(app, attempts):
    """Every attempt (tickets wanted) posted at the same instant, each from its own client."""
    fresh()  # the test's own session lets go of its connection: the pool is for the requests
    works = [attempt(app, tickets, number) for number, tickets in enumerate(attempts)]
    outcomes = run_at_once(app, len(works), lambda i: works[i](i))
    for i, result in outcomes:
        assert not isinstance(result, Exception), f"attempt {i} crashed: {result!r}"
    results = [result for _i, result in sorted(outcomes, key=lambda o: o[0])]
    statuses = sorted({status for status, _body, _emails in results})
    assert set(statuses) <= {303, 409}, f"unexpected statuses (never a 500): {statuses}"
    return results


def fresh():
    _db.session.rollback()


def seats_taken(ticket_id: int) -> int:
    fresh()
    return _db.session.scalar(select(TicketType.seats_taken).where(TicketType.id == ticket_id))


def confirmed(ticket_id: int | None = None) -> int:
    fresh()
    query = select(func.count()).select_from(Registration).where(
        Registration.status == "confirmed")
    if ticket_id is not None:
        query = query.where(Registration.ticket_type_id == ticket_id)
    return _db.session.scalar(query)


def count(model, *where) -> int:
    fresh()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def confirmed_emails() -> set[str]:
    fresh()
    return set(_db.session.scalars(
        select(Registration.email).where(Registration.status == "confirmed")))


def test_the_tests_run_on_the_database_test_database_url_names(app, db):
    """A PostgreSQL run that quietly fell back to SQLite would prove nothing."""
    wanted = os.environ.get("TEST_DATABASE_URL")
    if wanted:
        assert db.engine.url.render_as_string(hide_password=False) == \
            make_url(wanted).render_as_string(hide_password=False)
        assert db.engine.dialect.name == make_url(wanted).get_backend_name()
    else:
        assert db.engine.dialect.name == "sqlite"
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_fourteen_people_at_once_for_five_seats_five_get_in(app, db, mailbox):
    conference = build_conference(capacity=5)
    ticket_id = conference["ticket"].id

    results = rush(app, [{ticket_id: 1}] * PEOPLE)

    admitted = [r for r in results if r[0] == 303]
    refused = [r for r in results if r[0] == 409]
    assert len(admitted) == 5 and len(refused) == PEOPLE - 5
    for _status, location, _emails in admitted:
        assert "/r/" in location  # each registered alone: their own page
    for _status, page, _emails in refused:
        assert SOLD_OUT in page
        assert f"{WAITING_LIST}{ticket_id}" in page  # the waiting list is offered instead
    assert seats_taken(ticket_id) == 5 == confirmed(ticket_id) == confirmed()
    assert count(Registration) == 5 and count(Order) == 5
    assert confirmed_emails() == {emails[0] for _s, _l, emails in admitted}
    # The five, and nobody else, got a confirmation with their badge.
    assert count(OutgoingEmail, OutgoingEmail.kind == "confirmation") == 5
    messages = mailbox.wait_for(5)
    assert sorted(m["To"] for m in messages) == sorted(confirmed_emails())


def test_the_event_capacity_holds_across_two_ticket_types(app, db, mailbox):
    """Neither ticket type has its own limit; the event has eight seats in all."""
    conference = build_conference()
    event = conference["event"]
    event.capacity = 8
    first = conference["ticket"]
    second = TicketType(event=event, name="Medlem", price_ore=0, capacity=None, seats_taken=0,
                        position=2)
    db.session.add(second)
    db.session.commit()
    ids = (first.id, second.id)
    fully_booked = in_swedish(app, "Sorry, the event is fully booked.")

    results = rush(app, [{ids[n % 2]: 1} for n in range(PEOPLE)])

    admitted = [r for r in results if r[0] == 303]
    refused = [r for r in results if r[0] == 409]
    assert len(admitted) == 8 and len(refused) == PEOPLE - 8
    for _status, page, _emails in refused:
        assert str(escape(fully_booked)) in page
        assert f"{WAITING_LIST}{ids[0]}" in page and f"{WAITING_LIST}{ids[1]}" in page
    fresh()
    assert db.session.get(Event, event.id).seats_taken == 8
    assert seats_taken(ids[0]) + seats_taken(ids[1]) == 8 == confirmed()
    assert seats_taken(ids[0]) == confirmed(ids[0]) and seats_taken(ids[1]) == confirmed(ids[1])
    assert count(Registration) == 8 and count(Order) == 8
    assert count(OutgoingEmail, OutgoingEmail.kind == "confirmation") == 8


def test_group_orders_race_single_orders_for_the_last_three_seats(app, db, mailbox):
    """Seven of ten seats are gone. Four buyers order two tickets each while six people order
    one: the three seats go, a group gets both of its seats or none, and nothing is left
    half written."""
    conference = build_conference(capacity=10)
    event, ticket = conference["event"], conference["ticket"]
    for i in range(7):
        register(event, ticket, name=f"Tidig {i}", email=f"tidig{i}@example.org")
    ticket_id = ticket.id
    assert seats_taken(ticket_id) == 7

    attempts = [{ticket_id: 2}] * 4 + [{ticket_id: 1}] * 6
    results = rush(app, attempts)

    groups, singles = results[:4], results[4:]
    admitted_groups = [r for r in groups if r[0] == 303]
    admitted_singles = [r for r in singles if r[0] == 303]
    # Either one group and one single, or three singles: always exactly the three seats.
    assert 2 * len(admitted_groups) + len(admitted_singles) == 3
    assert len(admitted_groups) <= 1
    for status, page, _emails in results:
        if status == 409:
            assert SOLD_OUT in page
    assert seats_taken(ticket_id) == 10 == confirmed(ticket_id) == confirmed()
    # Only the admitted orders exist, each with all of its attendees confirmed.
    assert count(Registration) == 10
    assert count(Order) == 7 + len(admitted_groups) + len(admitted_singles)
    expected = {f"tidig{i}@example.org" for i in range(7)}
    for _status, _location, emails in admitted_groups + admitted_singles:
        expected.update(emails)
    assert confirmed_emails() == expected
    assert count(Order, Order.status != "confirmed") == 0
    # One confirmation per attendee; a group's buyer also gets the order.
    assert count(OutgoingEmail, OutgoingEmail.kind == "confirmation") == 10
    assert count(OutgoingEmail, OutgoingEmail.kind == "order") == len(admitted_groups)
