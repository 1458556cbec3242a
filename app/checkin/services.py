"""Door check-in. A badge counts once: the unique key on check_in.registration_id decides,
so two doors scanning the same badge at the same instant still make one check-in."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

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


@dataclass
class ScanResult:
    outcome: str
    registration: Registration | None = None
    check_in: CheckIn | None = None

    @property
    def status_code(self) -> int:
        return OUTCOMES[self.outcome]


def scan(event: Event, raw: str, user) -> ScanResult:
    token = normalise_badge_input(raw)
    if not BADGE_TOKEN_RE.match(token):
        return ScanResult("invalid")
    registration = db.session.scalar(select(Registration).where(Registration.badge_token == token))
    if registration is None:
        return ScanResult("unknown")
    if registration.event_id != event.id:
        return ScanResult("other_event", registration)
    if registration.status != "confirmed":
        return ScanResult("cancelled", registration)
    check_in = CheckIn(
        registration_id=registration.id, event_id=event.id,
        checked_in_by_id=user.id if user else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(check_in)
    except IntegrityError:  # another door checked the badge in at the same moment
        existing = db.session.scalar(
            select(CheckIn).where(CheckIn.registration_id == registration.id)
        )
        return ScanResult("already", registration, existing)
    return ScanResult("checked_in", registration, check_in)


def progress(event: Event) -> tuple[int, int]:
    checked_in = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)
    )
    expected = db.session.scalar(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    )
    return checked_in, expected
