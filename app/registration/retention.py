"""When an event's personal data goes by itself: its retention period, in two stages.

An event keeps its sensitive answers `sensitive_retention_days` (30 unless the organiser says
otherwise) and the rest of its personal data `personal_retention_days` (365) after its last
day. A stage falls due at midnight at the event's place when that many whole days have passed
since the event ended: with 30 days, an event ending on 18 March loses its sensitive answers at
the start of 18 April. What each stage deletes is privacy.py's (purge_sensitive, purge).

purge_expired() runs every stage that is due, for every event: hourly from the Celery beat
(task samla.purge_expired_personal_data) or from cron with `flask purge-expired`. Each stage
runs at most once per event, also when the beat and cron run at the same moment: a stage is
claimed by one conditional UPDATE of the event (`... WHERE sensitive_data_purged_at IS NULL`)
in the purge's own transaction, so a second run finds it taken and does nothing. A stage done
by hand (the purge page) counts as done. Nothing here commits: the caller's unit of work does,
one per event (see purge_expired)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db

from . import privacy

SENSITIVE = "sensitive"
PERSONAL = "personal"
DEFAULT_SENSITIVE_DAYS = 30
DEFAULT_PERSONAL_DAYS = 365
MAX_DAYS = 3650


@dataclass(frozen=True)
class Schedule:
    """What the event's page tells the organiser: the days at the event's place each stage
    falls due, and when each happened (None: not yet)."""

    sensitive_on: date
    personal_on: date
    sensitive_done_at: datetime | None
    personal_done_at: datetime | None


@dataclass
class Run:
    done: list[tuple[str, str]] = field(default_factory=list)  # (event slug, stage)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (event slug, error)


def deletion_day(event: Event, days: int) -> date:
    """The day (at the event's place) on which a stage kept `days` days after the event's last
    day falls due, at its first minute."""
    return event.ends_on + timedelta(days=days + 1)


def due_at(event: Event, days: int) -> datetime:
    return event.to_utc(deletion_day(event, days), time(0, 0))


def schedule(event: Event) -> Schedule:
    """No query: everything is on the event's row."""
    return Schedule(
        sensitive_on=deletion_day(event, event.sensitive_retention_days),
        personal_on=deletion_day(event, event.personal_retention_days),
        sensitive_done_at=event.sensitive_data_purged_at,
        personal_done_at=event.personal_data_purged_at,
    )


def _claim(event: Event, column, now: datetime) -> bool:
    """Take a stage of this event for this run; False when another run (or an organiser) has
    already taken it. On PostgreSQL a second run waits on the row and then finds it set."""
    return db.session.execute(
        update(Event).where(Event.id == event.id, column.is_(None)).values({column: now})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def purge_due(event: Event, now: datetime) -> list[str]:
    """Run the stage of the event's retention that is due and has not run, in the caller's
    transaction, logged as done by Samla. When both are due (a long retention shortened, or a
    run missed), the whole purge does both at once. Returns the stages run."""
    personal_days, sensitive_days = event.personal_retention_days, event.sensitive_retention_days
    if event.personal_data_purged_at is None and now >= due_at(event, personal_days):
        if not _claim(event, Event.personal_data_purged_at, now):
            return []
        privacy.purge(event, now, detail={"retention_days": personal_days})
        return [PERSONAL]
    if (event.sensitive_data_purged_at is None and now >= due_at(event, sensitive_days)
            and _claim(event, Event.sensitive_data_purged_at, now)):
        privacy.purge_sensitive(event, now, detail={"retention_days": sensitive_days})
        return [SENSITIVE]
    return []


def _candidates(now: datetime) -> list[int]:
    """Events with a stage left that have ended: the earliest a stage can fall due is midnight
    after the last day at the event's place, which is still on that day's date in UTC in every
    zone east of UTC, and later west of it."""
    return list(db.session.scalars(
        select(Event.id).where(
            Event.ends_on <= now.date(),
            or_(Event.sensitive_data_purged_at.is_(None), Event.personal_data_purged_at.is_(None)),
        ).order_by(Event.id)
    ))


def purge_expired(now: datetime | None = None, unit=None) -> Run:
    """Every stage due now, at every event, each at most once. Each event in a `unit()` of its
    own: the CLI and the beat pass app.database.unit_of_work, so an event's purge is committed
    on its own; without it each event is a savepoint and the caller commits. One that fails
    is undone, logged and reported in Run.failed, and the others go ahead."""
    now = now or utcnow()
    unit = unit or db.session.begin_nested
    run = Run()
    ids = _candidates(now)
    for event_id in ids:
        slug = str(event_id)
        try:
            with unit():
                event = db.session.get(Event, event_id)
                slug = event.slug
                run.done += [(slug, stage) for stage in purge_due(event, now)]
        except Exception as error:  # one event's failure must not keep the others' data
            current_app.logger.exception("purging the personal data of event %s failed", slug)
            run.failed.append((slug, str(error)))
    return run
