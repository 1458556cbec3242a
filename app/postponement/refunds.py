"""Paying back a cancelled event: order by order, by a worker, after the cancellation commits.

Cancelling an event with thousands of card orders cannot wait for Stripe thousands of times
inside the organiser's request. The cancellation writes, in its own transaction and in one
INSERT, what it owes each order (a CancellationRefund row: the price of the seats it cancelled)
and asks for the job REFUND_JOB after commit (app/background.py: a Celery worker in production,
this process in the embedded set-up). The job pays each row back through payments'
refund rule for a cancelled event (everything: app.orders.services.refund_window_open).

Never twice: a row is claimed (queued -> done) in the same transaction that reserves its Refund
(payments' conditional UPDATE of refunded_ore), so a replayed task, a second worker or the
periodic sweep finds it claimed; a worker that dies before that commit leaves it queued for the
next run, one that dies after it leaves a pending Refund that payments asks Stripe about again
with the same idempotency key (retry_pending_refunds)."""

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, insert, literal, select, update

from app import background
from app.db_types import UTCDateTime, utcnow
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.payments import services as payments
from app.payments.models import Refund
from app.registration.models import Registration

from .models import CancellationRefund

log = logging.getLogger(__name__)
REFUND_JOB = "samla.refund_cancelled_event"
# Orders that may be owed something: paid by card (or partly refunded) and unpaid invoices,
# which are credited. A paid invoice is listed too: the organiser pays it back by bank.
OWED_STATUSES = ("paid", "partially_refunded", "to_invoice")


def owe(event: Event, now) -> int:
    """In the cancellation's transaction, before its registrations are marked cancelled: one
    row per order with confirmed seats that something was paid or invoiced for, and the job
    asked for after commit. Returns how many orders are owed."""
    chosen = (
        select(literal(event.id), Registration.order_id, func.sum(Registration.price_ore),
               literal("queued"), literal(now, UTCDateTime()))
        .join(Order, Order.id == Registration.order_id)
        .where(Registration.event_id == event.id, Registration.status == "confirmed",
               Order.total_ore > 0, Order.payment_status.in_(OWED_STATUSES))
        .group_by(Registration.order_id))
    owed = db.session.execute(insert(CancellationRefund).from_select(
        ["event_id", "order_id", "seats_ore", "state", "created_at"], chosen)).rowcount
    if owed:
        background.after_commit(REFUND_JOB, event.id)
    return owed


@dataclass
class Run:
    refunded: int = 0  # Refund rows made (card refunds asked of Stripe, invoices credited)
    skipped: list[int] = field(default_factory=list)  # rows claimed by someone else meanwhile


@background.job(REFUND_JOB)
def pay_back(event_id: int | None = None) -> Run:
    """Pay back every queued row of the event (all events': the periodic sweep). Ends the
    Stripe pages of card orders the cancellation left unpaid first, so nobody pays for a seat
    of a cancelled event (a payment that completes anyway is refunded by payments). Commits
    per order; safe to run twice or side by side."""
    payments.expire_stale_sessions()
    query = select(CancellationRefund.id).where(CancellationRefund.state == "queued")
    if event_id is not None:
        query = query.where(CancellationRefund.event_id == event_id)
    ids = db.session.scalars(query.order_by(CancellationRefund.id)).all()
    db.session.rollback()
    run = Run()
    for row_id in ids:
        made = _pay_back_one(row_id)
        if made is None:
            run.skipped.append(row_id)
        else:
            run.refunded += made
    return run


def _pay_back_one(row_id: int) -> bool | None:
    """One order: claimed, its Refund reserved (or its invoice credited) and committed
    together, then Stripe asked with no transaction open. None if the row was claimed by
    someone else; else whether a Refund was made."""
    settle = None
    try:
        claimed = db.session.execute(
            update(CancellationRefund)
            .where(CancellationRefund.id == row_id, CancellationRefund.state == "queued")
            .values(state="nothing", done_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            return None
        row = db.session.get(CancellationRefund, row_id, populate_existing=True)
        order = db.session.get(Order, row.order_id)
        refund, settle = payments.start_cancellation_refund(
            order, order.registrations, "event_cancelled", seats_ore=row.seats_ore)
        if refund is not None:
            row.state, row.refund_id = "refunded", refund.id
        elif order.payment_method == "invoice" and order.is_paid_for:
            row.state = "by_hand"
        db.session.commit()
    except Exception:  # left queued for the next run; the others go on
        db.session.rollback()
        log.exception("Paying back order row %s of a cancelled event failed", row_id)
        return False
    if settle is not None:
        try:
            settle()
        except Exception:  # the Refund stays pending and is asked about again
            db.session.rollback()
            log.exception("Asking Stripe for the refund of row %s failed", row_id)
    return refund is not None


@dataclass
class Progress:
    """How far paying back a cancelled event has come, by order."""

    done: int = 0  # paid back by card or credited on the invoice
    pending: int = 0  # waiting for a worker, or for Stripe's answer
    failed: int = 0  # Stripe refused: the organiser pays back by hand
    by_hand: int = 0  # paid invoices, paid back by bank
    nothing: int = 0  # nothing was left to pay back
    failures: list = field(default_factory=list)  # (order, refund) of each failed one

    @property
    def total(self) -> int:
        return self.done + self.pending + self.failed + self.by_hand + self.nothing


def progress(event: Event) -> Progress:
    """Counted by the database, two queries however many orders."""
    found = Progress()
    rows = db.session.execute(
        select(CancellationRefund.state, Refund.status, func.count())
        .outerjoin(Refund, Refund.id == CancellationRefund.refund_id)
        .where(CancellationRefund.event_id == event.id)
        .group_by(CancellationRefund.state, Refund.status))
    for state, status, count in rows:
        if state == "queued" or (state == "refunded" and status == "pending"):
            found.pending += count
        elif state == "refunded" and status == "failed":
            found.failed += count
        elif state == "refunded":
            found.done += count
        elif state == "by_hand":
            found.by_hand += count
        else:
            found.nothing += count
    if found.failed:
        found.failures = db.session.execute(
            select(Order, Refund).join(CancellationRefund, CancellationRefund.order_id == Order.id)
            .join(Refund, Refund.id == CancellationRefund.refund_id)
            .where(CancellationRefund.event_id == event.id, Refund.status == "failed")
            .order_by(Order.id).limit(100)).all()
    return found
