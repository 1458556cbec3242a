"""People who log in: organisers, door staff and administrators. Attendees and speakers do not."""

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Table

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

ROLES = ("admin", "organiser", "door")

door_assignment = Table(
    "door_assignment",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, default="organiser")
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Raised by logging out and by a password change: every session made before stops working.
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    door_events = db.relationship("Event", secondary=door_assignment, lazy="selectin")

    def get_id(self) -> str:
        """What the session stores (Flask-Login): the id with the session version, so a copy
        of a session cookie ends with the version it was made under."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role in ("admin", "organiser")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_check_in(self, event) -> bool:
        return self.is_organiser or any(e.id == event.id for e in self.door_events)
