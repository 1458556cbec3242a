"""One row per scan that let someone in. A check-in can be annulled (a wrong badge, a scan by
mistake): the row stays, with who annulled it and why, and the badge can be scanned again. The
partial unique index lets one live (not annulled) check-in per registration, so a badge counts
once even when two doors scan it at the same instant."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

LIVE = "annulled_at IS NULL"


class CheckIn(db.Model):
    __table_args__ = (
        db.Index(
            "uq_check_in_registration_live", "registration_id", unique=True,
            postgresql_where=db.text(LIVE), sqlite_where=db.text(LIVE),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    checked_in_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    checked_in_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    annulled_at = db.Column(UTCDateTime)
    annulled_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    annul_reason = db.Column(db.String(200), nullable=False, default="")
    # The door device that scanned, when no one was logged in (app/checkin/devices.py).
    device_id = db.Column(db.ForeignKey("door_device.id", ondelete="SET NULL"), index=True)

    registration = db.relationship("Registration", back_populates="check_ins")
    checked_in_by = db.relationship("User", foreign_keys=[checked_in_by_id])
    annulled_by = db.relationship("User", foreign_keys=[annulled_by_id])
    device = db.relationship("DoorDevice")

    @property
    def annulled(self) -> bool:
        return self.annulled_at is not None

    @classmethod
    def counts(cls):
        """The condition of a check-in that counts: one that was not undone."""
        return cls.annulled_at.is_(None)
