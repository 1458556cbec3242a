"""Messages an organiser writes to an event's attendees: what was written (in Swedish and in
English), to whom (the audience chosen, as it was named when sending), and one row per
recipient that links to the email the outbox sent them, so the organiser sees who got what and
whether it was delivered. The personal copies are the outbox's; a message keeps the text as
written, with its placeholders."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

# Everyone registered; those with one ticket type; those not checked in at the entrance; those
# signed up for one programme item (a workshop).
AUDIENCES = ("all", "ticket", "not_checked_in", "item")


class Message(db.Model):
    __table_args__ = (
        # The form's nonce: a double submit (two clicks, two tabs, a resent POST) finds the
        # message it already made instead of sending again. Its leading column serves the
        # event's list of messages.
        db.UniqueConstraint("event_id", "nonce", name="uq_message_event_nonce"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    author_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Who wrote it, as text (the account may be deleted later).
    author = db.Column(db.String(460), nullable=False, default="")
    audience = db.Column(db.String(20), nullable=False)
    # The ticket type or programme item of the audience, and its name when the message was sent.
    audience_ref = db.Column(db.Integer)
    audience_name = db.Column(db.String(300), nullable=False, default="")
    subject_sv = db.Column(db.String(200), nullable=False, default="")
    body_sv = db.Column(db.Text, nullable=False, default="")
    subject_en = db.Column(db.String(200), nullable=False, default="")
    body_en = db.Column(db.Text, nullable=False, default="")
    nonce = db.Column(db.String(64), nullable=False)
    recipient_count = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    recipients = db.relationship("MessageRecipient", back_populates="message",
                                 cascade="all, delete-orphan", passive_deletes=True)


class MessageRecipient(db.Model):
    __table_args__ = (
        db.UniqueConstraint("message_id", "registration_id", name="uq_message_recipient"),
    )

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.ForeignKey("message.id", ondelete="CASCADE"), nullable=False)
    registration_id = db.Column(db.ForeignKey("registration.id", ondelete="SET NULL"),
                                index=True)
    email_id = db.Column(db.ForeignKey("outgoing_email.id", ondelete="SET NULL"), index=True)
    # The version they got: their registration's language, or the other when it was empty.
    language = db.Column(db.String(5), nullable=False)

    message = db.relationship("Message", back_populates="recipients")
    registration = db.relationship("Registration")
    email = db.relationship("OutgoingEmail")
