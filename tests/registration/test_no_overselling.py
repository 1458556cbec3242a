"""The last seats under real concurrency: many people register at the same moment, each in its
own thread with its own database connection, and no more seats are given than there are."""


import pytest
from sqlalchemy import func, select

from app.events.models import Event
from app.extensions import db as _db
from app.registration import services
from app.registration.models import Registration
from app.tickets.models import TicketType
from tests.concurrency import run_at_once
from tests.factories import build_conference, register

CAPACITY = 5
SOLD_OUT = "Tyvärr, Fri entré är slutsåld."


def register_in_thread(event_id, ticket_id):
    def work(i):
        event = _db.session.get(Event, event_id)
        ticket = _db.session.get(TicketType, ticket_id)
        registration = register(event, ticket, name=f"Deltagare {i}",
                                email=f"deltagare{i}@example.org")
        return registration.email

    return work


def seats_taken(ticket_id) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(TicketType.seats_taken).where(TicketType.id == ticket_id))


def registrations(status=None) -> int:
    _db.session.rollback()
    query = select(func.count()).select_from(Registration)
    if status:
        query = query.where(Registration.status == status)
    return _db.session.scalar(query)


@pytest.fixture
def small(db):
    conference = build_conference(capacity=CAPACITY)
    db.session.commit()
    return conference["event"].id, conference["ticket"].id


def fill_concurrently(app, small, threads=20):
    outcomes = run_at_once(app, threads, register_in_thread(*small))
    registered = [result for _i, result in outcomes if isinstance(result, str)]
    refused = [result for _i, result in outcomes if not isinstance(result, str)]
    return registered, refused


def test_twenty_people_at_once_get_exactly_the_five_seats(app, small, mailbox):
    registered, refused = fill_concurrently(app, small)
    assert len(registered) == CAPACITY and len(set(registered)) == CAPACITY
    assert len(refused) == 20 - CAPACITY
    for error in refused:
        assert type(error) is services.SoldOut, repr(error)
        assert error.text == SOLD_OUT
    assert seats_taken(small[1]) == CAPACITY
    assert registrations() == CAPACITY
    stored = set(_db.session.scalars(select(Registration.email)))
    assert stored == set(registered)
    # Each of the five, and nobody else, got a confirmation.
    messages = mailbox.wait_for(CAPACITY)
    assert sorted(m["To"] for m in messages) == sorted(registered)


def test_a_cancelled_seat_can_be_taken_again_once(app, db, small, mailbox):
    event_id, ticket_id = small
    registered, _refused = fill_concurrently(app, small)
    assert seats_taken(ticket_id) == CAPACITY
    leaving = db.session.scalar(select(Registration).where(Registration.email == registered[0]))

    assert services.cancel(leaving) is True
    assert leaving.status == "cancelled" and leaving.cancelled_at is not None
    assert seats_taken(ticket_id) == CAPACITY - 1
    assert registrations("confirmed") == CAPACITY - 1

    event, ticket = db.session.get(Event, event_id), db.session.get(TicketType, ticket_id)
    newcomer = register(event, ticket, name="Ny Deltagare", email="ny@example.org")
    assert newcomer.status == "confirmed"
    assert seats_taken(ticket_id) == CAPACITY

    # A double submit of the cancel form frees nothing more.
    assert services.cancel(leaving) is False
    assert seats_taken(ticket_id) == CAPACITY
    assert registrations("confirmed") == CAPACITY
    event, ticket = db.session.get(Event, event_id), db.session.get(TicketType, ticket_id)
    with pytest.raises(services.RegistrationError, match="slutsåld"):
        register(event, ticket, name="En för mycket", email="for.mycket@example.org")
    assert seats_taken(ticket_id) == CAPACITY
    assert registrations() == CAPACITY + 1


def test_the_same_cancellation_sent_six_times_at_once_frees_one_seat(app, db, small, mailbox):
    event_id, ticket_id = small
    registered, _refused = fill_concurrently(app, small, threads=CAPACITY)
    assert seats_taken(ticket_id) == CAPACITY
    leaving_id = db.session.scalar(
        select(Registration.id).where(Registration.email == registered[0]))

    outcomes = run_at_once(
        app, 6, lambda _i: services.cancel(_db.session.get(Registration, leaving_id)))
    assert sorted(result for _i, result in outcomes) == [False] * 5 + [True]
    assert seats_taken(ticket_id) == CAPACITY - 1
    assert registrations("confirmed") == CAPACITY - 1


def test_last_seat_taken_by_two_at_once(app, db, small, mailbox):
    """Four seats gone; two people press the button for the fifth at the same moment."""
    event_id, ticket_id = small
    event, ticket = db.session.get(Event, event_id), db.session.get(TicketType, ticket_id)
    for i in range(CAPACITY - 1):
        register(event, ticket, name=f"Tidig {i}", email=f"tidig{i}@example.org")
    db.session.commit()
    outcomes = run_at_once(app, 2, register_in_thread(event_id, ticket_id))
    results = [result for _i, result in outcomes]
    assert sum(isinstance(result, str) for result in results) == 1
    [refused] = [result for result in results if not isinstance(result, str)]
    assert type(refused) is services.SoldOut and refused.text == SOLD_OUT
    assert seats_taken(ticket_id) == CAPACITY
    assert registrations() == CAPACITY


def test_one_address_submitted_many_times_at_once_registers_once(app, mailbox):
    """A double (or tenfold) submit racing itself: one registration, one seat, the rest told."""
    conference = build_conference(capacity=CAPACITY)
    event_id, ticket_id = conference["event"].id, conference["ticket"].id
    _db.session.commit()

    def work(i):
        event = _db.session.get(Event, event_id)
        ticket = _db.session.get(TicketType, ticket_id)
        email = "Alva@Example.org" if i % 2 else "alva@example.org"
        return register(event, ticket, email=email).email

    outcomes = run_at_once(app, 10, work)
    succeeded = [result for _, result in outcomes if isinstance(result, str)]
    refused = [result for _, result in outcomes if isinstance(result, Exception)]
    assert succeeded == ["alva@example.org"]
    assert all(isinstance(error, services.AlreadyRegistered) for error in refused), refused
    assert seats_taken(ticket_id) == 1
    assert _db.session.scalar(select(func.count()).select_from(Registration)) == 1
