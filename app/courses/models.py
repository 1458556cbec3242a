"""A course is an event with sessions: the CourseSession rows make it one, and its Course row
holds what only a course has (the certificate's rule and signer). Attendance of a session is a
live check-in on the session's check-in list ("session:<id>", app/checkin/checkin_lists.py),
whether the door scanned the badge or the course leader ticked it in the grid.

A Certificate is issued once per registration: a partial unique index keeps one that is not
revoked, so the beat and the CLI issuing at the same moment make one. Its code is the public
id printed with a QR code; the holder's name and figures are kept as they were printed."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

NOT_REVOKED = "revoked_at IS NULL"


class Course(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False,
                         unique=True)
    # The certificate's rule: at least this many sessions, or this share of them (percent).
    # Exactly one is set.
    min_sessions = db.Column(db.Integer)
    min_percent = db.Column(db.Integer)
    signer_name = db.Column(db.String(200), nullable=False, default="", server_default="")
    signer_title = db.Column(db.String(200), nullable=False, default="", server_default="")
    # When the certificates went out by themselves after the last session (once).
    certificates_issued_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")


class CourseSession(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    title = db.Column(db.String(200), nullable=False, default="", server_default="")
    title_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    starts_at = db.Column(UTCDateTime, nullable=False)
    ends_at = db.Column(UTCDateTime, nullable=False)
    # Where: a room and address, or an online link, or both.
    place = db.Column(db.String(300), nullable=False, default="", server_default="")
    online_url = db.Column(db.String(500), nullable=False, default="", server_default="")
    # The course leader of this session, by name (who marks attendance is a team role).
    leader_name = db.Column(db.String(200), nullable=False, default="", server_default="")
    # Raised whenever the time or place changes: the calendar entry's SEQUENCE.
    sequence = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    event = db.relationship("Event")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Certificate(db.Model):
    __table_args__ = (
        db.Index("uq_certificate_registration_live", "registration_id", unique=True,
                 postgresql_where=db.text(NOT_REVOKED), sqlite_where=db.text(NOT_REVOKED)),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    registration_id = db.Column(db.ForeignKey("registration.id", ondelete="SET NULL"))
    code = db.Column(db.String(26), nullable=False, unique=True)
    holder_name = db.Column(db.String(200), nullable=False)
    language = db.Column(db.String(5), nullable=False, default="sv")
    sessions_attended = db.Column(db.Integer, nullable=False)
    sessions_total = db.Column(db.Integer, nullable=False)
    minutes_attended = db.Column(db.Integer, nullable=False)
    issued_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(UTCDateTime)
    revoked_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason = db.Column(db.String(200), nullable=False, default="", server_default="")

    event = db.relationship("Event")
    registration = db.relationship("Registration")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def initials(self) -> str:
        """What the public check shows of the holder: "A. P." for Alva Persson."""
        return " ".join(f"{part[0]}." for part in self.holder_name.replace("-", " ").split()
                        if part[0].isalpha())
