"""The door's lists: finding a person without their badge, who is still missing, and live
counts. Both lists search the registrations' stored folded text in SQL
(app/registration/search.py), so "ostrom" finds "Öström" the same on every database and only
the rows shown leave it.

Door staff see what identifies a person, never their dietary or accessibility answers, and
their email only partly."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from app.accounts.models import User
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.registration import search as registration_search
from app.registration.models import Registration
from app.tickets.models import TicketType

from .checkin_lists import CheckInList, entrance
from .devices import DoorDevice
from .models import ENTRANCE, CheckIn

MAX_RESULTS = 20
# A lapsed card hold was never a registration; the door has nothing to say about it.
SHOWN_STATUSES = ("confirmed", "pending", "cancelled")
_CONFIRMED_FIRST = case({"confirmed": 0, "pending": 1}, value=Registration.status, else_=2)


def live_check_ins(list_key: str = ENTRANCE):
    """The select of a list's check-ins that count (the entrance's unless told)."""
    return select(CheckIn).where(CheckIn.counts(), CheckIn.list_key == list_key)


def mask_email(email: str) -> str:
    """Enough of an address to tell two namesakes apart (al…@example.org), not to write to."""
    local, _, domain = email.partition("@")
    return f"{local[:2] if len(local) > 2 else local[:1]}…@{domain}"


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

    def as_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "email": self.masked_email,
            "organisation": self.organisation, "ticket": self.ticket,
            "status": self.door_status,
            "checked_in_at": self.checked_in_at.strftime("%H:%M") if self.checked_in_at else None,
        }


def _door_rows(event: Event, statuses, *conditions, order_by=(), limit=None):
    """The event's registrations in `statuses` meeting `conditions`, as the door sees them,
    with how many met them in all. The rows are chosen (and counted, before the limit) from
    the registrations alone; only those are joined to their order, ticket and check-in, so a
    search costs the same however many have come in, even before PostgreSQL has statistics
    of a day's check-ins."""
    chosen = (
        select(Registration.id, func.count().over().label("total"))
        .where(Registration.event_id == event.id, Registration.status.in_(statuses),
               *conditions)
        .order_by(*order_by, Registration.id).limit(limit).subquery()
    )
    live = live_check_ins().where(CheckIn.event_id == event.id).subquery()
    query = (
        select(Registration.id, Registration.name, Registration.email,
               Registration.organisation, Order.code, TicketType.name, Registration.status,
               live.c.checked_in_at, chosen.c.total)
        .join(chosen, chosen.c.id == Registration.id)
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(Order, Order.id == Registration.order_id)
        .outerjoin(live, live.c.registration_id == Registration.id)
        .order_by(*order_by, Registration.id)
    )
    rows = db.session.execute(query).all()
    return [
        DoorRow(id_, name, email, organisation or "", code or "", ticket, status,
                event.local(at) if at else None)
        for id_, name, email, organisation, code, ticket, status, at, _total in rows
    ], rows[0][-1] if rows else 0


def search(event: Event, query: str) -> tuple[list[DoorRow], int]:
    """At most MAX_RESULTS registrations of the event matching every word of the query in the
    name, email, organisation or order code, confirmed first, then by name; and how many
    matched in all."""
    matching = registration_search.matching(query)
    if matching is None:
        return [], 0
    return _door_rows(event, SHOWN_STATUSES, matching,
                      order_by=(_CONFIRMED_FIRST, Registration.name_key), limit=MAX_RESULTS)


def missing(event: Event, query: str = "",
            checkin_list: CheckInList | None = None) -> tuple[list[DoorRow], int]:
    """Those entitled to come in through the list (the entrance: every confirmed registration;
    a workshop: those signed up) who have not, by surname, filtered by the query; and how
    many are missing in all."""
    checkin_list = checkin_list or entrance()
    # NOT IN a list PostgreSQL hashes once, rather than NOT EXISTS, which without statistics
    # of the day's check-ins it may plan as a scan of them for every registration.
    not_in = Registration.id.not_in(
        live_check_ins(checkin_list.key).with_only_columns(CheckIn.registration_id)
        .where(CheckIn.event_id == event.id))
    entitled = checkin_list.entitled()
    matching = registration_search.matching(query)
    shown, found = _door_rows(event, ("confirmed",), entitled, not_in,
                              *([matching] if matching is not None else []),
                              order_by=(Registration.surname_key,))
    if matching is None:
        return shown, found
    return shown, db.session.scalar(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, entitled, not_in))


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


def counts(event: Event, unknown_door: str, checkin_list: CheckInList | None = None) -> Counts:
    """Checked in of expected on a list (the entrance unless told), per door account or device
    and per quarter hour of the event's clock."""
    checkin_list = checkin_list or entrance()
    live = live_check_ins(checkin_list.key).where(CheckIn.event_id == event.id).subquery()
    expected = db.session.scalar(
        select(func.count()).select_from(Registration)
        .where(Registration.event_id == event.id, checkin_list.entitled())
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

