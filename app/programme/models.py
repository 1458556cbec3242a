"""What happens when and where: talks, panels, workshops, breaks."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

KINDS = ("talk", "panel", "workshop", "plenary", "break", "lunch")
# Breaks and lunch are for everyone: nobody chooses them for their own programme.
SHARED_KINDS = ("break", "lunch")


class ProgrammeItem(db.Model):
    __table_args__ = (
        db.CheckConstraint("signups_taken >= 0", name="signups_taken_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    room_id = db.Column(db.ForeignKey("room.id", ondelete="SET NULL"), index=True)
    kind = db.Column(db.String(20), nullable=False, default="talk")
    title = db.Column(db.String(300), nullable=False)
    title_en = db.Column(db.String(300), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    starts_at = db.Column(UTCDateTime, nullable=False)
    ends_at = db.Column(UTCDateTime, nullable=False)
    cancelled = db.Column(db.Boolean, nullable=False, default=False)
    # Who the item is for, in the speaker's invitation and the programme ("Chefer", "Alla").
    audience = db.Column(db.String(200), nullable=False, default="", server_default="")
    audience_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    # Workshops with limited seats: attendees sign up; signups_taken is kept by atomic UPDATEs
    # against signup_capacity (or the room's capacity when that is empty).
    signup_required = db.Column(db.Boolean, nullable=False, default=False,
                                server_default=db.false())
    signup_capacity = db.Column(db.Integer)
    signups_taken = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    event = db.relationship("Event")
    room = db.relationship("Room")
    slots = db.relationship(
        "SpeakerSlot", back_populates="item", cascade="all, delete-orphan",
        order_by="SpeakerSlot.id",
    )

    @property
    def speakers(self):
        """Everyone on the item who has not declined: what the organiser's draft shows."""
        return [slot.speaker for slot in self.slots if slot.state != "declined"]

    @property
    def announced_speakers(self):
        """Those who have accepted: the only ones named to the public and in emails."""
        return [slot.speaker for slot in self.slots if slot.state == "accepted"]


class SessionSignup(db.Model):
    """An attendee's seat in a workshop or session that requires signing up."""

    __table_args__ = (db.UniqueConstraint("registration_id", "item_id", name="uq_session_signup"),)

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False
    )
    item_id = db.Column(
        db.ForeignKey("programme_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    registration = db.relationship("Registration")
    item = db.relationship("ProgrammeItem")
