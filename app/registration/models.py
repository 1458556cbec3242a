"""Tickets and the people who registered for an event."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class TicketType(db.Model):
    __table_args__ = (
        db.CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    price_ore = db.Column(db.Integer, nullable=False, default=0)
    currency = db.Column(db.String(3), nullable=False, default="SEK")
    capacity = db.Column(db.Integer)
    # Kept by one atomic UPDATE per registration, which is what makes overselling impossible.
    seats_taken = db.Column(db.Integer, nullable=False, default=0)
    position = db.Column(db.Integer, nullable=False, default=0)

    event = db.relationship("Event")

    @property
    def is_free(self) -> bool:
        return self.price_ore == 0

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)


class Registration(db.Model):
    __table_args__ = (
        # One confirmed registration per address and event, even when two arrive at once.
        db.Index(
            "uq_registration_event_email_confirmed", "event_id", "email", unique=True,
            postgresql_where=db.text("status = 'confirmed'"),
            sqlite_where=db.text("status = 'confirmed'"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_type_id = db.Column(db.ForeignKey("ticket_type.id"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254), nullable=False, index=True)  # stored lower-case
    organisation = db.Column(db.String(200), nullable=False, default="")
    dietary_needs = db.Column(db.Text, nullable=False, default="")
    accessibility_needs = db.Column(db.Text, nullable=False, default="")
    sensitive_consent = db.Column(db.Boolean, nullable=False, default=False)
    language = db.Column(db.String(5), nullable=False, default="sv")
    status = db.Column(db.String(20), nullable=False, default="confirmed")
    manage_token = db.Column(db.String(64), nullable=False, unique=True)
    badge_token = db.Column(db.String(26), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at = db.Column(UTCDateTime)
    feedback_requested_at = db.Column(UTCDateTime)
    feedback_given_at = db.Column(UTCDateTime)

    event = db.relationship("Event")
    ticket_type = db.relationship("TicketType")
    check_in = db.relationship("CheckIn", uselist=False, back_populates="registration")

    @property
    def is_active(self) -> bool:
        return self.status == "confirmed"


class PersonalProgrammeEntry(db.Model):
    """One programme item an attendee starred for "My programme"; at most once per item."""

    __table_args__ = (
        db.UniqueConstraint("registration_id", "item_id", name="uq_personal_programme_entry"),
    )

    id = db.Column(db.Integer, primary_key=True)
    # The unique key's leading column serves lookups by registration; no index of its own.
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False
    )
    item_id = db.Column(
        db.ForeignKey("programme_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
