"""Postponing and cancelling a whole event.

A Postponement row records each move of the event (from which dates to which, by how many days,
until when people may cancel with a full refund, how many were registered then), so the
organiser sees how many kept their seat and how many cancelled. A CalendarFile is the iCalendar
file a postponement or cancellation sends, stored once per language and drawn into each of the
thousands of emails when it is sent (app/mail/outbox.py's deferred attachments)."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class Postponement(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    old_starts_on = db.Column(db.Date, nullable=False)
    old_ends_on = db.Column(db.Date, nullable=False)
    new_starts_on = db.Column(db.Date, nullable=False)
    new_ends_on = db.Column(db.Date, nullable=False)
    days = db.Column(db.Integer, nullable=False)
    decision_until = db.Column(db.Date, nullable=False)
    # Confirmed registrations when it was postponed: kept + cancelled since.
    registrants = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))


class CalendarFile(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    method = db.Column(db.String(10), nullable=False)  # PUBLISH or CANCEL
    language = db.Column(db.String(5), nullable=False)
    data = db.Column(db.LargeBinary, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


# What a row of CancellationRefund is at: waiting for a worker; a Refund made (its own status
# says pending at Stripe, paid or failed); a paid invoice the organiser pays back by bank;
# nothing left to pay back (refunded before, say).
CANCELLATION_REFUND_STATES = ("queued", "refunded", "by_hand", "nothing")


class CancellationRefund(db.Model):
    """What cancelling the event owes one order: the price of the seats the cancellation took
    from it. Written in bulk with the cancellation; paid back after commit by a worker, which
    claims the row and reserves the Refund in one transaction, so a replayed task or a second
    worker never refunds an order twice. One row per order; the organiser's page counts them."""

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    order_id = db.Column(db.ForeignKey("ticket_order.id", ondelete="CASCADE"), nullable=False,
                         unique=True)
    seats_ore = db.Column(db.Integer, nullable=False)
    state = db.Column(db.String(10), nullable=False, default="queued")
    refund_id = db.Column(db.ForeignKey("refund.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    done_at = db.Column(UTCDateTime)
