"""The waiting list of a sold-out ticket type (or event)."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

WAITING_STATUSES = ("waiting", "offered", "accepted", "expired", "withdrawn")


class WaitingListEntry(db.Model):
    """First come, first served. An open offer holds a seat (counted in seats_taken) until the
    person takes it or the offer runs out and passes to the next in line."""

    __table_args__ = (
        db.Index(
            "uq_waiting_list_event_email_live", "event_id", "email", unique=True,
            postgresql_where=db.text("status IN ('waiting', 'offered')"),
            sqlite_where=db.text("status IN ('waiting', 'offered')"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_type_id = db.Column(
        db.ForeignKey("ticket_type.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254), nullable=False)  # lower-case
    language = db.Column(db.String(5), nullable=False, default="sv")
    status = db.Column(db.String(20), nullable=False, default="waiting")
    token = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    offered_at = db.Column(UTCDateTime)
    offer_expires_at = db.Column(UTCDateTime, index=True)
    order_id = db.Column(db.ForeignKey("ticket_order.id", ondelete="SET NULL"))

    event = db.relationship("Event")
    ticket_type = db.relationship("TicketType")
