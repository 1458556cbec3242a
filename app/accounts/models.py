"""People who log in: organisers, door staff and administrators. Attendees and speakers do not.

The account's own role is global: an administrator sees and changes every event, an organiser
may also create events (and owns those), and "door" gives nothing of its own. What a person may
do at one event comes from their role in its team (app.teams)."""

from flask_login import UserMixin

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

ROLES = ("admin", "organiser", "door")


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

    # The person's roles in events' teams; loaded with the account on every request.
    memberships = db.relationship("TeamMember", back_populates="user",
                                  cascade="all, delete-orphan", passive_deletes=True)

    def get_id(self) -> str:
        """What the session stores (Flask-Login): the id with the session version, so a copy
        of a session cookie ends with the version it was made under."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organiser(self) -> bool:
        """May create events (an administrator or a global organiser); which events they see
        is the teams' business."""
        return self.role in ("admin", "organiser")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def team_role(self, event) -> str | None:
        """The person's role at the event: "admin" for an administrator (every event), else
        their role in its team, or None outside it. No query once memberships are loaded."""
        if self.is_admin:
            return "admin"
        for membership in self.memberships:
            if membership.event_id == event.id:
                return membership.role
        return None

    @property
    def has_organiser_pages(self) -> bool:
        """Whether /manage/ has anything for them: they may create events, or a team gives
        them more than the door."""
        return self.is_organiser or any(m.role != "door" for m in self.memberships)
