"""A participant's course calendar (RFC 5545): one entry per session, each with a UID that
stays for the session's whole life and a SEQUENCE raised whenever its time or place changes,
so calendar programs move the entry instead of adding one."""

from datetime import UTC, datetime, timedelta

import icalendar
from flask_babel import gettext as _

from app.events.models import Event
from app.i18n import localized
from app.installation import uid_domain
from app.mail.render import absolute_url

from .models import CourseSession

PRODID = "-//Samla//Samla courses//EN"


def session_uid(session: CourseSession) -> str:
    """The one place a session's calendar UID is made: every calendar and email uses it."""
    return f"session-{session.id}@{uid_domain()}"


def session_title(event: Event, session: CourseSession, number: int) -> str:
    title = str(localized(session, "title")) or _("Session %(number)d", number=number)
    return f"{event.name}: {title}"


def session_entry(event: Event, session: CourseSession, number: int,
                  stamp: datetime) -> icalendar.Event:
    """One session as a VEVENT (the same in every calendar that holds it)."""
    entry = icalendar.Event()
    entry.add("uid", session_uid(session))
    entry.add("dtstamp", stamp)
    entry.add("dtstart", event.local(session.starts_at))
    entry.add("dtend", event.local(session.ends_at))
    entry.add("summary", session_title(event, session, number))
    place = session.place or ", ".join(p for p in (event.venue, event.city) if p)
    if session.online_url and not session.place:
        place = session.online_url
    if place:
        entry.add("location", place)
    lines = []
    if session.leader_name:
        lines.append(_("Course leader: %(name)s", name=session.leader_name))
    if session.online_url:
        lines.append(_("Online: %(url)s", url=session.online_url))
        entry.add("url", session.online_url)
    else:
        entry.add("url", absolute_url("events.show", slug=event.slug))
    if lines:
        entry.add("description", "\n".join(lines))
    entry.add("sequence", session.sequence)
    entry.add("status", "CONFIRMED")
    entry.add("created", session.created_at.astimezone(UTC))
    entry.add("last-modified", session.updated_at.astimezone(UTC))
    return entry


def course_calendar(event: Event, sessions: list[CourseSession],
                    now: datetime | None = None) -> bytes:
    """Every session of the course, with the event's time zone."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", event.name)
    cal.add("x-wr-timezone", event.timezone)
    for number, session in enumerate(sessions, start=1):
        cal.add_component(session_entry(event, session, number, stamp))
    first = min((s.starts_at for s in sessions), default=datetime.now(UTC))
    last = max((s.ends_at for s in sessions), default=first)
    if sessions:
        cal.add_missing_timezones(first_date=first.date() - timedelta(days=366),
                                  last_date=last.date() + timedelta(days=366))
    else:
        cal.add_component(icalendar.Timezone.from_tzid(
            event.timezone, first_date=first.date() - timedelta(days=366),
            last_date=last.date() + timedelta(days=366)))
    return cal.to_ical()
