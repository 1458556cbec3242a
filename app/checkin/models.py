"""One row per attendee who came through the door; the unique key stops a badge counting twice."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class CheckIn(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    checked_in_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    checked_in_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))

    registration = db.relationship("Registration", back_populates="check_in")
    checked_in_by = db.relationship("User")
