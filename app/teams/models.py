"""A person's role in one event's team, and an invitation to join it."""

from sqlalchemy import UniqueConstraint

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

OWNER, ORGANISER, FINANCE, DOOR, READONLY = "owner", "organiser", "finance", "door", "readonly"
TEAM_ROLES = (OWNER, ORGANISER, FINANCE, DOOR, READONLY)
# What an administrator counts as at every event (not a role anyone is given in a team).
ADMIN = "admin"


class TeamMember(db.Model):
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_team_member_event_user"),
        db.CheckConstraint(
            "role IN ('owner', 'organiser', 'finance', 'door', 'readonly')", name="known_role"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    role = db.Column(db.String(20), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")
    user = db.relationship("User", back_populates="memberships")


class TeamInvitation(db.Model):
    """One open invitation per event and address: sending it again replaces the token, the
    role and the expiry. Only the token's SHA-256 is stored; the link in the mail holds it."""

    __table_args__ = (
        UniqueConstraint("event_id", "email", name="uq_team_invitation_event_email"),
        db.CheckConstraint(
            "role IN ('owner', 'organiser', 'finance', 'door', 'readonly')", name="known_role"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False)
    email = db.Column(db.String(254), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    language = db.Column(db.String(5), nullable=False, default="sv")
    invited_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    accepted_at = db.Column(UTCDateTime)
    accepted_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))

    event = db.relationship("Event")
    invited_by = db.relationship("User", foreign_keys=[invited_by_id])
