"""Seats: the one writer of every seat counter.

Ticket types and the event count their taken seats in `seats_taken`, programme items with
sign-up in `signups_taken`. Each counter moves only by one conditional UPDATE here
(`counter + n <= limit`), so two people can never get the last seat, on SQLite (writes are
serialised) or PostgreSQL (the row lock re-checks the WHERE). Everything runs in the caller's
transaction. Callers take ticket types in id order and the event last, so concurrent orders
cannot deadlock. The waiting list, the purge, sign-ups, orders and the organiser's ticket change
(app.registration.person) call these functions; nothing else writes a counter."""

from sqlalchemy import func, or_, select, update

from app.events.models import Event, Room
from app.extensions import db
from app.programme.models import ProgrammeItem
from app.tickets.models import TicketType


class CapacityBelowTaken(ValueError):
    """A capacity lower than the seats already taken; `taken` says how many those are."""

    def __init__(self, taken: int):
        super().__init__(taken)
        self.taken = taken


def _move(column, row_id_column, row_id: int, count: int, limit=None, where=(),
          **also) -> bool:
    """The shared conditional increment (count > 0) or decrement (count < 0) of a counter:
    never past the limit (None: no limit), never below zero, only where `where` holds. True if
    the row changed."""
    model = row_id_column.class_
    condition = [row_id_column == row_id, *where]
    if count > 0 and limit is not None:
        condition.append(or_(limit.is_(None), column + count <= limit))
    if count < 0:
        condition.append(column >= -count)
    return db.session.execute(
        update(model).where(*condition).values({column.key: column + count, **also})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


# --- ticket types and the event ---------------------------------------------------------------

def take_ticket(ticket_type_id: int, count: int = 1) -> bool:
    return _move(TicketType.seats_taken, TicketType.id, ticket_type_id, count,
                 TicketType.capacity)


def take_event(event_id: int, count: int = 1) -> bool:
    return _move(Event.seats_taken, Event.id, event_id, count, Event.capacity)


def take_for_order(event_id: int, counts: dict[int, int]) -> int | None:
    """Take `counts` (ticket type id -> seats) and as many of the event's; None when all were
    taken, else the ticket type id that is full (0: the event is). Ticket types in id order and
    the event last. On refusal the caller rolls back (or leaves its savepoint)."""
    for ticket_type_id in sorted(counts):
        if counts[ticket_type_id] and not take_ticket(ticket_type_id, counts[ticket_type_id]):
            return ticket_type_id
    total = sum(counts.values())
    if total and not take_event(event_id, total):
        return 0
    return None


def give_back_ticket(ticket_type_id: int, count: int = 1) -> None:
    """Seats of the ticket type only (the event's stay taken, e.g. by an offer)."""
    _move(TicketType.seats_taken, TicketType.id, ticket_type_id, -count)


def give_back(event_id: int, ticket_type_id: int, count: int = 1) -> None:
    """Seats go back to sale: on the ticket type and on the event."""
    give_back_ticket(ticket_type_id, count)
    _move(Event.seats_taken, Event.id, event_id, -count)


def lock_event(event_id: int) -> None:
    """Lock the event's ticket types, then the event, in the order an order takes them, before
    many seats of the event change at once (its cancellation): a concurrent order waits instead
    of deadlocking."""
    db.session.execute(select(TicketType.id).where(TicketType.event_id == event_id)
                       .order_by(TicketType.id).with_for_update())
    db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())


class _TicketFull(Exception):
    """Leaves the savepoint of swap_ticket."""


def swap_ticket(from_id: int, to_id: int) -> bool:
    """One attendee moves to another ticket type of the same event: a seat of `to_id` is taken
    by the conditional increment and one of `from_id` given back, together or not at all (a
    savepoint), the two rows in id order like an order's (no deadlock). The event's seat stays
    taken: the attendee still comes. False, and nothing changed, when `to_id` is full."""
    try:
        with db.session.begin_nested():
            for ticket_type_id in sorted((from_id, to_id)):
                if ticket_type_id == from_id:
                    give_back_ticket(from_id)
                elif not take_ticket(to_id):
                    raise _TicketFull
    except _TicketFull:
        return False
    return True


def set_capacity(row: TicketType | Event, capacity: int | None) -> None:
    """Set a ticket type's or the event's capacity by one conditional UPDATE, so a seat taken
    at the same moment cannot slip under it. Raises CapacityBelowTaken (nothing changed)."""
    if capacity == row.capacity:
        return
    model = type(row)
    query = update(model).where(model.id == row.id)
    if capacity is not None:
        query = query.where(model.seats_taken <= capacity)
    changed = db.session.execute(
        query.values(capacity=capacity).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.refresh(row)
        raise CapacityBelowTaken(row.seats_taken)


def seats_left(event: Event, ticket_type: TicketType) -> int | None:
    """What the public may still book of this ticket type, counting the event's capacity
    (None: no limit)."""
    limits = [n for n in (ticket_type.seats_left, event.seats_left) if n is not None]
    return min(limits) if limits else None


# --- programme items with sign-up ---------------------------------------------------------------

def signup_limit_sql():
    """An item's sign-up limit in SQL: its own number, else its room's capacity, else none."""
    room_capacity = (
        select(Room.capacity).where(Room.id == ProgrammeItem.room_id).scalar_subquery()
    )
    return func.coalesce(ProgrammeItem.signup_capacity, room_capacity)


def take_signup(item_id: int) -> bool:
    """One seat in a session that takes sign-ups and is not cancelled. A seat is not an edit
    of the item, so updated_at stays (onupdate would stamp it)."""
    return _move(ProgrammeItem.signups_taken, ProgrammeItem.id, item_id, 1, signup_limit_sql(),
                 where=(ProgrammeItem.signup_required.is_(True),
                        ProgrammeItem.cancelled.is_(False)),
                 updated_at=ProgrammeItem.updated_at)


def give_back_signup(item_id: int, count: int = 1) -> None:
    _move(ProgrammeItem.signups_taken, ProgrammeItem.id, item_id, -count,
          updated_at=ProgrammeItem.updated_at)
