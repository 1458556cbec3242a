"""Programme rules: when items may be placed, and what a change means for the people affected."""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.events.models import Event, Room
from app.events.services import local_day, to_utc
from app.extensions import db
from app.speakers.models import SpeakerSlot

from .models import ProgrammeItem


class ProgrammeError(ValueError):
    pass


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
        days.setdefault(local_day(event, item.starts_at), []).append(item)
    return [(day, entries) for day, entries in days.items() if entries]


def place(event: Event, placement: ItemPlacement) -> tuple[datetime, datetime]:
    """Turn a day and wall-clock times into stored instants, refusing impossible ones."""
    if placement.day not in event.days:
        raise ProgrammeError(_l("The day must be one of the event's days."))
    if placement.end <= placement.start:
        raise ProgrammeError(_l("The item must end after it starts."))
    if placement.room is not None and placement.room.event_id != event.id:
        raise ProgrammeError(_l("The room does not belong to this event."))
    day = placement.day
    return to_utc(event, day, placement.start), to_utc(event, day, placement.end)


def create_item(event: Event, *, title, kind, description, placement: ItemPlacement):
    starts_at, ends_at = place(event, placement)
    item = ProgrammeItem(
        event=event, title=title, kind=kind, description=description or "",
        starts_at=starts_at, ends_at=ends_at, room=placement.room,
    )
    db.session.add(item)
    return item


def update_item(item: ProgrammeItem, *, title, kind, description, placement: ItemPlacement):
    """Apply an edit; a change of time or room is reported to everyone affected."""
    from app.notices.services import notify_moved

    starts_at, ends_at = place(item.event, placement)
    old = (item.starts_at, item.ends_at, item.room)
    item.title, item.kind, item.description = title, kind, description or ""
    item.starts_at, item.ends_at, item.room = starts_at, ends_at, placement.room
    moved = (old[0], old[1], old[2] and old[2].id) != (
        starts_at, ends_at, placement.room and placement.room.id
    )
    if moved and not item.cancelled:
        notify_moved(item, old_starts_at=old[0], old_ends_at=old[1], old_room=old[2])
    return moved


def cancel_item(item: ProgrammeItem) -> bool:
    from app.notices.services import notify_cancelled

    if item.cancelled:
        return False
    item.cancelled = True
    notify_cancelled(item)
    return True
