"""Check-in lists: where a door checks people in. The event's entrance is one list; a programme
item with sign-ups (a workshop) is another, for which only those signed up are entitled. A
course's session is one too, for which everyone enrolled in the course is entitled; a check-in
there is the session's attendance (app/courses).

A list is named by its key in URLs, the API and the check-in rows: "" for the entrance,
"item:<id>" for a programme item, "session:<id>" for a course session."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from app.courses.models import CourseSession
from app.events.models import Event
from app.extensions import db
from app.programme.models import ProgrammeItem, SessionSignup
from app.registration.models import Registration

from .models import ENTRANCE

ITEM_PREFIX = "item:"
SESSION_PREFIX = "session:"


@dataclass(frozen=True)
class CheckInList:
    key: str
    name: str
    item: ProgrammeItem | None = None
    session: CourseSession | None = None

    @property
    def is_entrance(self) -> bool:
        return self.key == ENTRANCE

    @property
    def needs_signup(self) -> bool:
        return self.item is not None and self.item.signup_required

    def entitled(self):
        """The SQL condition on Registration of who may come in through this list: confirmed,
        and signed up where the item has sign-ups."""
        condition = Registration.status == "confirmed"
        if self.needs_signup:
            condition = condition & exists().where(
                SessionSignup.registration_id == Registration.id,
                SessionSignup.item_id == self.item.id)
        return condition

    def as_json(self) -> dict:
        return {"key": self.key, "name": str(self.name)}


def entrance() -> CheckInList:
    return CheckInList(ENTRANCE, _l("Entrance"))


def item_key(item: ProgrammeItem) -> str:
    return f"{ITEM_PREFIX}{item.id}"


def session_key(session: CourseSession) -> str:
    return f"{SESSION_PREFIX}{session.id}"


def session_list(session: CourseSession, name: str) -> "CheckInList":
    """A course session's list: everyone enrolled (confirmed) may come in."""
    return CheckInList(session_key(session), name, session=session)


def _sessions(event: Event):
    return select(CourseSession).where(CourseSession.event_id == event.id)


def _session_name(event: Event, session: CourseSession) -> str:
    day = event.local(session.starts_at).strftime("%Y-%m-%d %H:%M")
    return f"{session.title} ({day})" if session.title else day


def _items(event: Event):
    return select(ProgrammeItem).where(
        ProgrammeItem.event_id == event.id, ProgrammeItem.signup_required.is_(True),
        ProgrammeItem.cancelled.is_(False))


def lists_of(event: Event) -> list[CheckInList]:
    """The entrance, then each workshop with sign-ups and each course session, in the order
    they happen."""
    items = db.session.scalars(_items(event).order_by(ProgrammeItem.starts_at,
                                                      ProgrammeItem.id))
    sessions = db.session.scalars(_sessions(event).order_by(CourseSession.starts_at,
                                                            CourseSession.id))
    later = [(item.starts_at, CheckInList(item_key(item), item.title, item)) for item in items]
    later += [(session.starts_at, session_list(session, _session_name(event, session)))
              for session in sessions]
    return [entrance()] + [found for _at, found in sorted(later, key=lambda pair: pair[0])]


def by_key(event: Event, key: str | None) -> CheckInList | None:
    """The list a key names at this event, or None for a key no list of it has."""
    key = (key or "").strip()
    if key == ENTRANCE:
        return entrance()
    if key.startswith(SESSION_PREFIX):
        number = key.removeprefix(SESSION_PREFIX)
        if not number.isdigit() or len(number) > 12:
            return None
        session = db.session.scalar(_sessions(event).where(CourseSession.id == int(number)))
        return session_list(session, _session_name(event, session)) if session else None
    number = key.removeprefix(ITEM_PREFIX)
    if not key.startswith(ITEM_PREFIX) or not number.isdigit() or len(number) > 12:
        return None
    item = db.session.scalar(_items(event).where(ProgrammeItem.id == int(number)))
    return CheckInList(key, item.title, item) if item is not None else None


def expected(event: Event, checkin_list: CheckInList):
    """The SQL count of who is entitled to come in through the list."""
    return (select(func.count()).select_from(Registration)
            .where(Registration.event_id == event.id, checkin_list.entitled())
            .scalar_subquery())
