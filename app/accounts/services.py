"""Account rules: hashing, authentication, creation."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.teams.models import TeamMember

from .models import ROLES, User

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        # Hash anyway so a missing account takes as long to refuse as a wrong password.
        _hasher().hash(password)
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session of the user made before now stops working at its next request, copied
    cookies included: each carries the session version it was made under (User.get_id)."""
    user.session_version = User.session_version + 1
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """The user's own password change: the current password proves it is them. Ends every
    other session; the caller logs the current one in again under the new version."""
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError) as error:
        raise AccountError("wrong password") from error
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("password too short")
    user.password_hash = hash_password(new)
    end_sessions(user)


def create_user(email: str, name: str, password: str, role: str = "organiser", events=(),
                team_role: str | None = None) -> User:
    """An account; `events` puts it in those events' teams with `team_role` (by default door
    staff for a door account, organiser otherwise)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password too short")
    if find_user(email):
        raise AccountError("email taken")
    user = User(
        email=email.strip().lower(), name=name.strip(), password_hash=hash_password(password),
        role=role,
    )
    team_role = team_role or ("door" if role == "door" else "organiser")
    user.memberships = [TeamMember(event=event, role=team_role) for event in events]
    db.session.add(user)
    return user
