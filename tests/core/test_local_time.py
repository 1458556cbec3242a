"""An event's clock: what time and which day it is at the event's place. Samla stores UTC;
Event.local, Event.today, Event.local_day and Event.to_utc (through app/localtime.py) are
the one way to the event's wall clock, so summer time and midnight are right everywhere."""

import ast
from datetime import UTC, date, datetime, time
from pathlib import Path

from app.events.models import Event

APP = Path(__file__).resolve().parents[2] / "app"
STOCKHOLM = Event(timezone="Europe/Stockholm")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def wall_clock(instant: datetime) -> tuple[date, time]:
    local = STOCKHOLM.local(instant)
    return local.date(), local.time()


def test_the_clocks_go_forward_in_stockholm_on_28_march_2027():
    assert wall_clock(utc(2027, 3, 28, 0, 59)) == (date(2027, 3, 28), time(1, 59))
    assert wall_clock(utc(2027, 3, 28, 1, 0)) == (date(2027, 3, 28), time(3, 0))
    assert STOCKHOLM.local(utc(2027, 3, 28, 1, 0)).utcoffset().total_seconds() == 2 * 3600
    # Ten in the morning is an hour earlier in UTC after the change than before it.
    assert STOCKHOLM.to_utc(date(2027, 3, 27), time(10, 0)) == utc(2027, 3, 27, 9, 0)
    assert STOCKHOLM.to_utc(date(2027, 3, 28), time(10, 0)) == utc(2027, 3, 28, 8, 0)


def test_the_clocks_go_back_on_31_october_2027():
    assert wall_clock(utc(2027, 10, 31, 0, 30)) == (date(2027, 10, 31), time(2, 30))
    assert wall_clock(utc(2027, 10, 31, 1, 30)) == (date(2027, 10, 31), time(2, 30))
    assert STOCKHOLM.to_utc(date(2027, 10, 31), time(10, 0)) == utc(2027, 10, 31, 9, 0)


def test_a_wall_clock_time_comes_back_as_typed_on_either_side_of_the_change():
    for day in (date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29), date(2027, 10, 31)):
        for at in (time(0, 0), time(9, 5), time(12, 0), time(23, 59)):
            assert wall_clock(STOCKHOLM.to_utc(day, at)) == (day, at)


def test_the_events_day_turns_at_its_own_midnight_not_at_utc_midnight():
    # Winter (UTC+1): midnight in Stockholm is 23:00 UTC the day before.
    assert STOCKHOLM.today(utc(2027, 3, 17, 22, 59)) == date(2027, 3, 17)
    assert STOCKHOLM.today(utc(2027, 3, 17, 23, 0)) == date(2027, 3, 18)
    # Summer (UTC+2), from the night the clocks went forward: 22:00 UTC.
    assert STOCKHOLM.today(utc(2027, 3, 28, 21, 59)) == date(2027, 3, 28)
    assert STOCKHOLM.today(utc(2027, 3, 28, 22, 0)) == date(2027, 3, 29)
    assert STOCKHOLM.local_day(utc(2027, 3, 28, 22, 0)) == date(2027, 3, 29)
    # Another zone, another midnight.
    assert Event(timezone="Europe/London").today(utc(2027, 3, 17, 23, 0)) == date(2027, 3, 17)


def test_today_without_an_instant_is_the_events_date_now():
    now = datetime.now(UTC)
    assert STOCKHOLM.today() in (STOCKHOLM.today(now), STOCKHOLM.today(datetime.now(UTC)))


# --- one way ----------------------------------------------------------------------------------

# Converting TO UTC (storing an instant, iCalendar's UTC stamps) is not local time: allowed.
# datetime.now(UTC) is UTC too. Everything else about zones goes through app/localtime.py.
OWNER = APP / "localtime.py"


def _is_utc(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "UTC"


def local_time_made_by_hand(path: Path) -> list[str]:
    """ZoneInfo(...), .astimezone(anything but UTC), date.today() and a zone-less
    datetime.now(): the ways of computing a local time or date outside the owner."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value.id if (isinstance(func, ast.Attribute)
                                  and isinstance(func.value, ast.Name)) else ""
        if name == "ZoneInfo":
            found.append(f"{path.name}:{node.lineno} ZoneInfo(")
        elif name == "astimezone" and not (node.args and _is_utc(node.args[0])):
            found.append(f"{path.name}:{node.lineno} .astimezone(")
        elif name == "today" and owner in ("date", "datetime"):
            found.append(f"{path.name}:{node.lineno} {owner}.today()")
        elif name == "now" and owner == "datetime" and not (node.args and _is_utc(node.args[0])):
            found.append(f"{path.name}:{node.lineno} datetime.now()")
    return found


def test_only_app_localtime_turns_instants_into_local_time():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if path == OWNER or "migrations" in path.parts:
            continue
        offenders += [f"{path.relative_to(APP)}: {hit}" for hit in local_time_made_by_hand(path)]
    assert offenders == [], "local time computed outside app/localtime.py:\n" + \
        "\n".join(offenders)


def test_the_check_finds_local_time_made_by_hand(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "moment.astimezone(ZoneInfo(event.timezone))\n"
        "day = date.today()\n"
        "now = datetime.now()\n"
        "stored = moment.astimezone(UTC)\n"
        "stamp = datetime.now(UTC)\n"
    )
    assert len(local_time_made_by_hand(sneaky)) == 4
