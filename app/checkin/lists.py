"""The door's lists: finding a person without their badge, who is still missing, and live
counts. A narrow select of the event's registrations is matched in Python (5,000 rows answer
in a few milliseconds), so the search forgives case and accents the same on every database.

Door staff see what identifies a person, never their dietary or accessibility answers, and
their email only partly."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select

from app.accounts.models import User
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.registration.models import Registration
from app.tickets.models import TicketType

from .devices import DoorDevice
from .models import ENTRANCE, CheckIn

MAX_RESULTS = 20
# A lapsed card hold was never a registration; the door has nothing to say about it.
SHOWN_STATUSES = ("confirmed", "pending", "cancelled")
_STATUS_ORDER = {"confirmed": 0, "pending": 1, "cancelled": 2}


def live_check_ins(list_key: str = ENTRANCE):
    """The select of a list's check-ins that count (the entrance's unless told)."""
    return select(CheckIn).where(CheckIn.counts(), CheckIn.list_key == list_key)


# Every combining mark (they all lie below U+20000), for str.translate to drop in one pass.
_MARKS = dict.fromkeys(cp for cp in range(0x20000) if unicodedata.combining(chr(cp)))


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Text as the search compares it: "Öström" and "ostrom", "Åsa" and "asa" are equal.
    Remembered, as the door searches the same people all day."""
    return unicodedata.normalize("NFKD", text or "").translate(_MARKS).casefold()


def mask_email(email: str) -> str:
    """Enough of an address to tell two namesakes apart (al…@example.org), not to write to."""
    local, _, domain = email.partition("@")
    return f"{local[:2] if len(local) > 2 else local[:1]}…@{domain}"


def surname(name: str) -> str:
    words = name.split()
    return fold(words[-1]) if words else ""


@dataclass
class DoorRow:
    """One registration as the door sees it."""

    id: int
    name: str
    email: str
    organisation: str
    order_code: str
    ticket: str
    status: str  # confirmed, pending or cancelled
    checked_in_at: datetime | None  # event-local time of the live check-in

    @property
    def door_status(self) -> str:
        if self.status == "confirmed":
            return "checked_in" if self.checked_in_at else "not_yet"
        return self.status

    @property
    def masked_email(self) -> str:
        return mask_email(self.email)

    def matches(self, words: list[str]) -> bool:
        haystack = fold(" ".join((self.name, self.email, self.organisation, self.order_code)))
        return all(word in haystack for word in words)

    def as_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "email": self.masked_email,
            "organisation": self.organisation, "ticket": self.ticket,
            "status": self.door_status,
            "checked_in_at": self.checked_in_at.strftime("%H:%M") if self.checked_in_at else None,
        }


def _rows(event: Event, statuses=SHOWN_STATUSES) -> list[DoorRow]:
    live = live_check_ins().where(CheckIn.event_id == event.id).subquery()
    query = (
        select(Registration.id, Registration.name, Registration.email,
               Registration.organisation, Order.code, TicketType.name, Registration.status,
               live.c.checked_in_at)
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(Order, Order.id == Registration.order_id)
        .outerjoin(live, live.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses))
    )
    return [
        DoorRow(id_, name, email, organisation or "", code or "", ticket, status,
                event.local(at) if at else None)
        # Core rows: the ORM's per-row bookkeeping would cost more than the matching.
        for id_, name, email, organisation, code, ticket, status, at
        in db.session.connection().execute(query)
    ]


def search_words(query: str) -> list[str]:
    return fold(query).split()


def search(event: Event, query: str) -> tuple[list[DoorRow], int]:
    """At most MAX_RESULTS registrations of the event matching every word of the query in the
    name, email, organisation or order code, confirmed first; and how many matched in all."""
    words = search_words(query)
    if not words:
        return [], 0
    found = [row for row in _rows(event) if row.matches(words)]
    found.sort(key=lambda row: (_STATUS_ORDER[row.status], fold(row.name)))
    return found[:MAX_RESULTS], len(found)


def missing(event: Event, query: str = "") -> tuple[list[DoorRow], int]:
    """The confirmed who have not come through the door, by surname, filtered by the query;
    and how many are missing in all."""
    everyone = [row for row in _rows(event, ("confirmed",)) if row.checked_in_at is None]
    words = search_words(query)
    shown = [row for row in everyone if row.matches(words)]
    shown.sort(key=lambda row: (surname(row.name), fold(row.name)))
    return shown, len(everyone)


def door_registration(event: Event, registration_id: int) -> Registration | None:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return None
    return registration


@dataclass
class Counts:
    checked_in: int
    expected: int
    doors: list[tuple[str, int]]  # door account's name, check-ins, most first
    quarters: list[tuple[datetime, int]]  # event-local start of the quarter hour, check-ins

    def as_json(self) -> dict:
        return {
            "checked_in": self.checked_in, "expected": self.expected,
            "doors": [{"name": name, "count": count} for name, count in self.doors],
            "quarters": [{"day": start.date().isoformat(), "start": start.strftime("%H:%M"),
                          "count": count} for start, count in self.quarters],
        }


def quarter_of(local: datetime) -> datetime:
    return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)


def counts(event: Event, unknown_door: str) -> Counts:
    """Checked in of expected, per door account or device and per quarter hour of the event's
    clock."""
    live = live_check_ins().where(CheckIn.event_id == event.id).subquery()
    expected = db.session.scalar(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    )
    doors = db.session.execute(
        select(func.coalesce(User.name, DoorDevice.name), func.count())
        .select_from(live).outerjoin(User, User.id == live.c.checked_in_by_id)
        .outerjoin(DoorDevice, DoorDevice.id == live.c.device_id)
        .group_by(live.c.checked_in_by_id, User.name, live.c.device_id, DoorDevice.name)
    ).all()
    per_quarter: dict[datetime, int] = {}
    for at in db.session.scalars(select(live.c.checked_in_at)):
        start = quarter_of(event.local(at))
        per_quarter[start] = per_quarter.get(start, 0) + 1
    return Counts(
        checked_in=sum(per_quarter.values()), expected=expected,
        doors=sorted(((name or unknown_door, count) for name, count in doors),
                     key=lambda door: (-door[1], door[0])),
        quarters=sorted(per_quarter.items()),
    )

