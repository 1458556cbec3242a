"""Team rules: who is in an event's team and with which role, invitations by email, and
never an event without an owner. Every change is told to the audit log through the
team_changed signal (app.signals)."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import signals
from app.accounts.models import User
from app.accounts.services import create_user, find_user
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email

from .access import AT_THE_DOOR, ROLE_LABELS
from .models import DOOR, OWNER, TEAM_ROLES, TeamInvitation, TeamMember

INVITATION_DAYS = 14


class TeamError(Refusal):
    """A team change the rules refuse (the last owner, an unknown member or role)."""


class InvitationError(Refusal):
    """An invitation link that does not work: forged (404), run out (410), or for someone
    else (403)."""


# --- who sees which events --------------------------------------------------------------------

def manageable_events(user: User) -> list[Event]:
    """The events on the person's /manage/ list: every event for an administrator, else those
    whose team they are in with more than the door."""
    query = select(Event).order_by(Event.starts_on.desc(), Event.id.desc())
    if not user.is_admin:
        query = query.where(Event.id.in_(
            select(TeamMember.event_id).where(TeamMember.user_id == user.id,
                                              TeamMember.role != DOOR)))
    return list(db.session.scalars(query))


def door_events(user: User) -> list[Event]:
    """The events whose door the person may work: every event for an administrator, else
    those whose team they are in as door staff, organiser or owner."""
    if user.is_admin:
        return list(db.session.scalars(select(Event).order_by(Event.starts_on.desc())))
    events = [m.event for m in user.memberships if m.role in AT_THE_DOOR]
    return sorted(events, key=lambda event: event.starts_on, reverse=True)


# --- the team ---------------------------------------------------------------------------------

def members(event: Event) -> list[TeamMember]:
    """The team, owners first, then by role and name."""
    rows = db.session.scalars(
        select(TeamMember).join(TeamMember.user).where(TeamMember.event_id == event.id)
        .order_by(User.name, User.id)
    ).all()
    return sorted(rows, key=lambda member: TEAM_ROLES.index(member.role))


def open_invitations(event: Event) -> list[TeamInvitation]:
    return list(db.session.scalars(
        select(TeamInvitation).where(TeamInvitation.event_id == event.id,
                                     TeamInvitation.accepted_at.is_(None))
        .order_by(TeamInvitation.created_at.desc(), TeamInvitation.id.desc())))


def _known_role(role: str) -> str:
    if role not in TEAM_ROLES:
        raise TeamError(_l("Choose one of the roles in the list."), 400)
    return role


def _changed(event: Event, by: User | None, action: str, **detail) -> None:
    signals.team_changed.send(event, user=by, action=action, detail=detail)


def add_member(event: Event, user: User, role: str, by: User | None = None) -> TeamMember:
    """Put the person in the team with the role; someone already in it keeps their role."""
    _known_role(role)
    member = db.session.scalar(select(TeamMember).where(
        TeamMember.event_id == event.id, TeamMember.user_id == user.id))
    if member is not None:
        return member
    member = TeamMember(event=event, user=user, role=role)  # in user.memberships at once
    db.session.add(member)
    db.session.flush()
    _changed(event, by or user, "team.member_added", member=user.name, role=role)
    return member


def member_of(event: Event, member_id: int) -> TeamMember:
    member = db.session.get(TeamMember, member_id)
    if member is None or member.event_id != event.id:
        raise TeamError(_l("There is no such member in this event's team."), 404)
    return member


def _other_owners(event: Event, member: TeamMember) -> int:
    """The owners besides this member, their rows locked until the commit on PostgreSQL, so
    two owners stepping down at the same moment cannot leave the event without one (the
    second waits and then counts again)."""
    ids = db.session.scalars(
        select(TeamMember.id).where(TeamMember.event_id == event.id, TeamMember.role == OWNER)
        .with_for_update()).all()
    return len([i for i in ids if i != member.id])


LAST_OWNER = _l("An event must keep at least one owner. Make someone else an owner first.")


def change_role(event: Event, member_id: int, role: str, by: User) -> TeamMember:
    member = member_of(event, member_id)
    _known_role(role)
    if member.role == role:
        return member
    if member.role == OWNER and _other_owners(event, member) == 0:
        raise TeamError(LAST_OWNER, 409)
    old, member.role = member.role, role
    db.session.flush()
    _changed(event, by, "team.role_changed", member=member.user.name, role=role, old_role=old)
    return member


def remove(event: Event, member_id: int, by: User) -> TeamMember:
    member = member_of(event, member_id)
    if member.role == OWNER and _other_owners(event, member) == 0:
        raise TeamError(LAST_OWNER, 409)
    name, role = member.user.name, member.role
    db.session.delete(member)
    db.session.flush()
    _changed(event, by, "team.member_removed", member=name, role=role)
    return member


# --- invitations ------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(event: Event, email: str, role: str, by: User, language: str) -> TeamInvitation:
    """Invite an address to the team with a role, by mail in the inviter's language (the
    language they wrote the invitation in). Sending again to the same address replaces the
    earlier invitation: its link stops working and the new one is valid 14 days."""
    _known_role(role)
    email = email.strip().lower()
    account = find_user(email)
    if account is not None and account.team_role(event) not in (None, "admin"):
        raise TeamError(_l("%(name)s is already in the team. Change their role in the list "
                           "instead.", name=account.name), 409)
    invitation = db.session.scalar(select(TeamInvitation).where(
        TeamInvitation.event_id == event.id, TeamInvitation.email == email))
    if invitation is None:
        invitation = TeamInvitation(event_id=event.id, email=email)
        db.session.add(invitation)
    token = secrets.token_urlsafe(32)
    invitation.role, invitation.token_hash = role, hash_token(token)
    invitation.language, invitation.invited_by_id = language, by.id
    invitation.created_at = utcnow()
    invitation.expires_at = invitation.created_at + timedelta(days=INVITATION_DAYS)
    invitation.accepted_at = invitation.accepted_by_id = None
    db.session.flush()
    subject, body, html = render_email(
        "teams/email_invitation.txt", language,
        lambda: _("Join the team of %(event)s", event=localized(event, "name")),
        event=event, inviter=by, role=ROLE_LABELS[role], has_account=account is not None,
        expires_on=event.local_day(invitation.expires_at),
        link=absolute_url("teams.invitation", token=token),
    )
    queue_email(to=email, subject=subject, body=body, html=html,
                kind="team-invitation", event_id=event.id)
    _changed(event, by, "team.invited", email=email, role=role)
    return invitation


def withdraw(event: Event, invitation_id: int, by: User) -> None:
    """Take back an invitation not yet accepted: its link stops working."""
    invitation = db.session.get(TeamInvitation, invitation_id)
    if invitation is None or invitation.event_id != event.id or invitation.accepted_at:
        raise TeamError(_l("There is no such open invitation."), 404)
    db.session.delete(invitation)
    db.session.flush()
    _changed(event, by, "team.invitation_withdrawn", email=invitation.email,
             role=invitation.role)


def invitation_for(token: str) -> TeamInvitation:
    """The invitation of a link: 404 for a token nobody was sent (or one replaced by a newer
    invitation), 410 when it has run out. An accepted one is returned as it is, so opening the
    link again says so instead of failing."""
    invitation = None
    if token and len(token) <= 100:
        invitation = db.session.scalar(select(TeamInvitation).where(
            TeamInvitation.token_hash == hash_token(token)))
    if invitation is None:
        raise InvitationError(_l("This invitation link is not valid. It may have been replaced "
                                 "by a newer invitation: use the link in the latest email, or "
                                 "ask the organiser to send a new one."), 404)
    if invitation.accepted_at is None and invitation.expires_at <= utcnow():
        raise InvitationError(_l("This invitation has expired. Ask the organiser who invited "
                                 "you to send a new one."), 410)
    return invitation


def addressed_to(invitation: TeamInvitation, user: User) -> None:
    """Refuse (403) a logged-in person other than the one invited."""
    if user.email.lower() != invitation.email:
        raise InvitationError(_l("This invitation was sent to %(email)s, and you are logged in "
                                 "as %(me)s. Log out and open the link again.",
                                 email=invitation.email, me=user.email), 403)


def accept(invitation: TeamInvitation, user: User) -> TeamMember:
    """The invited person, logged in with the invited address, joins the team. Accepting again
    changes nothing (nor brings back someone removed from the team since): None then, unless
    they are in the team."""
    addressed_to(invitation, user)
    event = invitation.event
    if invitation.accepted_at is not None:
        return next((m for m in user.memberships if m.event_id == event.id), None)
    member = add_member(event, user, invitation.role, by=user)
    invitation.accepted_at, invitation.accepted_by_id = utcnow(), user.id
    db.session.flush()
    return member


def accept_with_new_account(invitation: TeamInvitation, name: str, password: str) -> User:
    """Someone without an account accepts: the account is made with the invited address, the
    name and password they chose (argon2, as every account), and no role of its own beyond
    the team's."""
    if invitation.accepted_at is not None or find_user(invitation.email) is not None:
        raise InvitationError(_l("There is already an account for %(email)s. Log in to accept "
                                 "the invitation.", email=invitation.email), 409)
    user = create_user(invitation.email, name, password, role="door")
    db.session.flush()
    accept(invitation, user)
    return user
