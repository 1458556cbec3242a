"""Wall-clock time at an event's place. Samla stores instants in UTC; this is the one module
that turns them into the event's local time and back (through Event.local, Event.today,
Event.local_day and Event.to_utc, and the templates' time filters), so daylight saving time
and midnight are handled the same way everywhere."""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """Pages list hundreds of times in the same few zones: look each up once."""
    return ZoneInfo(name)


def local(instant: datetime, tz: str) -> datetime:
    """A stored (aware) instant as the wall-clock time in the zone `tz`."""
    return instant.astimezone(zone(tz))


def to_utc(day: date, at: time, tz: str) -> datetime:
    """A wall-clock time in the zone `tz` as the instant Samla stores. A time the clocks skip
    or repeat when daylight saving time starts or ends is read as before the change (fold 0)."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)
