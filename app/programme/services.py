"""Programme rules: when items may be placed, and what a change means for the people affected."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app import signals
from app.audit.services import record
from app.errors import Refusal
from app.events.models import Event, Room
from app.extensions import db
from app.speakers.models import Speaker, SpeakerSlot

from .models import ProgrammeItem


class ProgrammeError(Refusal):
    """A placement that cannot be stored; field names the form field the message belongs to."""

    status = 400

    def __init__(self, message, field: str = "end"):
        super().__init__(message)
        self.field = field


@dataclass
class ItemPlacement:
    day: date
    start: time
    end: time
    room: Room | None


def items_for(event: Event, include_cancelled: bool = False) -> list[ProgrammeItem]:
    """The whole programme in one query per relation, however many items it has."""
    query = (
        select(ProgrammeItem)
        .where(ProgrammeItem.event_id == event.id)
        .options(
            selectinload(ProgrammeItem.room),
            selectinload(ProgrammeItem.slots).selectinload(SpeakerSlot.speaker),
        )
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.room_id, ProgrammeItem.id)
    )
    if not include_cancelled:
        query = query.where(ProgrammeItem.cancelled.is_(False))
    return list(db.session.scalars(query))


def by_day(event: Event, items: list[ProgrammeItem]) -> list[tuple[date, list[ProgrammeItem]]]:
    days = {day: [] for day in event.days}
    for item in items:
        days.setdefault(event.local_day(item.starts_at), []).append(item)
    return [(day, entries) for day, entries in days.items() if entries]


def _off_step(at: time, step: int) -> bool:
    return bool((at.hour * 60 + at.minute) % step or at.second or at.microsecond)


def _step_error(at: time, step: int, field: str) -> ProgrammeError:
    minutes = at.hour * 60 + at.minute
    before = minutes - minutes % step
    after = before + step

    def hhmm(total: int) -> str:
        total %= 24 * 60
        return f"{total // 60:02d}:{total % 60:02d}"

    return ProgrammeError(
        _l("%(time)s is not on this event's %(step)d-minute step; try %(before)s or %(after)s.",
           time=at.strftime("%H:%M"), step=step, before=hhmm(before), after=hhmm(after)),
        field=field,
    )


def place(event: Event, placement: ItemPlacement) -> tuple[datetime, datetime]:
    """Turn a day and wall-clock times into stored instants, refusing impossible ones."""
    if placement.day not in event.days:
        raise ProgrammeError(_l("The day must be one of the event's days."), field="day")
    step = event.time_step_minutes or 5
    for field, at in (("start", placement.start), ("end", placement.end)):
        if _off_step(at, step):
            raise _step_error(at, step, field)
    if placement.end <= placement.start:
        raise ProgrammeError(_l("The item must end after it starts."))
    if placement.room is not None and placement.room.event_id != event.id:
        raise ProgrammeError(_l("The room does not belong to this event."), field="room")
    day = placement.day
    starts_at, ends_at = event.to_utc(day, placement.start), event.to_utc(day, placement.end)
    # One day, end after start on the clock: an item cannot run past midnight. A clock time
    # skipped when summer time begins could still turn the instants round, so check them too.
    if ends_at <= starts_at or event.local_day(ends_at) != day:
        raise ProgrammeError(_l("The item must end after it starts, on the same day."))
    return starts_at, ends_at


@dataclass(frozen=True)
class Conflict:
    """Another item the placement overlaps: in the same room, or with one of the same speakers.
    Or ("capacity") a sign-up item whose seats do not fit: then `other` is the item itself,
    `taken` its sign-ups (or the sign-ups its limit allows), `seats` what holds them and
    `room` the room, when it is the room that is too small."""

    kind: str  # "room", "speaker" or "capacity"
    other: ProgrammeItem
    speaker: Speaker | None = None
    taken: int = 0
    seats: int = 0
    room: Room | None = None
    allowed: bool = False  # capacity: taken is the limit set for sign-ups, not sign-ups made

    @property
    def key(self) -> tuple[str, int | None, int | None]:
        return self.kind, self.other.id, self.speaker.id if self.speaker else None

    @property
    def explanation(self) -> str:
        """A capacity conflict in words (room and speaker clashes are put in the templates)."""
        title = self.other.title
        if self.allowed:
            return _l("“%(title)s” lets %(taken)d sign up, but %(room)s holds %(seats)d",
                      title=title, taken=self.taken, room=self.room.name, seats=self.seats)
        if self.room is not None:
            return _l("%(room)s holds %(seats)d, but %(taken)d have signed up for “%(title)s”",
                      room=self.room.name, seats=self.seats, taken=self.taken, title=title)
        return _l("%(taken)d have signed up for “%(title)s”, more than its %(seats)d seats",
                  taken=self.taken, title=title, seats=self.seats)


def capacity_conflict(item: ProgrammeItem | None, room: Room | None, signup_required: bool,
                      signup_capacity: int | None, title: str = "") -> Conflict | None:
    """A workshop with more sign-ups than its room holds or its limit allows, or a limit above
    what the room holds, as the item would be placed (item None: a new item, no sign-ups yet).
    No queries: it reads the item's counter and the room given."""
    if not signup_required or (item is not None and item.cancelled):
        return None
    subject = item if item is not None else ProgrammeItem(title=title)
    taken = subject.signups_taken or 0
    room_seats = room.capacity if room is not None else None
    if room_seats is not None and taken > room_seats:
        return Conflict("capacity", subject, taken=taken, seats=room_seats, room=room)
    if signup_capacity is not None and taken > signup_capacity:
        return Conflict("capacity", subject, taken=taken, seats=signup_capacity)
    if room_seats is not None and signup_capacity is not None and signup_capacity > room_seats:
        return Conflict("capacity", subject, taken=signup_capacity, seats=room_seats, room=room,
                        allowed=True)
    return None


def conflicts_for(
    event: Event, starts_at: datetime, ends_at: datetime, room: Room | None,
    speaker_ids: Iterable[int], exclude_item_id: int | None = None,
) -> list[Conflict]:
    """What a placement would clash with, in a fixed number of queries however big the programme.

    Two items overlap when each starts before the other ends (end-to-start touching is fine).
    Cancelled items and slots a speaker has declined never clash; an item without a room never
    clashes on room."""
    speaker_ids = set(speaker_ids or ())
    room_id = room.id if room is not None else None
    if room_id is None and not speaker_ids:
        return []
    clash = []
    if room_id is not None:
        clash.append(ProgrammeItem.room_id == room_id)
    if speaker_ids:
        clash.append(ProgrammeItem.id.in_(
            select(SpeakerSlot.item_id).where(
                SpeakerSlot.speaker_id.in_(speaker_ids), SpeakerSlot.state != "declined"
            )
        ))
    query = (
        select(ProgrammeItem)
        .where(
            ProgrammeItem.event_id == event.id,
            ProgrammeItem.cancelled.is_(False),
            ProgrammeItem.starts_at < ends_at,
            ProgrammeItem.ends_at > starts_at,
            or_(*clash),
        )
        .options(
            selectinload(ProgrammeItem.room),
            selectinload(ProgrammeItem.slots).selectinload(SpeakerSlot.speaker),
        )
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    )
    if exclude_item_id is not None:
        query = query.where(ProgrammeItem.id != exclude_item_id)
    conflicts = []
    for other in db.session.scalars(query):
        if room_id is not None and other.room_id == room_id:
            conflicts.append(Conflict("room", other))
        for slot in other.slots:
            if slot.speaker_id in speaker_ids and slot.state != "declined":
                conflicts.append(Conflict("speaker", other, slot.speaker))
    return conflicts


def conflicts_to_confirm(
    event: Event, placement: ItemPlacement, speaker_ids: set[int],
    item: ProgrammeItem | None = None, signup: tuple[bool, int | None] | None = None,
    title: str = "",
) -> list[Conflict]:
    """The clashes an organiser must confirm before this placement is stored.

    `signup` is (sign-up required, sign-up capacity) as the item is to be saved; None keeps the
    item's own (a move in the grid). A cancelled item clashes with nothing. When editing,
    clashes the item already had (so were confirmed before) do not ask again; a change that
    adds one does, and then all are listed."""
    if item is not None and item.cancelled:
        return []
    starts_at, ends_at = place(event, placement)
    exclude = item.id if item is not None else None
    conflicts = conflicts_for(
        event, starts_at, ends_at, placement.room, speaker_ids, exclude_item_id=exclude
    )
    if signup is None:
        signup = (item.signup_required, item.signup_capacity) if item is not None else (
            False, None)
    crowded = capacity_conflict(item, placement.room, *signup, title=title)
    if crowded is not None:
        conflicts.append(crowded)
    if conflicts and item is not None:
        current = {slot.speaker_id for slot in item.slots if slot.state != "declined"}
        before = {c.key for c in conflicts_for(
            event, item.starts_at, item.ends_at, item.room, current, exclude_item_id=item.id
        )}
        if capacity_conflict(item, item.room, item.signup_required, item.signup_capacity):
            before.add(("capacity", item.id, None))
        if {c.key for c in conflicts} <= before:
            return []
    return conflicts


def conflicts_among(items: Iterable[ProgrammeItem]) -> dict[int, list[Conflict]]:
    """Every clash within a programme already loaded (rooms and slots with it), by item id.

    No queries: it reads only what items_for() loaded. Cancelled items are left out."""
    live = sorted((i for i in items if not i.cancelled), key=lambda i: (i.starts_at, i.id))
    found: dict[int, list[Conflict]] = {}
    running: list[ProgrammeItem] = []

    def speakers(item):
        return {slot.speaker_id: slot.speaker for slot in item.slots if slot.state != "declined"}

    for item in live:
        running = [other for other in running if other.ends_at > item.starts_at]
        mine = speakers(item)
        for other in running:
            theirs = speakers(other)
            if item.room_id is not None and item.room_id == other.room_id:
                found.setdefault(item.id, []).append(Conflict("room", other))
                found.setdefault(other.id, []).append(Conflict("room", item))
            for speaker_id in sorted(mine.keys() & theirs.keys()):
                found.setdefault(item.id, []).append(Conflict("speaker", other, mine[speaker_id]))
                found.setdefault(other.id, []).append(
                    Conflict("speaker", item, mine[speaker_id])
                )
        running.append(item)
        crowded = capacity_conflict(item, item.room, item.signup_required, item.signup_capacity)
        if crowded is not None:
            found.setdefault(item.id, []).append(crowded)
    return found


def create_item(event: Event, *, title, kind, description, placement: ItemPlacement,
                audience: str = "", signup: tuple[bool, int | None] = (False, None),
                english: dict[str, str] | None = None):
    """`english` holds the English texts (title_en, description_en, audience_en) given."""
    starts_at, ends_at = place(event, placement)
    item = ProgrammeItem(
        event=event, title=title, kind=kind, description=description or "",
        starts_at=starts_at, ends_at=ends_at, room=placement.room, audience=audience or "",
        signup_required=bool(signup[0]), signup_capacity=signup[1],
    )
    _set_english(item, english)
    db.session.add(item)
    return item


ENGLISH_FIELDS = ("title_en", "description_en", "audience_en")


def _set_english(item: ProgrammeItem, english: dict[str, str] | None) -> None:
    for name, text in (english or {}).items():
        if name in ENGLISH_FIELDS:
            setattr(item, name, (text or "").strip())


def update_item(item: ProgrammeItem, *, title, kind, description, placement: ItemPlacement,
                audience: str | None = None, signup: tuple[bool, int | None] | None = None,
                english: dict[str, str] | None = None):
    """Apply an edit; a change of time or room is recorded as a pending change, told to the
    people affected when the programme is next published. audience, signup (sign-up
    required, capacity) and the English texts stay as they are when not given (a move in the
    grid)."""
    starts_at, ends_at = place(item.event, placement)
    old = (item.starts_at, item.ends_at, item.room)
    item.title, item.kind, item.description = title, kind, description or ""
    _set_english(item, english)
    if audience is not None:
        item.audience = audience
    if signup is not None:
        item.signup_required, item.signup_capacity = bool(signup[0]), signup[1]
    item.starts_at, item.ends_at, item.room = starts_at, ends_at, placement.room
    moved = (old[0], old[1], old[2] and old[2].id) != (
        starts_at, ends_at, placement.room and placement.room.id
    )
    if moved and not item.cancelled:
        signals.programme_item_moved.send(item, old_starts_at=old[0], old_ends_at=old[1],
                                          old_room=old[2])
    return moved


def cancel_item(item: ProgrammeItem, user=None) -> bool:
    """Cancel the item in the draft (the people affected hear of it when it is published) and
    log who did it."""
    if item.cancelled:
        return False
    item.cancelled = True
    signals.programme_item_cancelled.send(item)
    record(item.event, user, "programme.item_cancelled", {"item": item.title})
    return True


def shift_items(event: Event, days: int) -> int:
    """A postponement moves every item of the event (cancelled ones too) `days` days, each at
    the same wall-clock time. Not a programme change of its own: the postponement tells people
    and moves their calendars. Returns how many moved."""
    items = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id))
    count = 0
    for item in items:
        item.starts_at = event.shifted(item.starts_at, days)
        item.ends_at = event.shifted(item.ends_at, days)
        count += 1
    return count


@signals.event_shifted.connect
def _event_shifted(event, days):
    shift_items(event, days)
