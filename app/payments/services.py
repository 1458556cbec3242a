"""Payment rules: card payment through Stripe Checkout, the webhook that confirms it, holds that
run out, late payments and refunds.

Stripe is only ever called with no database transaction open (on SQLite a transaction holds the
write lock): what a call needs is read first, the transaction ends, Stripe answers, and the
answer is stored in a new transaction. Every refund is a Refund row written *before* Stripe is
asked (its amount reserved in order.refunded_ore, so two refunds can never pay back more than
was paid) and settled after: succeeded, or failed with Stripe's reason for the organiser. When
Stripe's answer never comes (the network failed or timed out) the refund may have been made, so
it stays pending, its amount reserved: it is asked about again with the same idempotency key
(retry_pending_refunds) and settled by Stripe's refund events, which carry Samla's refund id in
their metadata. A cancelled seat on an unpaid invoice is credited (a "credit_note" Refund row,
no Stripe call) by the same refund rule."""

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from app import money, signals
from app.audit.services import record
from app.db_types import utcnow
from app.errors import Refusal
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.orders import services as orders
from app.orders.models import Order

from . import credit_notes, gateway, invoicing
from .models import CreditNote, Refund, StripeEvent

log = logging.getLogger(__name__)


class PaymentError(Refusal):
    """Something the payer or organiser is told, in their language."""


class NotPayable(PaymentError):
    """The order is not waiting for a card payment (paid, expired, cancelled, invoice)."""


class CardUnavailable(PaymentError):
    """Stripe could not be reached or refused to open the payment page."""


class RefundError(PaymentError):
    pass


class RefundConflict(RefundError):
    """The order's refunds changed since the organiser looked (a double submit)."""


# --- paying ----------------------------------------------------------------------------------

def _not_payable_message(order: Order):
    if order.payment_method != "card":
        return _l("This order is not paid by card.")
    if order.status == "confirmed":
        return _l("This order is already paid and confirmed. There is nothing more to pay.")
    if order.status == "expired":
        return _l("The time to pay for this order ran out and the seats were released. You are "
                  "welcome to register again.")
    return _l("This order is cancelled. There is nothing to pay.")


def checkout_url(order: Order, now: datetime | None = None) -> str:
    """The address of Stripe's payment page for a pending card order: the session is made once
    per order (a double submit reuses it). Raises NotPayable or CardUnavailable. Commits."""
    now = now or utcnow()
    if order.status == "pending" and order.hold_expires_at and order.hold_expires_at < now:
        orders.expire_holds(now=now, event_id=order.event_id)
        db.session.commit()
        db.session.refresh(order)
    if order.payment_method != "card" or order.status != "pending":
        db.session.rollback()
        raise NotPayable(_not_payable_message(order))
    if order.stripe_checkout_url:
        url = order.stripe_checkout_url
        db.session.rollback()
        return url
    if not gateway.card_available():
        db.session.rollback()
        raise CardUnavailable(_l("Card payment is not available right now."))
    order_id = order.id
    params = gateway.checkout_params(order, now)
    db.session.rollback()  # nothing written; let go of the database while Stripe answers
    try:
        session = gateway.create_checkout_session(order_id, params)
    except gateway.GatewayError as error:
        # Two submits racing across Stripe's 30-minute limit send different parameters with
        # one idempotency key; the first one's session is then the one to use.
        stored = db.session.scalar(select(Order.stripe_checkout_url).where(Order.id == order_id))
        db.session.rollback()
        if stored:
            return stored
        raise CardUnavailable(
            _l("The payment page could not be opened right now. Try again in a minute.")
        ) from error
    db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.stripe_checkout_id.is_(None))
        .values(stripe_checkout_id=session.id, stripe_checkout_url=session.url)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return session.url


# --- Stripe's webhook ------------------------------------------------------------------------

def _row_id(value) -> int | None:
    """A database id from Stripe's metadata (a string we sent), or None for anything else."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def well_formed(event) -> bool:
    """The shape Samla reads: Stripe signed it, but a 500 would make Stripe resend it for
    days, so anything else is refused (400) without being recorded."""
    if not isinstance(event, dict):
        return False
    data = event.get("data")
    return (isinstance(event.get("id"), str) and bool(event["id"])
            and isinstance(event.get("type"), str)
            and isinstance(data, dict) and isinstance(data.get("object"), dict)
            and isinstance(data["object"].get("metadata") or {}, dict))


def handle_event(event: dict, now: datetime | None = None) -> str:
    """Act on one verified Stripe event, exactly once: the event is recorded (unique on
    Stripe's id) in the same transaction as what it changes, so a second delivery finds it and
    changes nothing. Returns the outcome, which is also stored. Commits."""
    now = now or utcnow()
    db.session.rollback()
    if db.session.scalar(select(StripeEvent.id).where(StripeEvent.stripe_id == event["id"])):
        db.session.rollback()
        return "duplicate"
    record = StripeEvent(stripe_id=str(event["id"])[:255], type=str(event["type"])[:100],
                         received_at=now)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the same event, delivered twice at once
        db.session.rollback()
        return "duplicate"

    handler = _HANDLERS.get(event["type"])
    obj = (event.get("data") or {}).get("object") or {}
    after = None
    if event["type"] in REFUND_EVENTS:
        outcome = _on_refund_event(obj, record)
    elif event["type"] == "charge.refunded":
        outcome = _on_charge_refunded(obj, record)
    elif handler is None:
        outcome = "ignored"
    else:
        order = _order_for_session(obj)
        if order is None:
            log.warning("Stripe event %s (%s) for unknown Checkout Session %s", event["id"],
                        event["type"], obj.get("id"))
            outcome = "unknown_session"
        else:
            record.order_id = order.id
            outcome, after = handler(order, obj, now)
    record.outcome = outcome
    db.session.commit()
    log.info("Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    if after is not None:
        try:
            after()
        except Exception:  # recorded as pending; the organiser sees it and can act
            db.session.rollback()
            log.exception("Settling the refund for Stripe event %s failed", event["id"])
    return outcome


def _order_for_session(session: dict) -> Order | None:
    session_id = session.get("id")
    if not isinstance(session_id, str) or not session_id:
        return None
    order = db.session.scalar(select(Order).where(Order.stripe_checkout_id == session_id))
    if order is not None:
        return order
    # Stripe made the session but we never stored it (the process stopped in between): the
    # metadata we sent names the order, and its code must match too.
    metadata = session.get("metadata")
    order_id = _row_id(metadata.get("order_id") if isinstance(metadata, dict) else None)
    if order_id is None:
        return None
    order = db.session.get(Order, order_id)
    if (order is None or order.stripe_checkout_id is not None
            or order.code != session.get("client_reference_id")):
        return None
    order.stripe_checkout_id = session_id
    return order


def _payment_intent(session: dict) -> str | None:
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return intent if isinstance(intent, str) and intent else None


def _on_paid(order: Order, session: dict, now: datetime):
    """checkout.session.completed (when paid) and async_payment_succeeded."""
    if session.get("payment_status") != "paid":
        return "awaiting_payment", None  # a delayed method: wait for async_payment_succeeded
    amount, currency = session.get("amount_total"), str(session.get("currency") or "")
    if amount != order.total_ore or currency.upper() != order.currency.upper():
        log.error("Order %s: Stripe says %s %s was paid, the order is %s %s; not confirmed",
                  order.code, amount, currency, order.total_ore, order.currency)
        return _on_wrong_amount(order, session, now)
    # Marked paid first, by one conditional UPDATE (a second event for the same payment finds
    # it paid), so the confirmation and receipt that follow see a paid order.
    marked = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_method == "card",
               Order.payment_status == "awaiting")
        .values(payment_status="paid", paid_at=now, stripe_payment_intent=_payment_intent(session))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(order)
    if not marked:
        return "already_paid", None
    if order.event.is_cancelled:
        # The event was cancelled while they paid: nothing is confirmed (a hold still pending
        # gives its seats back) and the whole payment goes back, once (late_payment's key).
        _release_now(order, now)
        refund = _reserve_refund(order, order.total_ore, "late_payment")
        if refund is None:
            return "late_payment", None
        return "refunded_cancelled", _refund_later(refund, order)
    if order.status == "pending":
        if orders.confirm_order(order, now):
            return "confirmed", None
        db.session.refresh(order)  # the hold ran out a moment ago
    if order.status == "expired" and orders.reinstate_expired_order(order, now):
        return "confirmed_late", None
    if order.status == "confirmed":
        return "confirmed", None
    # Paid for seats that are gone (or an order that was cancelled): everything goes back.
    refund = _reserve_refund(order, order.total_ore, "late_payment")
    if refund is None:
        return "late_payment", None
    return "refunded_late", _refund_later(refund, order)


def _on_wrong_amount(order: Order, session: dict, now: datetime):
    """Stripe took a payment that does not match the order (another amount or currency). It
    does not confirm the order: the whole payment goes back to the card (a Refund row, reason
    "amount_mismatch", in the payment's own currency and not counted in the order's
    refunded_ore, which is about the order's price), the buyer is told why by email, and the
    order's seats are released so that they can register again."""
    if order.payment_status != "awaiting":
        # The order was paid through this very session: that payment is the order's, and
        # nothing is refunded on the strength of an event that contradicts it.
        return "amount_mismatch", None
    # The session is paid and can never be paid again. The UPDATE also makes a second event
    # for the same payment, arriving at the same moment, wait for this one.
    db.session.execute(
        update(Order).where(Order.id == order.id, Order.payment_status == "awaiting")
        .values(stripe_checkout_url=None,
                stripe_payment_intent=_payment_intent(session) or Order.stripe_payment_intent)
        .execution_options(synchronize_session=False)
    )
    _release_now(order, now)
    # One Checkout Session per order, so one payment: it is refunded once.
    if db.session.scalar(select(Refund.id).where(Refund.order_id == order.id,
                                                 Refund.reason == "amount_mismatch")):
        return "amount_mismatch", None
    amount, currency = session.get("amount_total"), str(session.get("currency") or "").upper()
    if not isinstance(amount, int) or amount <= 0 or not currency:
        return "amount_mismatch", None
    refund = Refund(order_id=order.id, amount_ore=amount, currency=currency[:3],
                    reason="amount_mismatch", status="pending")
    db.session.add(refund)
    db.session.flush()
    db.session.refresh(order)
    return "refunded_mismatch", _refund_later(refund, order)


def _release_now(order: Order, now: datetime) -> None:
    """A pending order can no longer be paid: its seats go back now."""
    if order.status != "pending":
        return
    db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "pending")
        .values(hold_expires_at=now - timedelta(seconds=1))
        .execution_options(synchronize_session=False)
    )
    orders.expire_holds(now=now, event_id=order.event_id)


def _on_not_paid(order: Order, session: dict, now: datetime):
    """checkout.session.expired and async_payment_failed: the seats go back now."""
    # The session cannot be paid any more: its link is of no use, and the sweep need not end it.
    db.session.execute(
        update(Order).where(Order.id == order.id, Order.payment_status == "awaiting")
        .values(stripe_checkout_url=None)
        .execution_options(synchronize_session=False)
    )
    if order.status != "pending":
        return "ignored", None
    _release_now(order, now)
    return "expired", None


REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed")


def _refund_for(obj: dict) -> Refund | None:
    """The Refund row a Stripe refund is about: by Stripe's id, or by the Samla refund id in its
    metadata (a refund whose answer never reached us has no Stripe id yet)."""
    stripe_id = obj.get("id")
    if isinstance(stripe_id, str) and stripe_id:
        refund = db.session.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_id))
        if refund is not None:
            return refund
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    samla_id = _row_id(metadata.get("samla_refund_id"))
    if samla_id is None:
        return None
    refund = db.session.get(Refund, samla_id)
    if refund is None or str(refund.order_id) != str(metadata.get("order_id") or ""):
        return None
    if refund.stripe_refund_id is not None and refund.stripe_refund_id != stripe_id:
        return None  # that row is another Stripe refund's
    return refund


def _on_refund_event(obj: dict, record: StripeEvent) -> str:
    """refund.created, refund.updated, refund.failed: a refund Stripe first reported as pending
    went through, one failed after all (the card was closed, say), or one whose answer never
    reached us turns out to have been made: the Refund row and the order follow."""
    refund = _refund_for(obj)
    if refund is None:
        return "unknown_refund"
    record.order_id = refund.order_id
    return _apply_stripe_refund(refund, obj)


def _on_charge_refunded(charge: dict, record: StripeEvent) -> str:
    """charge.refunded: each refund the charge carries is matched like a refund event."""
    listed = charge.get("refunds")
    listed = listed.get("data") if isinstance(listed, dict) else None
    if not isinstance(listed, list):
        return "ignored"
    outcomes = []
    for obj in listed:
        refund = _refund_for(obj) if isinstance(obj, dict) else None
        if refund is not None:
            record.order_id = refund.order_id
            outcomes.append(_apply_stripe_refund(refund, obj))
    if not outcomes:
        return "unknown_refund"
    changed = [outcome for outcome in outcomes if outcome != "ignored"]
    if not changed:
        return "ignored"
    return changed[0] if len(changed) == 1 else "refunds_updated"


def _apply_stripe_refund(refund: Refund, obj: dict) -> str:
    """What Stripe says of one refund, applied to its row (part of the event's transaction).
    A failed refund stays failed, and a refund Stripe paid is not made pending again by an
    event that arrives late."""
    status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
        obj.get("status"), "pending")
    if refund.status == "failed":
        return "ignored"
    stripe_id = obj.get("id")
    learned = refund.stripe_refund_id is None and isinstance(stripe_id, str) and bool(stripe_id)
    if learned:
        refund.stripe_refund_id = stripe_id[:255]
    if status == "failed":
        refund.status = "failed"
        refund.error = str(obj.get("failure_reason") or _("Stripe could not pay the refund."))
        _unreserve(refund)
        log.error("Refund %s of order %s failed at Stripe: %s", refund.id, refund.order_id,
                  refund.error)
        return "refund_failed"
    if learned:
        refund.error = ""  # Stripe has it: no longer unknown
        _set_refund_status(refund.order_id)
        if refund.reason in EXPLAINED_REASONS:
            _queue_late_refund_email(db.session.get(Order, refund.order_id), refund)
    if status == refund.status or refund.status == "succeeded":
        return "refund_pending" if learned else "ignored"
    refund.status = status
    return "refund_succeeded"


_HANDLERS = {
    "checkout.session.completed": _on_paid,
    "checkout.session.async_payment_succeeded": _on_paid,
    "checkout.session.async_payment_failed": _on_not_paid,
    "checkout.session.expired": _on_not_paid,
}


# --- holds that ran out ----------------------------------------------------------------------

def sweep_holds(now: datetime | None = None) -> tuple[int, int]:
    """The scheduled sweep: release the seats of card orders not paid in time, then end
    their Checkout Sessions at Stripe so nobody pays for seats that were given back. Returns
    (orders expired, sessions ended). Commits."""
    expired = orders.expire_holds(now=now)
    db.session.commit()
    return expired, expire_stale_sessions()


def expire_stale_sessions(limit: int = 200) -> int:
    """End the open Checkout Sessions of orders that can no longer be paid, best effort: an
    order whose session is ended (or turns out not to be open) loses its payment link, which
    is how the next sweep knows it is done; a failed call is tried again next time."""
    if not gateway.card_available():
        return 0
    rows = db.session.execute(
        select(Order.id, Order.stripe_checkout_id)
        .where(Order.status.in_(("expired", "cancelled")), Order.payment_status == "awaiting",
               Order.stripe_checkout_url.is_not(None), Order.stripe_checkout_id.is_not(None))
        .order_by(Order.id).limit(limit)
    ).all()
    db.session.rollback()
    ended = 0
    for order_id, session_id in rows:
        try:
            gateway.expire_checkout_session(session_id)
        except gateway.GatewayError as error:
            if not error.not_open:
                log.warning("Could not end Checkout Session %s: %s", session_id, error)
                continue
        else:
            ended += 1
        db.session.execute(
            update(Order).where(Order.id == order_id).values(stripe_checkout_url=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return ended


# --- refunds ---------------------------------------------------------------------------------

# A payment that was never accepted for the order (the wrong amount or currency) is paid back
# whole, in its own currency: it is not counted in order.refunded_ore, which is about the price.
UNRESERVED_REASONS = ("amount_mismatch",)
# Refunds the buyer did not ask for: an email tells them why the money came back.
EXPLAINED_REASONS = ("late_payment", "amount_mismatch")
# A refund whose answer never came is asked about again once it is this old (the call that
# made it has surely ended) and, since Stripe keeps an idempotency key for 24 hours, only
# while it is younger than this: after that a second call might refund twice, so it is left to
# Stripe's refund events and the organiser.
RETRY_AFTER = timedelta(minutes=2)
RETRY_WITHIN = timedelta(hours=23)


def refundable_ore(order: Order) -> int:
    """What may still be paid back: what was paid, less what was refunded or is being."""
    if not order.is_paid_for:
        return 0
    return max(order.total_ore - order.refunded_ore, 0)


def refund_due_on_cancellation(order: Order, registrations) -> int:
    """The rule: a card-paid seat cancelled on or before the event's refund_until day (in the
    event's time zone) is paid back in full; after that day, or when the organiser set no day,
    nothing is. Invoice and free orders have nothing to pay back through Stripe."""
    return _card_due(order, sum(r.price_ore for r in registrations))


def _card_due(order: Order, seats_ore: int) -> int:
    if order.payment_method != "card" or not order.is_paid_for:
        return 0
    if not orders.refund_window_open(order.event):
        return 0
    return min(seats_ore, refundable_ore(order))


def credit_due_on_cancellation(order: Order, registrations) -> int:
    """The same rule for an unpaid invoice: seats cancelled on or before the event's
    refund_until day (in the event's time zone) are credited, the whole invoice when the whole
    order is cancelled; after that day, or when the organiser set no day, the invoice stays
    due. A paid invoice is paid back by hand, as before."""
    return _credit_due(order, sum(r.price_ore for r in registrations))


def _credit_due(order: Order, seats_ore: int) -> int:
    if order.payment_method != "invoice" or order.payment_status != "to_invoice":
        return 0
    if not orders.refund_window_open(order.event):
        return 0
    left = max(order.total_ore - order.refunded_ore, 0)
    if order.status == "cancelled":
        return left
    return min(seats_ore, left)


@signals.registrations_cancelled.connect
def refund_for_cancellation(order, registrations) -> None:
    """Pay back cancelled seats of a card-paid order according to the event's refund rule, or
    credit them on an unpaid invoice.

    Called after the cancellation is committed; it never undoes it and never raises: a refund
    Stripe refuses is recorded as failed, with the reason, for the organiser to see."""
    try:
        refund, settle = start_cancellation_refund(order, registrations, "attendee_cancelled")
        if refund is None:
            db.session.rollback()
            return
        db.session.commit()
        if settle is not None:
            settle()
    except Exception:
        db.session.rollback()
        log.exception("Refund for cancelled registrations of order %s failed", order.id)


def credit_invoice(order: Order, registrations, *, reason: str = "cancelled",
                   user=None) -> CreditNote | None:
    """Credit these seats of an unpaid invoice: a "credit_note" Refund (no Stripe call),
    counted in refunded_ore so what is left to pay is right, and a credit note with one line
    per seat. Seats credited before are skipped; a fully credited invoice is "credited",
    nothing left to pay. None when there is nothing to credit (or the invoice is no longer
    unpaid). Flushes; the caller commits. For every credit: a cancellation, one colleague of a
    group, a postponement (`reason` "postponed")."""
    if not invoicing.has_invoice(order):
        raise RefundError(_l("This order has no invoice to credit."))
    if order.payment_status != "to_invoice":
        return None
    seats = credit_notes.uncredited(order, registrations)
    amount = min(sum(r.price_ore for r in seats), max(order.total_ore - order.refunded_ore, 0))
    if not seats or amount <= 0:
        return None
    refund = _reserve_refund(order, amount, "credit_note", payment_status="to_invoice",
                             user=user)
    if refund is None:
        return None
    refund.status = "succeeded"
    note = credit_notes.issue(order, seats, refund, reason)
    db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_status == "to_invoice",
               Order.refunded_ore >= Order.total_ore)
        .values(payment_status="credited")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return note


def _credit_reason(order: Order) -> str:
    """Why a cancellation's credit note was made: the postponement's decision window, or the
    usual rule (a cancelled event credits like a cancellation)."""
    event = order.event
    if event.postponed_from_starts_on is not None and event.decision_open():
        return "postponed"
    return "cancelled"


def start_cancellation_refund(order: Order, registrations, reason: str,
                              seats_ore: int | None = None):
    """Pay back cancelled seats by the refund rule, in the caller's transaction: a card refund
    is reserved (a pending Refund row, its amount counted), an unpaid invoice credited with a
    credit note. `seats_ore` is what the seats are worth (their prices by default). Returns
    (refund, settle): refund None when nothing is owed; settle, for a card, what to call once
    the caller has committed (it asks Stripe and settles the row, never raising for Stripe's
    refusal), else None."""
    seats_ore = sum(r.price_ore for r in registrations) if seats_ore is None else seats_ore
    db.session.refresh(order)
    if order.payment_method == "invoice":
        if _credit_due(order, seats_ore) <= 0:
            return None, None
        # A whole order cancelled is credited in full: every seat not credited before.
        seats = order.registrations if order.status == "cancelled" else registrations
        note = credit_invoice(order, seats, reason=_credit_reason(order))
        if note is None:  # marked paid meanwhile, or nothing left to credit
            return None, None
        log.info("Invoice %s of order %s: %s öre credited by credit note %s",
                 order.invoice_number, order.id, note.amount_ore, note.number)
        return db.session.get(Refund, note.refund_id), None
    amount = _card_due(order, seats_ore)
    if amount <= 0:
        return None, None
    refund = _reserve_refund(order, amount, reason)
    if refund is None:
        return None, None
    return refund, _refund_later(refund, order)


def refund_by_hand(order: Order, amount_ore: int, user, note: str = "",
                   seen_refunded_ore: int | None = None) -> Refund:
    """The organiser pays back part or all of an order: through Stripe for a card payment;
    for a paid invoice the organiser pays back by bank and this records it. Never more than
    was paid less what was refunded. `seen_refunded_ore` is what the organiser saw as refunded
    when they filled in the form; if it changed since (a double submit), nothing is done.
    Returns the Refund (its status says whether Stripe paid it). Commits."""
    if not order.is_paid_for:
        raise RefundError(_l("Nothing has been paid for this order, so there is nothing to "
                             "refund."))
    if amount_ore <= 0:
        raise RefundError(_l("Enter an amount greater than zero."))
    if seen_refunded_ore is not None and seen_refunded_ore != order.refunded_ore:
        raise RefundConflict(_l("The refunds of this order changed while you were looking. "
                                "Check the amounts and try again."))
    limit = refundable_ore(order)
    if amount_ore > limit:
        raise RefundError(_l("At most %(amount)s can be refunded.",
                             amount=money.format(limit, order.currency)))
    refund = _reserve_refund(order, amount_ore, "organiser", note=note.strip(), user=user,
                             seen_refunded_ore=order.refunded_ore)
    if refund is None:
        db.session.rollback()
        raise RefundConflict(_l("The refunds of this order changed while you were looking. "
                                "Check the amounts and try again."))
    record(order.event, user, "order.refunded",
           {"order": order.code, "amount_ore": amount_ore, "currency": order.currency})
    if order.payment_method == "card":
        db.session.flush()
        settle = _refund_later(refund, order)
        db.session.commit()
        settle()
    else:
        refund.status = "succeeded"
        db.session.flush()
        if invoicing.has_invoice(order):
            credit_notes.issue_for_amount(order, refund)
        _set_refund_status(order.id)
        db.session.commit()
    return db.session.get(Refund, refund.id)


def _reserve_refund(order: Order, amount_ore: int, reason: str, *, note: str = "", user=None,
                    seen_refunded_ore: int | None = None,
                    payment_status: str | None = None) -> Refund | None:
    """Count the amount as refunded (one conditional UPDATE, so concurrent refunds cannot pay
    back more than was paid) and add the pending Refund row. Part of the caller's transaction.
    None if the amount no longer fits (or the order's payment status is no longer
    `payment_status`)."""
    query = update(Order).where(
        Order.id == order.id, Order.refunded_ore + amount_ore <= Order.total_ore)
    if seen_refunded_ore is not None:
        query = query.where(Order.refunded_ore == seen_refunded_ore)
    if payment_status is not None:
        query = query.where(Order.payment_status == payment_status)
    reserved = db.session.execute(
        query.values(refunded_ore=Order.refunded_ore + amount_ore)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not reserved:
        return None
    refund = Refund(order_id=order.id, amount_ore=amount_ore, currency=order.currency,
                    reason=reason, note=note, status="pending",
                    created_by_id=user.id if user is not None else None)
    db.session.add(refund)
    db.session.flush()
    return refund


def _set_refund_status(order_id: int) -> None:
    """payment_status after refunds: refunded, partially refunded, or paid again when a
    refund failed and nothing else was paid back."""
    db.session.execute(
        update(Order)
        .where(Order.id == order_id,
               Order.payment_status.in_(("paid", "refunded", "partially_refunded")))
        .values(payment_status=case((Order.refunded_ore >= Order.total_ore, "refunded"),
                                    (Order.refunded_ore > 0, "partially_refunded"),
                                    else_="paid"))
        .execution_options(synchronize_session=False)
    )


def _unreserve(refund: Refund) -> None:
    """A refund that was not made gives its amount back to what may still be refunded."""
    if refund.reason not in UNRESERVED_REASONS:
        db.session.execute(
            update(Order)
            .where(Order.id == refund.order_id, Order.refunded_ore >= refund.amount_ore)
            .values(refunded_ore=Order.refunded_ore - refund.amount_ore)
            .execution_options(synchronize_session=False)
        )
    _set_refund_status(refund.order_id)


def refund_idempotency_key(refund: Refund) -> str:
    """One key per refund, worked out from its row, so asking again (retry_pending_refunds)
    sends the very request of the first call and can never refund twice."""
    if refund.reason == "late_payment":
        return f"samla-order-{refund.order_id}-late_payment"
    return f"samla-refund-{refund.id}"


def _refund_later(refund: Refund, order: Order):
    """What to do once the pending refund is committed: ask Stripe, then settle the row. The
    call is the same every time it is made for this refund (key, amount, metadata)."""
    refund_id, order_id, amount = refund.id, order.id, refund.amount_ore
    intent = order.stripe_payment_intent or ""
    key = refund_idempotency_key(refund)
    metadata = {"order_id": str(order_id), "order_code": order.code, "reason": refund.reason,
                "samla_refund_id": str(refund_id)}

    def settle() -> None:
        try:
            result = gateway.refund(intent, amount, key, metadata)
        except gateway.GatewayError as error:
            if error.unknown:
                _settle_unknown(refund_id, str(error.message))
            else:
                _settle(refund_id, None, str(error.message))
        else:
            _settle(refund_id, result, "")

    return settle


def _settle(refund_id: int, result, error: str) -> None:
    """Stripe answered: the refund was made (succeeded or pending at Stripe) or refused."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.status != "pending":  # settled meanwhile by Stripe's event
        db.session.rollback()
        return
    order_id = refund.order_id
    if result is None or result.status == "failed":
        refund.status = "failed"
        refund.error = error or _("Stripe did not pay the refund.")
        if result is not None:
            refund.stripe_refund_id = result.id
        _unreserve(refund)  # the reserved amount was not paid back after all
        log.error("Refund %s of order %s failed: %s", refund_id, order_id, refund.error)
    else:
        learned = refund.stripe_refund_id is None
        refund.status = result.status
        refund.stripe_refund_id = result.id
        refund.error = ""
        _set_refund_status(order_id)
        if learned and refund.reason in EXPLAINED_REASONS:
            _queue_late_refund_email(db.session.get(Order, order_id), refund)
    db.session.commit()


def _settle_unknown(refund_id: int, error: str) -> None:
    """Stripe's answer never came: the refund may have been made. It stays pending, its amount
    reserved, with the error for the organiser, until asked again or Stripe's event says."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.status != "pending" or refund.stripe_refund_id is not None:
        db.session.rollback()
        return
    refund.error = error
    _set_refund_status(refund.order_id)
    db.session.commit()
    log.warning("Refund %s of order %s: no answer from Stripe (%s); it stays pending and is "
                "asked about again", refund_id, refund.order_id, error)


def is_unknown(refund: Refund) -> bool:
    """Pending because Stripe's answer never came (rather than pending at Stripe)."""
    return (refund.status == "pending" and refund.stripe_refund_id is None
            and refund.reason != "credit_note")


def retry_pending_refunds(now: datetime | None = None, limit: int = 100) -> int:
    """Ask Stripe again about card refunds whose answer never came, each with its own
    idempotency key and the same parameters: Stripe answers a refund it made with that refund
    and makes one it never got. Returns how many are settled now. Commits."""
    if not gateway.card_available():
        return 0
    now = now or utcnow()
    ids = db.session.scalars(
        select(Refund.id).join(Order, Order.id == Refund.order_id)
        .where(Refund.status == "pending", Refund.stripe_refund_id.is_(None),
               Order.payment_method == "card",
               Refund.created_at <= now - RETRY_AFTER, Refund.created_at > now - RETRY_WITHIN)
        .order_by(Refund.id).limit(limit)
    ).all()
    db.session.rollback()
    settled = 0
    for refund_id in ids:
        refund = db.session.get(Refund, refund_id)
        if refund is None or not is_unknown(refund):
            db.session.rollback()
            continue
        settle = _refund_later(refund, db.session.get(Order, refund.order_id))
        db.session.rollback()  # no transaction open while Stripe answers
        try:
            settle()
        except Exception:
            db.session.rollback()
            log.exception("Asking Stripe again about refund %s failed", refund_id)
            continue
        refund = db.session.get(Refund, refund_id)
        settled += not is_unknown(refund)
        db.session.rollback()
    return settled


def _queue_late_refund_email(order: Order, refund: Refund) -> None:
    db.session.refresh(order)
    subject, body, html = render_email(
        "payments/email_late_refund.txt", order.language,
        lambda: _("Your payment for %(event)s has been refunded",
                  event=localized(order.event, "name")),
        order=order, event=order.event, refund=refund,
        event_url=absolute_url("events.show", slug=order.event.slug),
    )
    queue_email(to=order.buyer_email, subject=subject, body=body, html=html, kind="refund",
                event_id=order.event_id)


def refunds_for(order: Order) -> list[Refund]:
    return list(db.session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))
