"""Door check-in. A badge counts once: the partial unique index on check_in.registration_id
(live check-ins only) decides, so two doors scanning the same badge at the same instant still
make one check-in. An annulled check-in stays in the history and counts for nothing."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.registration.models import Registration
from app.tokens import BADGE_TOKEN_RE, normalise_badge_input

from .models import CheckIn

# What the door is told, and the HTTP status the page answers with.
OUTCOMES = {
    "checked_in": 200,
    "already": 409,
    "cancelled": 409,
    "other_event": 409,
    "unknown": 404,
    "invalid": 400,
}


class CheckInError(Refusal):
    """A check-in that cannot be annulled (not this event's, not yours, already annulled)."""


@dataclass
class ScanResult:
    outcome: str
    registration: Registration | None = None
    check_in: CheckIn | None = None

    @property
    def status_code(self) -> int:
        return OUTCOMES[self.outcome]


def scan(event: Event, raw: str, user, device=None) -> ScanResult:
    """One query finds the badge with its ticket type and live check-in; a new check-in is one
    INSERT that does nothing when another door's check-in of the badge is already there. The
    check-in names the account or the door device that scanned it."""
    token = normalise_badge_input(raw)
    if not BADGE_TOKEN_RE.match(token):
        return ScanResult("invalid")
    row = db.session.execute(
        select(Registration, CheckIn)
        .outerjoin(CheckIn, (CheckIn.registration_id == Registration.id) & CheckIn.counts())
        .where(Registration.badge_token == token)
        .options(joinedload(Registration.ticket_type),
                 joinedload(CheckIn.checked_in_by).lazyload("*"))  # not their door events
    ).first()
    if row is None:
        return ScanResult("unknown")
    registration, existing = row
    if registration.event_id != event.id:
        return ScanResult("other_event", registration)
    if registration.status != "confirmed":
        return ScanResult("cancelled", registration)
    if existing is not None:
        return ScanResult("already", registration, existing)
    check_in = db.session.scalar(
        _insert_for_dialect()(CheckIn)
        .values(registration_id=registration.id, event_id=event.id,
                checked_in_by_id=user.id if user else None,
                device_id=device.id if device else None)
        .on_conflict_do_nothing(index_elements=[CheckIn.registration_id],
                                index_where=CheckIn.counts())
        .returning(CheckIn)
    )
    if check_in is None:  # another door checked the badge in at the same moment
        existing = db.session.scalar(
            select(CheckIn).where(CheckIn.registration_id == registration.id,
                                  CheckIn.counts())
        )
        return ScanResult("already", registration, existing)
    return ScanResult("checked_in", registration, check_in)


def _insert_for_dialect():
    """INSERT with ON CONFLICT, which PostgreSQL and SQLite both have (the partial unique index
    on live check-ins is the conflict)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def progress(event: Event) -> tuple[int, int]:
    """(checked in, expected), in one statement: the door asks after every scan."""
    checked_in = (
        select(func.count()).select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.counts())
    )
    expected = (
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    )
    return tuple(db.session.execute(
        select(checked_in.scalar_subquery(), expected.scalar_subquery())).one())


def may_annul(check_in: CheckIn, user, device=None) -> bool:
    """The door account or device that made the scan may take it back; an organiser may take
    back any."""
    if device is not None:
        return check_in.device_id == device.id
    return user.is_organiser or check_in.checked_in_by_id == user.id


def annul(event: Event, check_in_id: int, user, reason: str, device=None) -> CheckIn:
    """Take a check-in back (a wrong badge, a scan by mistake). The row stays with who annulled
    it and why; the badge can be scanned again. A second annulment of the same check-in, even
    sent at the same instant, is refused: the UPDATE only touches a live row."""
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.event_id != event.id:
        raise CheckInError(_l("There is no such check-in at this event."), 404)
    if not may_annul(check_in, user, device):
        raise CheckInError(_l("Only the door account that scanned the badge, or an organiser, "
                              "can undo this check-in."), 403)
    annulled = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.counts())
        .values(annulled_at=utcnow(), annulled_by_id=user.id if user else None,
                annul_reason=reason.strip())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(check_in)
    if not annulled:
        raise CheckInError(_l("This check-in has already been undone."), 409)
    return check_in
