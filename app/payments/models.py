"""What Stripe told us and what was paid back, kept so a replayed webhook changes nothing and the
organiser can see every refund."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class StripeEvent(db.Model):
    """One webhook event, recorded once: a second delivery of the same event id is ignored."""

    id = db.Column(db.Integer, primary_key=True)
    stripe_id = db.Column(db.String(255), nullable=False, unique=True)
    type = db.Column(db.String(100), nullable=False)
    order_id = db.Column(db.ForeignKey("ticket_order.id", ondelete="SET NULL"), index=True)
    # What Samla did with it: confirmed, refunded_late, ignored, ...
    outcome = db.Column(db.String(40), nullable=False, default="")
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


REFUND_STATUSES = ("pending", "succeeded", "failed")


class Refund(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(
        db.ForeignKey("ticket_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount_ore = db.Column(db.Integer, nullable=False)
    currency = db.Column(db.String(3), nullable=False, default="SEK")
    # attendee_cancelled, event_cancelled, organiser, late_payment, amount_mismatch, credit_note
    reason = db.Column(db.String(40), nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(20), nullable=False, default="pending")
    stripe_refund_id = db.Column(db.String(255), unique=True)
    error = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))

    order = db.relationship("Order")


