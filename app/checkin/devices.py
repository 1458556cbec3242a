"""Door devices: a phone or scanner at the door without a personal password. An organiser makes
a link for one event and a time window; the link's token is shown once and only its SHA-256 is
stored, so a copy of the database opens no door. Revoking, or the window closing, ends the
device at its next request. The same token authenticates the check-in API."""

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app.db_types import UTCDateTime, utcnow
from app.errors import Refusal
from app.extensions import db

from .models import CheckInConflict, ScanRecord


class DoorDeviceError(Refusal):
    """A device that may not open the door now (revoked, outside its window, another event)."""

    status = 403


class DoorDevice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    valid_from = db.Column(UTCDateTime, nullable=False)
    valid_until = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    last_seen_at = db.Column(UTCDateTime)

    event = db.relationship("Event")
    created_by = db.relationship("User")

    def state(self, now: datetime | None = None) -> str:
        """active, not_yet, expired or revoked."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if now < self.valid_from:
            return "not_yet"
        if now >= self.valid_until:
            return "expired"
        return "active"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(event, name: str, valid_from: datetime, valid_until: datetime,
           user) -> tuple[DoorDevice, str]:
    """A new device and its token, which is never stored and so can be shown only now."""
    if valid_until <= valid_from:
        raise DoorDeviceError(_l("The end of the window must come after its start."), 400)
    token = secrets.token_urlsafe(32)
    device = DoorDevice(event_id=event.id, name=name.strip(), token_hash=hash_token(token),
                        valid_from=valid_from, valid_until=valid_until,
                        created_by_id=user.id if user else None)
    db.session.add(device)
    db.session.flush()
    return device, token


def revoke(device: DoorDevice) -> None:
    """Idempotent: a second revoke keeps the first moment."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()


def by_token(token: str) -> DoorDevice | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(DoorDevice).where(DoorDevice.token_hash == hash_token(token)))


REFUSALS = {
    "revoked": _l("This door device has been revoked. Ask an organiser for a new link."),
    "not_yet": _l("This door device is not valid yet. Try again when its time window starts."),
    "expired": _l("This door device's time window has ended. Ask an organiser for a new link."),
}

ANOTHER_EVENT = _l("This door device belongs to another event.")


def check(device: DoorDevice, event=None) -> DoorDevice:
    """The device may work now, for this event; otherwise a refusal that says why (403)."""
    state = device.state()
    if state != "active":
        raise DoorDeviceError(REFUSALS[state])
    if event is not None and device.event_id != event.id:
        raise DoorDeviceError(ANOTHER_EVENT)
    return device


def seen(device: DoorDevice) -> None:
    """Note the device's last request, at most once a minute (GETs write nothing else)."""
    now = utcnow()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
        device.last_seen_at = now


def forget_event(event, now: datetime) -> int:
    """For the purge of an event's personal data: the scan records of every door (codes and
    answers naming people) and the conflicts go, and the event's devices are revoked. Returns
    how many scan records went."""
    db.session.execute(  # each conflict is a scan's, and an organiser's note may name people
        delete(CheckInConflict).where(CheckInConflict.event_id == event.id)
        .execution_options(synchronize_session=False))
    gone = db.session.execute(
        delete(ScanRecord).where(ScanRecord.event_id == event.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(DoorDevice).where(DoorDevice.event_id == event.id, DoorDevice.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )
    return gone
