"""Orders: codes, the gap-free number series, VAT, and an order's life after it is placed
(confirmed when paid, expired when its hold runs out, taken up again by a late payment).

Registration places orders and payments confirm them; both use this module, which uses neither.
Confirmations go out through the order_confirmed signal (registration queues them)."""

import secrets
from collections import Counter as Tally
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import seats, signals
from app.db_types import utcnow
from app.extensions import db
from app.orders.models import Counter, Order
from app.registration.models import Registration
from app.waitlist import services as waitlist


def order_by_token(token: str) -> Order | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Order).where(Order.manage_token == token))


def vat_by_rate(prices) -> list[tuple[int, int]]:
    """(VAT percent, VAT amount) per rate, highest rate first, for (gross öre, percent) pairs."""
    rates: dict[int, int] = {}
    for gross_ore, percent in prices:
        if gross_ore:
            rates[percent] = rates.get(percent, 0) + vat_of(gross_ore, percent)
    return sorted(rates.items(), reverse=True)


def vat_of(gross_ore: int, percent: int) -> int:
    """The VAT contained in a price that includes it, rounded to the öre."""
    return round(gross_ore * percent / (100 + percent)) if percent else 0


def new_order_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _i in range(8))


def next_number(series: str) -> int:
    """The next number of a gap-free series, inside the caller's transaction."""
    number = db.session.execute(
        update(Counter).where(Counter.name == series).values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(Counter(name=series, value=1))
            return 1
        except IntegrityError:  # another transaction started the series at the same moment
            return next_number(series)
    return number


def confirm_order(order: Order, now: datetime | None = None) -> bool:
    """A pending order's payment arrived in time: its held seats become confirmed ones. Part of
    the caller's transaction. False if the order was not pending (a second webhook)."""
    now = now or utcnow()
    changed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "pending")
        .values(status="confirmed", confirmed_at=now, hold_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    db.session.execute(
        update(Registration)
        .where(Registration.order_id == order.id, Registration.status == "pending")
        .values(status="confirmed")
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    for registration in order.registrations:
        db.session.refresh(registration)
    signals.order_confirmed.send(order)
    return True


class _SeatsGone(Exception):
    """Leaves the savepoint of reinstate_expired_order."""


def reinstate_expired_order(order: Order, now: datetime | None = None) -> bool:
    """A payment arrived after the hold ran out: take the seats again if they are still there
    and confirm. False (nothing changed) when a seat is gone or an address registered again
    meanwhile; the caller refunds. Part of the caller's transaction (uses a savepoint)."""
    if order.status != "expired":
        return False
    now = now or utcnow()
    event = order.event
    try:
        with db.session.begin_nested():
            counts = Tally(r.ticket_type_id for r in order.registrations)
            if seats.take_for_order(event.id, counts) is not None:
                raise _SeatsGone
            db.session.execute(
                update(Registration)
                .where(Registration.order_id == order.id, Registration.status == "expired")
                .values(status="pending")
                .execution_options(synchronize_session=False)
            )
            db.session.execute(
                update(Order).where(Order.id == order.id, Order.status == "expired")
                .values(status="pending")
                .execution_options(synchronize_session=False)
            )
    except (_SeatsGone, IntegrityError):
        db.session.refresh(order)
        return False
    db.session.refresh(order)
    return confirm_order(order, now)


def expire_holds(now: datetime | None = None, event_id: int | None = None) -> int:
    """Release the seats of card orders whose payment did not complete in time. Part of the
    caller's transaction; returns how many orders expired."""
    now = now or utcnow()
    query = select(Order.id).where(Order.status == "pending", Order.hold_expires_at < now)
    if event_id is not None:
        query = query.where(Order.event_id == event_id)
    expired = 0
    for order_id in db.session.scalars(query).all():
        changed = db.session.execute(
            update(Order).where(Order.id == order_id, Order.status == "pending")
            .values(status="expired")
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue
        expired += 1
        rows = db.session.execute(
            select(Registration.id, Registration.event_id, Registration.ticket_type_id)
            .where(Registration.order_id == order_id, Registration.status == "pending")
        ).all()
        db.session.execute(
            update(Registration)
            .where(Registration.order_id == order_id, Registration.status == "pending")
            .values(status="expired")
            .execution_options(synchronize_session=False)
        )
        for _id, registration_event_id, ticket_type_id in rows:
            waitlist.release_seat(registration_event_id, ticket_type_id)
    return expired


def refund_window_open(event, now: datetime | None = None) -> bool:
    """The event's refund rule, in one place: a seat cancelled on or before its last refund
    day (refund_until, a day in the event's time zone) is refunded in full, or credited on an
    unpaid invoice; after that day, or when the organiser set no day, nothing is.

    Two things override the rule: after a postponement, anyone who cancels by the last day of
    its decision window gets everything back, and when the organiser cancels the whole event
    every seat is paid back (app/postponement)."""
    if event.is_cancelled or event.decision_open(now):
        return True
    if event.refund_until is None:
        return False
    return event.today(now) <= event.refund_until


def release_lapsed(now: datetime | None = None, event_id: int | None = None) -> None:
    """The one lazy clean-up a page may do while it is read: card holds and waiting-list
    offers that ran out give their seats back (to the next person waiting, or to sale).
    Commits, since a read ends in a rollback (see app.database); call it before anything else
    is changed."""
    now = now or utcnow()
    waitlist.expire_offers(now, event_id=event_id)
    expire_holds(now=now, event_id=event_id)
    db.session.commit()


def offer_free_seats(event) -> int:
    """After a capacity was raised: every seat free now goes to the people waiting, first come
    first, once lapsed holds and offers have given theirs back. Returns the offers made."""
    release_lapsed(event_id=event.id)
    return waitlist.offer_free_seats(event)


@signals.capacity_raised.connect
def _offer_raised_capacity(event) -> None:
    """Seats added while people wait go to them first, not to whoever is quickest."""
    offer_free_seats(event)
