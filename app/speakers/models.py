"""Speakers and the slots they are invited to hold."""

from sqlalchemy.orm import deferred

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

SLOT_STATES = ("invited", "accepted", "declined")


class Speaker(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    role_title = db.Column(db.String(200), nullable=False, default="")
    role_title_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    organisation = db.Column(db.String(200), nullable=False, default="")
    bio = db.Column(db.Text, nullable=False, default="")
    bio_en = db.Column(db.Text, nullable=False, default="", server_default="")
    email = db.Column(db.String(254), nullable=False, default="")
    language = db.Column(db.String(5), nullable=False, default="sv")
    token = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # A JPEG made by app.speakers.photos (no metadata); loaded only when served.
    photo = deferred(db.Column(db.LargeBinary))
    photo_updated_at = db.Column(UTCDateTime)
    # The registration made for the speaker when they first accepted (the event's speakers'
    # ticket), or their own one at the same address; None until then.
    registration_id = db.Column(db.ForeignKey("registration.id", ondelete="SET NULL"),
                                index=True)

    event = db.relationship("Event")
    registration = db.relationship("Registration")
    slots = db.relationship("SpeakerSlot", back_populates="speaker", cascade="all, delete-orphan")


class SpeakerSlot(db.Model):
    __table_args__ = (db.UniqueConstraint("item_id", "speaker_id"),)

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(
        db.ForeignKey("programme_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    speaker_id = db.Column(
        db.ForeignKey("speaker.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state = db.Column(db.String(20), nullable=False, default="invited")
    invited_at = db.Column(UTCDateTime)
    answered_at = db.Column(UTCDateTime)
    reminded_at = db.Column(UTCDateTime)

    item = db.relationship("ProgrammeItem", back_populates="slots")
    speaker = db.relationship("Speaker", back_populates="slots")
