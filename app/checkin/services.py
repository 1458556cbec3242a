"""Door check-in. A badge counts once per check-in list: the partial unique index on
(registration, list) of live check-ins decides, so two doors scanning the same badge at the
same instant still make one check-in. An annulled check-in stays in the history and counts for
nothing. Every scan is recorded; a nonce makes a repeat (a retry after a lost answer, an
offline queue uploaded twice) get the first answer and change nothing."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, load_only

from app.accounts.models import User
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.registration.models import Registration
from app.teams.access import may_edit
from app.tickets.models import TicketType
from app.tokens import BADGE_TOKEN_RE, normalise_badge_input

from .checkin_lists import CheckInList, entrance, expected
from .devices import DoorDevice
from .models import CheckIn, CheckInConflict, ScanRecord

# What the door is told, and the HTTP status the page answers with.
OUTCOMES = {
    "checked_in": 200,
    "already": 409,
    "not_entitled": 409,
    "cancelled": 409,
    "other_event": 409,
    "unknown": 404,
    "invalid": 400,
}
# At most this many queued scans in one upload.
UPLOAD_LIMIT = 500
# How far back an offline door's clock is believed: a check-in is never dated earlier.
OFFLINE_PAST = timedelta(days=7)


class CheckInError(Refusal):
    """A check-in that cannot be annulled (not this event's, not yours, already annulled), or a
    conflict that cannot be resolved."""


@dataclass
class Door:
    """Who is at the door of an event: a logged-in person with access, or a door device."""

    event: Event
    user: object | None = None
    device: DoorDevice | None = None
    team_role: str | None = None  # the person's role at the event ("admin" for administrators)


@dataclass
class ScanResult:
    outcome: str
    registration: Registration | None = None
    check_in: CheckIn | None = None
    checked_in: int | None = None  # the list's live check-ins after this scan
    expected: int | None = None

    @property
    def status_code(self) -> int:
        return OUTCOMES[self.outcome]


# The scan's SELECT, built once per event, list and sign-up rule: building it with its joins and
# options cost more CPU than PostgreSQL spends running it. The badge token is a bound parameter.
# It reads only the columns a door answer shows: every column costs CPU to describe and load.
_SCAN_STATEMENTS: dict[tuple[int, str, bool], object] = {}
_KEPT = 512


def _scan_statement(event: Event, checkin_list: CheckInList):
    key = (event.id, checkin_list.key, checkin_list.needs_signup)
    statement = _SCAN_STATEMENTS.get(key)
    if statement is None:
        checked_in = (select(func.count()).select_from(CheckIn)
                      .where(CheckIn.event_id == event.id, CheckIn.list_key == checkin_list.key,
                             CheckIn.counts()).scalar_subquery())
        statement = (
            select(Registration, CheckIn, checkin_list.entitled(), checked_in)
            .outerjoin(CheckIn, (CheckIn.registration_id == Registration.id) & CheckIn.counts()
                       & (CheckIn.list_key == checkin_list.key))
            .where(Registration.badge_token == bindparam("token"))
            .options(load_only(Registration.event_id, Registration.ticket_type_id,
                               Registration.name, Registration.organisation,
                               Registration.status),
                     joinedload(Registration.ticket_type).load_only(TicketType.name),
                     joinedload(CheckIn.checked_in_by).load_only(User.name).lazyload("*"),
                     joinedload(CheckIn.device).load_only(DoorDevice.name)))
        if len(_SCAN_STATEMENTS) >= _KEPT:
            _SCAN_STATEMENTS.clear()
        _SCAN_STATEMENTS[key] = statement
    return statement


# How many a list expects changes seldom while its door is busy (a cancellation, a sign-up), and
# counting them for every scan cost PostgreSQL more than the rest of the scan. A scan's answer
# takes the figure counted at most EXPECTED_FRESH seconds ago by this process; the live counts
# (progress) always count afresh.
EXPECTED_FRESH = 10.0
_expected_counts: dict[tuple[int, str, bool], tuple[float, int]] = {}
_clock = time.monotonic  # a test moves it on


def expected_count(event: Event, checkin_list: CheckInList) -> int:
    key = (event.id, checkin_list.key, checkin_list.needs_signup)
    now = _clock()
    kept = _expected_counts.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    count = db.session.scalar(select(expected(event, checkin_list)))
    if len(_expected_counts) >= _KEPT:
        _expected_counts.clear()
    _expected_counts[key] = (now + EXPECTED_FRESH, count)
    return count


def forget_expected_counts() -> None:
    """Count afresh at the next scan (a test's new event may have an earlier one's id)."""
    _expected_counts.clear()


def scan(door: Door, raw: str, checkin_list: CheckInList | None = None, *,
         at: datetime | None = None, offline: bool = False, manual: bool = False) -> ScanResult:
    """One query finds the badge with its ticket type, its live check-in on the list, whether
    it may come in and how many are in; a new check-in is one INSERT that does nothing when
    another door's check-in of the badge is already there."""
    event, checkin_list = door.event, checkin_list or entrance()
    token = normalise_badge_input(raw)
    if not BADGE_TOKEN_RE.match(token):
        return ScanResult("invalid")
    row = db.session.execute(_scan_statement(event, checkin_list), {"token": token}).first()
    if row is None:
        return ScanResult("unknown")
    registration, existing, entitled, count = row
    if registration.event_id != event.id:
        return ScanResult("other_event", registration)
    counts = {"checked_in": count, "expected": expected_count(event, checkin_list)}
    if registration.status != "confirmed":
        return ScanResult("cancelled", registration, **counts)
    if not entitled:
        return ScanResult("not_entitled", registration, **counts)
    if existing is not None:
        return ScanResult("already", registration, existing, **counts)
    values = {"registration_id": registration.id, "event_id": event.id,
              "list_key": checkin_list.key, "checked_in_at": at or utcnow(), "offline": offline,
              "manual": manual, "checked_in_by_id": door.user.id if door.user else None,
              "device_id": door.device.id if door.device else None, "annul_reason": ""}
    check_in_id = db.session.scalar(_insert_check_in(), values)
    if check_in_id is None:  # another door checked the badge in at the same moment
        existing = db.session.scalar(
            select(CheckIn).where(CheckIn.registration_id == registration.id,
                                  CheckIn.list_key == checkin_list.key, CheckIn.counts()))
        return ScanResult("already", registration, existing, **counts)
    # The answer's copy of the row, never added to the session (so never written again); it
    # names its registration by id only, since setting the relationship would add it.
    check_in = CheckIn(id=check_in_id, **values, checked_in_by=door.user, device=door.device)
    counts["checked_in"] += 1
    return ScanResult("checked_in", registration, check_in, **counts)


# The door's two INSERTs (INSERT ... ON CONFLICT DO NOTHING RETURNING id, which PostgreSQL and
# SQLite both have) as Core statements built once per dialect, executed with each scan's values:
# the ORM's INSERT returning the whole row, or a statement built anew, cost a fifth of a scan.
_INSERTS: dict[tuple[str, str], object] = {}


def _dialect_insert(name: str, build: Callable):
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS.get((name, dialect))
    if statement is None:
        statement = _INSERTS[name, dialect] = build(
            postgresql.insert if dialect == "postgresql" else sqlite.insert)
    return statement


def _insert_check_in():
    table = CheckIn.__table__
    return _dialect_insert("check_in", lambda insert: insert(table).on_conflict_do_nothing(
        index_elements=[table.c.registration_id, table.c.list_key],
        index_where=CheckIn.counts()).returning(table.c.id))


def _insert_scan_record():
    table = ScanRecord.__table__
    return _dialect_insert("scan_record", lambda insert: insert(table).on_conflict_do_nothing()
                           .returning(table.c.id))


def _earlier(door: Door, nonces: list[str]) -> dict[str, ScanRecord]:
    """The door's records of these nonces, by nonce."""
    who = (ScanRecord.device_id == door.device.id) if door.device is not None \
        else (ScanRecord.user_id == door.user.id)
    return {record.nonce: record for record in db.session.scalars(
        select(ScanRecord).where(who, ScanRecord.nonce.in_(nonces)))}


def record(door: Door, result: ScanResult, code: str, checkin_list: CheckInList, *,
           nonce: str | None = None, device_time: str = "", offline_outcome: str | None = None,
           answer: dict | None = None) -> int | None:
    """Keep the scan; its id. None when the door already sent this nonce (at the same instant
    from a second tab, say): that first record stands."""
    registration = result.registration if result.outcome != "other_event" else None
    return db.session.scalar(_insert_scan_record(), {
        "event_id": door.event.id, "device_id": door.device.id if door.device else None,
        "user_id": door.user.id if door.user else None, "nonce": nonce or None,
        "list_key": checkin_list.key, "code": code[:200],
        "registration_id": registration.id if registration else None,
        "outcome": result.outcome, "offline_outcome": offline_outcome,
        "device_time": device_time[:40], "received_at": utcnow(), "status": result.status_code,
        "answer": answer})


def redeem(door: Door, code: str, checkin_list: CheckInList, *, nonce: str | None = None,
           device_time: str = "", manual: bool = False,
           answer_of: Callable[[ScanResult], dict]) -> tuple[dict, int, ScanResult | None]:
    """A scan made online, answered as `answer_of` words it, and recorded. A nonce the door has
    sent before gets the answer it got then (and no result: nothing happened now)."""
    if nonce:
        earlier = _earlier(door, [nonce]).get(nonce)
        if earlier is not None and earlier.answer is not None:
            return earlier.answer, earlier.status, None
    result = scan(door, code, checkin_list, manual=manual)
    answer = answer_of(result)
    if record(door, result, code, checkin_list, nonce=nonce, device_time=device_time,
              answer=answer if nonce else None) is None:
        earlier = _earlier(door, [nonce]).get(nonce)
        return earlier.answer, earlier.status, None
    return answer, result.status_code, result


def device_clock(text: str, now: datetime) -> datetime:
    """When an offline door says the scan happened, believed within the last week and never in
    the future; otherwise now."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return now
    if at.tzinfo is None:
        return now
    at = (at - at.utcoffset()).replace(tzinfo=now.tzinfo)  # the same instant, in UTC
    return at if now - OFFLINE_PAST <= at <= now else now


@dataclass
class QueuedScan:
    """One scan an offline door queued: the code, its nonce, the door's clock, the list and
    what the door decided alone."""

    code: str
    nonce: str
    device_time: str
    list_key: str
    offline_outcome: str


def queue_answer(scan_record: ScanRecord) -> dict:
    """What an upload says of one queued scan: the same whether the server handles it now or
    did before, in an earlier upload or online (a scan that timed out and was queued)."""
    return {"nonce": scan_record.nonce, "outcome": scan_record.outcome,
            "status_code": scan_record.status,
            "conflict": scan_record.offline_outcome == "checked_in"
            and scan_record.outcome != "checked_in"}


def upload(door: Door, scans: list[QueuedScan],
           lists: Callable[[str], CheckInList | None]) -> list[dict]:
    """The queue of an offline door, scan by scan in the order they were made. A nonce sent
    before is answered as then. A scan the door admitted that the server does not count (the
    badge came in at another door first, or its registration was cancelled meanwhile) is
    recorded with a conflict for the organiser, never as a second check-in."""
    earlier = _earlier(door, [queued.nonce for queued in scans])
    answers = []
    now = utcnow()
    for queued in scans:
        if queued.nonce in earlier:
            answers.append(queue_answer(earlier[queued.nonce]))
            continue
        checkin_list = lists(queued.list_key)
        if checkin_list is None:  # a list gone since the door was prepared: recorded too
            result, checkin_list = ScanResult("invalid"), CheckInList(queued.list_key[:40], "")
        else:
            result = scan(door, queued.code, checkin_list,
                          at=device_clock(queued.device_time, now), offline=True)
        answer = queue_answer(ScanRecord(nonce=queued.nonce, outcome=result.outcome,
                                         status=result.status_code,
                                         offline_outcome=queued.offline_outcome))
        record_id = record(door, result, queued.code, checkin_list, nonce=queued.nonce,
                           device_time=queued.device_time,
                           offline_outcome=queued.offline_outcome, answer=answer)
        if record_id is None:  # the same nonce in flight from a second upload: it answers
            answers.append(queue_answer(_earlier(door, [queued.nonce])[queued.nonce]))
            continue
        if answer["conflict"]:
            db.session.add(CheckInConflict(
                event_id=door.event.id, scan_id=record_id, outcome=result.outcome,
                registration_id=result.registration.id
                if result.registration and result.outcome != "other_event" else None,
                check_in_id=result.check_in.id if result.check_in else None))
        answers.append(answer)
    db.session.flush()
    return answers


def progress(event: Event, checkin_list: CheckInList | None = None) -> tuple[int, int]:
    """(checked in, expected) on a list, in one statement: the door asks after every scan."""
    checkin_list = checkin_list or entrance()
    checked_in = (
        select(func.count()).select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.list_key == checkin_list.key,
               CheckIn.counts())
    )
    return tuple(db.session.execute(
        select(checked_in.scalar_subquery(), expected(event, checkin_list))).one())


def badge_digest(token: str) -> str:
    """What an offline door stores of a badge: its SHA-256, never the code itself."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def door_data(event: Event, checkin_list: CheckInList, wipe_after: datetime) -> dict:
    """What an offline door decides with, for one list: each registration by the digest of its
    badge code, with name, ticket, status, whether it may come in and whether it has. No email,
    no answers to questions, no needs."""
    live = (select(CheckIn.registration_id)
            .where(CheckIn.event_id == event.id, CheckIn.list_key == checkin_list.key,
                   CheckIn.counts()).subquery())
    rows = db.session.connection().execute(
        select(Registration.badge_token, Registration.name, TicketType.name,
               Registration.organisation, Registration.status, checkin_list.entitled(),
               live.c.registration_id)
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(live, live.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id,
               Registration.status.in_(("confirmed", "cancelled")))
        .order_by(Registration.id))
    registrations = [
        {"badge_sha256": badge_digest(token), "name": name, "ticket_type": ticket,
         "organisation": organisation or "", "status": status, "entitled": bool(entitled),
         "checked_in": checked_in is not None}
        for token, name, ticket, organisation, status, entitled, checked_in in rows]
    return {
        "event": event.slug, "list": checkin_list.as_json(),
        "generated_at": utcnow().isoformat(), "wipe_after": wipe_after.isoformat(),
        "checked_in": sum(1 for r in registrations if r["checked_in"]),
        "expected": sum(1 for r in registrations if r["entitled"]),
        "registrations": registrations,
    }


def wipe_after(event: Event, device: DoorDevice | None = None) -> datetime:
    """When a door must forget what it stored: the end of the day after the event, or the end
    of the device's window if that comes first."""
    end = event.to_utc(event.ends_on + timedelta(days=1), datetime.max.time().replace(
        microsecond=0))
    return min(end, device.valid_until) if device is not None else end


def may_annul(check_in: CheckIn, door: Door) -> bool:
    """The door account or device that made the scan may take it back; an owner or organiser
    of the event (or an administrator) may take back any."""
    if door.device is not None:
        return check_in.device_id == door.device.id
    return may_edit(door.team_role) or check_in.checked_in_by_id == door.user.id


def annul(door: Door, check_in_id: int, reason: str) -> CheckIn:
    """Take a check-in back (a wrong badge, a scan by mistake). The row stays with who annulled
    it and why; the badge can be scanned again. A second annulment of the same check-in, even
    sent at the same instant, is refused: the UPDATE only touches a live row."""
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.event_id != door.event.id:
        raise CheckInError(_l("There is no such check-in at this event."), 404)
    if not may_annul(check_in, door):
        raise CheckInError(_l("Only the door account that scanned the badge, or an organiser, "
                              "can undo this check-in."), 403)
    annulled = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.counts())
        .values(annulled_at=utcnow(), annulled_by_id=door.user.id if door.user else None,
                annulled_by_device_id=door.device.id if door.device else None,
                annul_reason=reason.strip())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(check_in)
    if not annulled:
        raise CheckInError(_l("This check-in has already been undone."), 409)
    return check_in


def conflicts(event: Event) -> list[CheckInConflict]:
    """The event's conflicts, open ones first, newest first."""
    return db.session.scalars(
        select(CheckInConflict).where(CheckInConflict.event_id == event.id)
        .options(joinedload(CheckInConflict.registration),
                 joinedload(CheckInConflict.scan).joinedload(ScanRecord.device),
                 joinedload(CheckInConflict.check_in))
        .order_by(CheckInConflict.resolved_at.is_not(None), CheckInConflict.id.desc())
    ).unique().all()


def resolve(event: Event, conflict_id: int, user, resolution: str) -> CheckInConflict:
    """An organiser's word on a conflict: what happened and what was done. Resolved once."""
    conflict = db.session.get(CheckInConflict, conflict_id)
    if conflict is None or conflict.event_id != event.id:
        raise CheckInError(_l("There is no such conflict at this event."), 404)
    resolved = db.session.execute(
        update(CheckInConflict)
        .where(CheckInConflict.id == conflict.id, CheckInConflict.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=user.id, resolution=resolution.strip())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(conflict)
    if not resolved:
        raise CheckInError(_l("This conflict has already been resolved."), 409)
    return conflict
