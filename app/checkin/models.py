"""The door's records.

A CheckIn is one admission that counts: one live (not annulled) check-in per registration and
check-in list, kept by a partial unique index, so a badge counts once even when two doors scan
it at the same instant. An annulled check-in stays, with who annulled it and why.

A ScanRecord is every scan a door made, admitted or not (a re-entry, a refusal, a scan queued
offline): the history the organiser reads, and, with a nonce, the answer a repeat gets.

A CheckInConflict is what an offline door did that the server would not have: a badge admitted
at two doors while they were offline (one check-in counts; the other scan becomes the
conflict), or admitted offline after its registration was cancelled."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

LIVE = "annulled_at IS NULL"

# The event's entrance; a programme item's list is "item:<id>" (app/checkin/checkin_lists.py).
ENTRANCE = ""


class CheckIn(db.Model):
    __table_args__ = (
        db.Index(
            "uq_check_in_registration_list_live", "registration_id", "list_key", unique=True,
            postgresql_where=db.text(LIVE), sqlite_where=db.text(LIVE),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    list_key = db.Column(db.String(40), nullable=False, default=ENTRANCE, server_default="")
    checked_in_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    checked_in_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    # Decided by a door while it was offline, and uploaded later.
    offline = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # Found by name at the door, not by the badge.
    manual = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    annulled_at = db.Column(UTCDateTime)
    annulled_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    annulled_by_device_id = db.Column(db.ForeignKey("door_device.id", ondelete="SET NULL"))
    annul_reason = db.Column(db.String(200), nullable=False, default="")
    # The door device that scanned, when no one was logged in (app/checkin/devices.py).
    device_id = db.Column(db.ForeignKey("door_device.id", ondelete="SET NULL"), index=True)

    registration = db.relationship("Registration", back_populates="check_ins")
    checked_in_by = db.relationship("User", foreign_keys=[checked_in_by_id])
    annulled_by = db.relationship("User", foreign_keys=[annulled_by_id])
    annulled_by_device = db.relationship("DoorDevice", foreign_keys=[annulled_by_device_id])
    device = db.relationship("DoorDevice", foreign_keys=[device_id])

    @property
    def annulled(self) -> bool:
        return self.annulled_at is not None

    @classmethod
    def counts(cls):
        """The condition of a check-in that counts: one that was not undone."""
        return cls.annulled_at.is_(None)

    @classmethod
    def arrived(cls):
        """A check-in at the event's entrance that counts: the person has come."""
        return cls.counts() & (cls.list_key == ENTRANCE)


class ScanRecord(db.Model):
    """One scan at a door. A nonce (sent by door.js, an offline queue or a scanner app) makes a
    repeat from the same account or device get the first answer again and change nothing."""

    __table_args__ = (
        db.UniqueConstraint("device_id", "nonce"),
        db.UniqueConstraint("user_id", "nonce"),
        db.Index("ix_scan_record_event_received", "event_id", "received_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    device_id = db.Column(db.ForeignKey("door_device.id", ondelete="CASCADE"))
    user_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    nonce = db.Column(db.String(64))
    list_key = db.Column(db.String(40), nullable=False, default=ENTRANCE, server_default="")
    code = db.Column(db.String(200), nullable=False)
    registration_id = db.Column(db.ForeignKey("registration.id", ondelete="SET NULL"))
    outcome = db.Column(db.String(20), nullable=False)
    # What an offline door decided on its own, when the scan was queued.
    offline_outcome = db.Column(db.String(20))
    device_time = db.Column(db.String(40), nullable=False, default="")
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    status = db.Column(db.Integer, nullable=False)
    answer = db.Column(db.JSON)

    device = db.relationship("DoorDevice")
    user = db.relationship("User")


class CheckInConflict(db.Model):
    """A scan an offline door admitted that the server could not count: the check-in that
    counts (if any) and the scan that conflicts with it, until an organiser resolves it."""

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    registration_id = db.Column(db.ForeignKey("registration.id", ondelete="CASCADE"))
    check_in_id = db.Column(db.ForeignKey("check_in.id", ondelete="SET NULL"))
    scan_id = db.Column(db.ForeignKey("scan_record.id", ondelete="CASCADE"), nullable=False,
                        unique=True)
    outcome = db.Column(db.String(20), nullable=False)  # what the server said of the scan
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(UTCDateTime)
    resolved_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    resolution = db.Column(db.String(200), nullable=False, default="")

    registration = db.relationship("Registration")
    check_in = db.relationship("CheckIn")
    scan = db.relationship("ScanRecord")
    resolved_by = db.relationship("User")
