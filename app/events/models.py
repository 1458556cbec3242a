"""An event (a conference or a course) and the rooms it uses."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class Event(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    organiser_name = db.Column(db.String(200), nullable=False, default="")
    contact_email = db.Column(db.String(254), nullable=False, default="")
    venue = db.Column(db.String(200), nullable=False, default="")
    city = db.Column(db.String(100), nullable=False, default="")
    timezone = db.Column(db.String(64), nullable=False, default="Europe/Stockholm")
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    published = db.Column(db.Boolean, nullable=False, default=False)
    registration_open = db.Column(db.Boolean, nullable=False, default=False)
    # Programme times snap to this many minutes (10:00, 10:05, ... with the default).
    time_step_minutes = db.Column(db.Integer, nullable=False, default=5, server_default="5")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    rooms = db.relationship(
        "Room", back_populates="event", order_by="Room.position, Room.id",
        cascade="all, delete-orphan",
    )

    @property
    def days(self):
        from datetime import timedelta

        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=i) for i in range(count)]


class Room(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    capacity = db.Column(db.Integer)
    accessibility_notes = db.Column(db.Text, nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)

    event = db.relationship("Event", back_populates="rooms")
