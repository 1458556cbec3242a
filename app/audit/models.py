"""One line of the audit log per action that someone must be able to answer for later."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class AuditEntry(db.Model):
    __table_args__ = (
        # The organiser's page reads one event's entries, newest first.
        db.Index("ix_audit_entry_event_created", "event_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    # None for what concerns the whole installation rather than one event.
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"))
    # None when Samla did it by itself (a scheduled purge); the account may be deleted later,
    # so who it was is also kept as text.
    user_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor = db.Column(db.String(460), nullable=False, default="", server_default="")
    # A code such as "export.attendees" or "programme.published" (see services.ACTIONS).
    action = db.Column(db.String(60), nullable=False)
    # What exactly: counts, formats, columns, order codes; never the personal data itself.
    detail = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User")
