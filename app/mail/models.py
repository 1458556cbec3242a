"""The outbox: every message Samla sends is a row here first, written in the same transaction
as the change that caused it, so a crash or a mail server outage loses nothing."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

STATUSES = ("pending", "sending", "sent", "failed")


class OutgoingEmail(db.Model):
    __table_args__ = (db.Index("ix_outgoing_email_due", "status", "next_attempt_at"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(40), nullable=False)
    to_address = db.Column(db.String(254), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    # The same message as HTML (the text is its alternative); empty for mail queued before.
    body_html = db.Column(db.Text, nullable=False, default="", server_default="")
    message_id = db.Column(db.String(200), nullable=False, unique=True)
    status = db.Column(db.String(20), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at = db.Column(UTCDateTime)
    sent_at = db.Column(UTCDateTime)
    last_error = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="SET NULL"), index=True)
    version_id = db.Column(
        db.ForeignKey("programme_version.id", ondelete="SET NULL"), index=True
    )

    attachments = db.relationship(
        "EmailAttachment", cascade="all, delete-orphan", order_by="EmailAttachment.id"
    )


class EmailAttachment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email_id = db.Column(
        db.ForeignKey("outgoing_email.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename = db.Column(db.String(200), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    data = db.Column(db.LargeBinary, nullable=False)
    # Made when the message is sent rather than stored ("badge:<registration id>"): a badge
    # costs milliseconds to draw, which a registration rush should not wait for.
    source = db.Column(db.String(100), nullable=False, default="", server_default="")
