"""A participant's course calendar (RFC 5545): one entry per session, each with a UID that
stays for the session's whole life and a SEQUENCE raised whenever its time or place changes,
so calendar programs move the entry instead of adding one."""

from datetime import datetime

from flask_babel import gettext as _

from app.events.models import Event
from app.i18n import localized
from app.mail.render import absolute_url
from app.programme.exports import CalendarEntry, entries_calendar, entry_uid

from .models import CourseSession


def session_uid(session: CourseSession) -> str:
    """The one place a session's calendar UID is made: every calendar and email uses it."""
    return entry_uid("session", session.id)


def session_title(event: Event, session: CourseSession, number: int) -> str:
    title = str(localized(session, "title")) or _("Session %(number)d", number=number)
    return f"{localized(event, 'name')}: {title}"


def session_entry(event: Event, session: CourseSession, number: int) -> CalendarEntry:
    """One session as the programme's calendar writes it (app/programme/exports.py owns
    the VCALENDAR, SEQUENCE and DTSTAMP of every entry of an event)."""
    place = session.place or ", ".join(p for p in (event.venue, event.city) if p)
    if session.online_url and not session.place:
        place = session.online_url
    lines = []
    if session.leader_name:
        lines.append(_("Course leader: %(name)s", name=session.leader_name))
    if session.online_url:
        lines.append(_("Online: %(url)s", url=session.online_url))
    return CalendarEntry(
        uid=session_uid(session), title=session_title(event, session, number),
        starts_at=session.starts_at, ends_at=session.ends_at, location=place,
        description="\n".join(lines), own_changes=session.sequence,
        url=session.online_url or absolute_url("events.show", slug=event.slug))


def session_entries(event: Event, sessions: list[CourseSession]) -> list[CalendarEntry]:
    return [session_entry(event, session, number)
            for number, session in enumerate(sessions, start=1)]


def course_calendar(event: Event, sessions: list[CourseSession],
                    now: datetime | None = None) -> bytes:
    """Every session of the course, with the event's time zone."""
    return entries_calendar(event, session_entries(event, sessions),
                            name=str(localized(event, "name")), now=now)
