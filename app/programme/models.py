"""What happens when and where: talks, panels, workshops, breaks."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

KINDS = ("talk", "panel", "workshop", "plenary", "break", "lunch")


class ProgrammeItem(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    room_id = db.Column(db.ForeignKey("room.id", ondelete="SET NULL"), index=True)
    kind = db.Column(db.String(20), nullable=False, default="talk")
    title = db.Column(db.String(300), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    starts_at = db.Column(UTCDateTime, nullable=False)
    ends_at = db.Column(UTCDateTime, nullable=False)
    cancelled = db.Column(db.Boolean, nullable=False, default=False)
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
        return [slot.speaker for slot in self.slots if slot.state != "declined"]
