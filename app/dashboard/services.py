"""The organiser's figures, read from the areas below and counted by the database.

`event_figures` is an event's home page (/manage/e/<slug>/): confirmed registrations per ticket
type against its seats, the money (paid, card payments under way, invoices unpaid and overdue),
the waiting list, who is checked in now, sign-ups per session, how many asked for feedback
answered, the registrations per day for the chart, and when the event's personal data is
deleted. `list_figures` is the key figures of every event on the events list. Both only read,
and cost a fixed number of queries however many registrations, orders, check-ins or events
there are: every count and sum is a GROUP BY in the database, never rows counted in Python."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, and_, case, cast, extract, func, or_, select

from app import seats
from app.checkin.models import CheckIn
from app.db_types import UTCDateTime, utcnow
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.payments.invoicing import PAID_STATUSES
from app.programme import signups
from app.programme.models import ProgrammeItem
from app.registration import retention
from app.registration.models import Registration
from app.tickets.models import TicketType
from app.tickets.services import ticket_types_for
from app.waitlist.models import WaitingListEntry

# --- what the page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFigures:
    ticket_type: TicketType
    confirmed: int
    # Seats taken but not (yet) confirmed: card payments under way and open waiting-list offers.
    held: int
    # What the public may still book, the event's own limit counted (None: no limit).
    left: int | None
    waiting: int


@dataclass(frozen=True)
class SeatFigures:
    """The whole event."""

    confirmed: int
    capacity: int | None
    left: int | None
    held: int
    waiting: int


@dataclass(frozen=True)
class MoneyFigures:
    """The event's orders in one currency. Amounts in öre."""

    currency: str
    paid_ore: int  # what came in, less what was paid back
    paid_orders: int
    refunded_ore: int
    card_pending_ore: int  # card payments started whose seats are still held
    card_pending_orders: int
    unpaid_ore: int  # invoices not paid, less what was credited on them
    unpaid_invoices: int
    overdue_ore: int  # of those, past their due day at the event's place
    overdue_invoices: int


@dataclass(frozen=True)
class SessionFigures:
    item: ProgrammeItem
    taken: int
    limit: int | None

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.taken, 0)


@dataclass(frozen=True)
class FeedbackFigures:
    asked: int  # asked by email, or answered without being asked (after the event)
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True)
class Day:
    day: date
    new: int  # registrations made that day (at the event's place) that are confirmed now
    total: int  # confirmed registrations made up to and including that day


@dataclass(frozen=True)
class EventFigures:
    tickets: list[TicketFigures]
    seats: SeatFigures
    cancelled: int
    money: list[MoneyFigures]  # one per currency the event's orders are in, most usual first
    checked_in: int
    sessions: list[SessionFigures]
    feedback: FeedbackFigures
    days: list[Day]  # every day from the first registration on; empty without any
    retention: retention.Schedule  # when the personal data goes, or went (no query)


@dataclass(frozen=True)
class ListFigures:
    """One event on the events list."""

    confirmed: int
    capacity: int | None
    paid: list[tuple[str, int]]  # (currency, öre), what came in less what was paid back
    checked_in: int


# --- one event ---------------------------------------------------------------------------------

def event_figures(event: Event, now: datetime | None = None) -> EventFigures:
    """Everything the event's home page shows, in seven queries."""
    now = now or utcnow()
    ticket_types = ticket_types_for(event)
    registrations, feedback = _registrations(event)
    waiting = _waiting(event)
    tickets = []
    for ticket_type in ticket_types:
        confirmed = registrations.get((ticket_type.id, "confirmed"), 0)
        tickets.append(TicketFigures(
            ticket_type=ticket_type, confirmed=confirmed,
            held=max(ticket_type.seats_taken - confirmed, 0),
            left=seats.seats_left(event, ticket_type),
            waiting=waiting.get(ticket_type.id, 0),
        ))
    return EventFigures(
        tickets=tickets,
        seats=_whole_event(event, tickets),
        cancelled=sum(n for (_t, status), n in registrations.items() if status == "cancelled"),
        money=_money(event, now),
        checked_in=_checked_in(event),
        sessions=[SessionFigures(item, item.signups_taken, signups.limit_of(item))
                  for item in signups.signup_items(event) if not item.cancelled],
        feedback=feedback,
        days=registrations_by_day(event, event.today(now)),
        retention=retention.schedule(event),
    )


def overall_capacity(event: Event, ticket_seats: int | None) -> int | None:
    """The event's own limit; without one, its ticket types' seats together (`ticket_seats`:
    None when a ticket type has no limit, or there are none)."""
    return event.capacity if event.capacity is not None else ticket_seats


def _whole_event(event: Event, tickets: list[TicketFigures]) -> SeatFigures:
    limits = [t.ticket_type.capacity for t in tickets]
    capacity = overall_capacity(event, sum(limits) if limits and None not in limits else None)
    if event.capacity is not None:
        left = event.seats_left
    elif capacity is not None:
        left = sum(t.left for t in tickets)
    else:
        left = None
    return SeatFigures(
        confirmed=sum(t.confirmed for t in tickets), capacity=capacity, left=left,
        held=sum(t.held for t in tickets), waiting=sum(t.waiting for t in tickets),
    )


def _registrations(event: Event) -> tuple[dict[tuple[int, str], int], FeedbackFigures]:
    """(ticket type id, status) -> registrations, and the feedback figures, in one query.
    Whether a registration answered is all Samla knows of who answered (the answers are
    anonymous), so the rate is counted here and not from the answers."""
    answered = Registration.feedback_answered_on.is_not(None)
    asked = or_(Registration.feedback_requested_at.is_not(None), answered)
    rows = db.session.execute(
        select(Registration.ticket_type_id, Registration.status, func.count(),
               func.count(case((asked, 1))), func.count(case((answered, 1))))
        .where(Registration.event_id == event.id)
        .group_by(Registration.ticket_type_id, Registration.status)
    ).all()
    counts = {(ticket_type_id, status): n for ticket_type_id, status, n, _a, _b in rows}
    return counts, FeedbackFigures(asked=sum(row[3] for row in rows),
                                   answered=sum(row[4] for row in rows))


def _waiting(event: Event) -> dict[int, int]:
    """Ticket type id -> people waiting in line (not those with an open offer: their seat is
    held, so they count as held)."""
    return dict(db.session.execute(
        select(WaitingListEntry.ticket_type_id, func.count())
        .where(WaitingListEntry.event_id == event.id, WaitingListEntry.status == "waiting")
        .group_by(WaitingListEntry.ticket_type_id)
    ).all())


def _checked_in(event: Event) -> int:
    """Live check-ins, as the door counts them: an annulled one does not count."""
    return db.session.scalar(
        select(func.count()).select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.arrived())
    )


def overdue_condition(event: Event, today: date):
    """payments.invoicing.is_overdue in SQL: an unpaid invoice past its due day at the event's
    place. The due day is invoice_due_on, else the invoice's day (invoiced, else ordered, at the
    event's place) plus the event's invoice_due_days; an instant is on a day before D exactly
    when it is before D's midnight at the event's place."""
    issued_before = event.to_utc(today - timedelta(days=event.invoice_due_days), time(0))
    issued = func.coalesce(Order.invoiced_at, Order.created_at, type_=UTCDateTime)
    return and_(
        Order.payment_status == "to_invoice",
        or_(Order.invoice_due_on < today,
            and_(Order.invoice_due_on.is_(None), issued < issued_before)),
    )


def _money(event: Event, now: datetime) -> list[MoneyFigures]:
    """The orders' money per currency, in one query: the database puts each order in one
    category (one CASE per order) and sums per currency and category."""
    card_pending = and_(
        Order.payment_method == "card", Order.status == "pending",
        Order.payment_status == "awaiting",
        # A hold that ran out is given back at the next registration; it is no longer pending.
        or_(Order.hold_expires_at.is_(None), Order.hold_expires_at > now),
    )
    unpaid = and_(Order.payment_method == "invoice", Order.payment_status == "to_invoice")
    category = case(
        (Order.payment_status.in_(PAID_STATUSES), "paid"),
        (card_pending, "card"),
        (and_(unpaid, overdue_condition(event, event.today(now))), "overdue"),
        (unpaid, "unpaid"),
        else_="",
    ).label("category")
    sums: dict[str, dict[str, tuple[int, int, int]]] = {}
    for currency, kind, count, total, refunded in db.session.execute(
        select(Order.currency, category, func.count(), func.sum(Order.total_ore),
               func.sum(Order.refunded_ore))
        .where(Order.event_id == event.id, Order.total_ore > 0)
        .group_by(Order.currency, category)
    ):
        sums.setdefault(currency, {})[kind] = (count, int(total or 0), int(refunded or 0))
    figures = []
    for currency, kinds in sums.items():
        paid, card, unpaid_only, overdue = (
            kinds.get(kind, (0, 0, 0)) for kind in ("paid", "card", "unpaid", "overdue"))
        figures.append(MoneyFigures(
            currency=currency,
            paid_ore=paid[1] - paid[2], paid_orders=paid[0], refunded_ore=paid[2],
            card_pending_ore=card[1], card_pending_orders=card[0],
            # What is owed on an invoice is its total less what was credited on it.
            unpaid_ore=unpaid_only[1] - unpaid_only[2] + overdue[1] - overdue[2],
            unpaid_invoices=unpaid_only[0] + overdue[0],
            overdue_ore=overdue[1] - overdue[2], overdue_invoices=overdue[0],
        ))
    # The currency most orders are in first (nearly always the only one).
    return sorted(figures, key=lambda f: (-sum(n for n, _t, _r in sums[f.currency].values()),
                                          f.currency))


def _hour_number(column):
    """A stored instant as the number of whole hours since 1970 (UTC), in SQL: an integer the
    database groups by and Python places without parsing text. Timestamps are stored as UTC
    without a zone on both databases."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", column) / 3600), Integer)
    return cast(func.strftime("%s", column), Integer) // 3600


def _hour_of(instant: datetime) -> int:
    return int(instant.timestamp()) // 3600


def registrations_by_day(event: Event, today: date) -> list[Day]:
    """Confirmed registrations by the day they were made at the event's place, every day from
    the first to the last registration or today (at most the event's last day). The database
    counts them per hour; each hour goes to the day whose midnight at the event's place came
    last before it. An hour never straddles that midnight: every zone an event can have
    (Europe/...) is a whole number of hours from UTC."""
    hour = _hour_number(Registration.created_at)
    rows = db.session.execute(
        select(hour, func.count())
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .group_by(hour)
    ).all()
    if not rows:
        return []
    first_hour = min(h for h, _n in rows)
    last_hour = max(h for h, _n in rows)
    first = event.local_day(datetime.fromtimestamp(first_hour * 3600, UTC))
    last = max(event.local_day(datetime.fromtimestamp(last_hour * 3600, UTC)),
               min(today, event.ends_on))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    midnights = [_hour_of(event.to_utc(day, time(0))) for day in days]
    new = [0] * len(days)
    for hour_number, count in rows:
        new[bisect_right(midnights, hour_number) - 1] += count
    result, total = [], 0
    for day, count in zip(days, new, strict=True):
        total += count
        result.append(Day(day, count, total))
    return result


# --- the events list ---------------------------------------------------------------------------

def list_figures(events: list[Event]) -> dict[int, ListFigures]:
    """Event id -> its key figures, for all the events at once in four queries."""
    ids = [event.id for event in events]
    if not ids:
        return {}
    confirmed = dict(db.session.execute(
        select(Registration.event_id, func.count())
        .where(Registration.event_id.in_(ids), Registration.status == "confirmed")
        .group_by(Registration.event_id)
    ).all())
    # Per event: the ticket types' seats together, and how many ticket types have no limit.
    limits = {event_id: (total, unlimited) for event_id, total, unlimited in db.session.execute(
        select(TicketType.event_id, func.sum(TicketType.capacity),
               func.count() - func.count(TicketType.capacity))
        .where(TicketType.event_id.in_(ids))
        .group_by(TicketType.event_id)
    )}
    paid: dict[int, list[tuple[str, int]]] = {}
    for event_id, currency, amount in db.session.execute(
        select(Order.event_id, Order.currency, func.sum(Order.total_ore - Order.refunded_ore))
        .where(Order.event_id.in_(ids), Order.payment_status.in_(PAID_STATUSES),
               Order.total_ore > 0)
        .group_by(Order.event_id, Order.currency)
        .order_by(Order.event_id, func.count().desc(), Order.currency)
    ):
        paid.setdefault(event_id, []).append((currency, int(amount or 0)))
    checked_in = dict(db.session.execute(
        select(CheckIn.event_id, func.count())
        .where(CheckIn.event_id.in_(ids), CheckIn.arrived())
        .group_by(CheckIn.event_id)
    ).all())
    figures = {}
    for event in events:
        total, unlimited = limits.get(event.id, (None, 0))
        figures[event.id] = ListFigures(
            confirmed=confirmed.get(event.id, 0),
            capacity=overall_capacity(event, None if unlimited or total is None else int(total)),
            paid=paid.get(event.id, []), checked_in=checked_in.get(event.id, 0),
        )
    return figures
