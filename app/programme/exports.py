"""The programme in formats other programs read: iCalendar (RFC 5545), the Frab/pretalx
schedule.json (as the c3voc schema defines it) and CSV for spreadsheets. No request in sight:
links are absolute, built from BASE_URL.

The public formats (iCalendar and schedule.json) are made from the published programme
(app.programme.published); before the first publish they are empty but valid. The CSV is the
organiser's working copy, made from the draft, so it can be edited and imported again."""

import csv
import hashlib
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.events.models import Event
from app.events.services import slugify
from app.extensions import db
from app.installation import uid_domain
from app.mail.render import absolute_url
from app.notices.models import Notice, ProgrammeVersion
from app.spreadsheets import cell

from . import services
from .models import ProgrammeItem
from .published import published_programme

PRODID = "-//Samla//Samla programme//EN"
SCHEMA_ID = "https://c3voc.de/schedule/schema.json"
CSV_COLUMNS = ("day", "start", "end", "room", "kind", "title", "speakers", "description", "status")


# --- shared pieces ------------------------------------------------------------------------------

def item_uid(item: ProgrammeItem) -> str:
    """Stable for the item's whole life, whatever BASE_URL says, so calendars update an entry
    instead of adding one."""
    return f"item-{item.id}@{uid_domain()}"


def _guid(name: str) -> str:
    """schedule.json wants UUIDs: made from the same stable names as the UIDs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}@{uid_domain()}"))


def item_guid(item: ProgrammeItem) -> str:
    return _guid(f"item-{item.id}")


def programme_url(event: Event) -> str:
    return absolute_url("programme.public", slug=event.slug)


def item_url(item: ProgrammeItem, event: Event | None = None) -> str:
    return f"{programme_url(event or item.event)}#item-{item.id}"


def speaker_line(speaker) -> str:
    text = speaker.name
    if speaker.role_title:
        text += f", {speaker.role_title}"
    if speaker.organisation:
        text += f" ({speaker.organisation})"
    return text


def location(event: Event, item: ProgrammeItem) -> str:
    parts = [item.room.name if item.room else "", event.venue, event.city]
    return ", ".join(part for part in parts if part)


# --- iCalendar ----------------------------------------------------------------------------------

# Published changes of these kinds raise an item's SEQUENCE; announcing a new item does not.
SEQUENCE_KINDS = ("moved", "cancelled", "speakers")


def sequences(event: Event) -> tuple[dict[int, int], datetime | None]:
    """Each item's SEQUENCE (how many of its changes have been published) and when the latest
    version was published, in ONE grouped query however many items the event has. Pending
    changes count for nothing until they are published."""
    rows = db.session.execute(
        select(
            Notice.item_id,
            func.sum(case((Notice.kind.in_(SEQUENCE_KINDS), 1), else_=0)),
            func.max(ProgrammeVersion.published_at),
        )
        .join(ProgrammeVersion, ProgrammeVersion.id == Notice.version_id)
        .where(Notice.event_id == event.id)
        .group_by(Notice.item_id)
    ).all()
    counts = {item_id: int(number or 0) for item_id, number, _at in rows if item_id is not None}
    stamps = [at for _id, _number, at in rows if at is not None]
    return counts, max(stamps, default=None)


def ical(event: Event, now: datetime | None = None) -> bytes:
    """The whole published programme, cancelled items included (STATUS:CANCELLED), so a
    calendar that imported an item before learns that it will not take place. Before the first
    publish: a valid calendar without events."""
    items = published_programme(event).items
    return calendar(event, items, name=event.name, now=now)


def calendar(event: Event, items, *, name: str, now: datetime | None = None,
             method: str = "PUBLISH", versions: tuple[dict[int, int], datetime | None]
             | None = None, organizer: tuple[str, str] | None = None,
             attendee: str | None = None) -> bytes:
    """A VCALENDAR of some of the event's items (published items, or live ones loaded with
    their rooms and slots: both have the same attributes). Every
    item is written the same way whichever calendar it is in, with the same UID and SEQUENCE
    (the number of its published changes), so the whole-event calendar, an attendee's own one
    and the updates sent by email agree. DTSTAMP is when the latest version was published (now
    if none was), so a client sees a newer copy after each publish. `versions` is what
    sequences() gives, when the caller has it already. With no items it still carries the
    event's VTIMEZONE: RFC 5545 wants at least one component in a calendar.

    method="CANCEL" (with organizer=(name, address) and the attendee's address, as RFC 5546
    wants) is the update that makes a calendar client remove the items."""
    counts, published_at = versions if versions is not None else sequences(event)
    stamp = (published_at or now or datetime.now(UTC)).astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", event.timezone)
    if event.description:
        cal.add("x-wr-caldesc", event.description)
    url = programme_url(event)
    for item in items:
        entry = _vevent(event, item, stamp=stamp, url=url,
                        sequence=counts.get(item.id, 0))
        if organizer is not None:
            organizer_name, address = organizer
            entry.add("organizer", f"mailto:{address}",
                      parameters={"CN": organizer_name} if organizer_name else None)
        if attendee:
            entry.add("attendee", f"mailto:{attendee}")
        cal.add_component(entry)
    # The zone's rules around the event, not since 1970: a few lines instead of hundreds.
    first_date = event.starts_on - timedelta(days=366)
    last_date = event.ends_on + timedelta(days=366)
    if items:
        cal.add_missing_timezones(first_date=first_date, last_date=last_date)
    else:
        cal.add_component(icalendar.Timezone.from_tzid(
            event.timezone, first_date=first_date, last_date=last_date
        ))
    return cal.to_ical()


def _vevent(event: Event, item: ProgrammeItem, *, stamp: datetime, url: str,
            sequence: int = 0) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", item_uid(item))
    entry.add("dtstamp", stamp)
    entry.add("dtstart", event.local(item.starts_at))
    entry.add("dtend", event.local(item.ends_at))
    entry.add("summary", item.title)
    place = location(event, item)
    if place:
        entry.add("location", place)
    description = _description(item)
    if description:
        entry.add("description", description)
    entry.add("categories", [item.kind])
    entry.add("sequence", sequence)
    entry.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    entry.add("url", f"{url}#item-{item.id}")
    entry.add("created", item.created_at.astimezone(UTC))
    entry.add("last-modified", item.updated_at.astimezone(UTC))
    return entry


def _description(item: ProgrammeItem) -> str:
    parts = [item.description.strip()] if item.description.strip() else []
    speakers = item.announced_speakers  # a live item (emails) also has speakers not yet public
    if speakers:
        parts.append(_("Speakers") + ": " + "; ".join(speaker_line(s) for s in speakers))
    if item.cancelled:
        parts.insert(0, _("Cancelled"))
    return "\n\n".join(parts)


# --- schedule.json (Frab / pretalx, c3voc schema) -----------------------------------------------

def _acronym(event: Event) -> str:
    """The schema wants ^[a-z0-9_-][a-z0-9_]{3,}...: the slug with underscores for hyphens."""
    text = re.sub(r"[^a-z0-9_]", "_", event.slug.lower())
    return text if len(text) >= 4 else f"{text}_{event.id:04d}"


def _item_slug(event: Event, item: ProgrammeItem) -> str:
    text = re.sub(r"[^a-z0-9_-]", "-", f"{event.slug}-{item.id}-{slugify(item.title)}")
    return text.strip("-_") or f"item-{item.id}"


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room_name(event: Event, room) -> str:
    """Items without a room take place at the venue as a whole (lunch, say)."""
    return room.name if room is not None else event.venue or _("No room")


def _person(speaker) -> dict:
    # pretalx-style (name), not frab-style (public_name + id): the schema's oneOf accepts a
    # person that is one or the other, never both.
    return {
        "guid": _guid(f"speaker-{speaker.id}"),
        "name": speaker.name,
        "biography": speaker.bio or None,
    }


def _schedule_event(event: Event, item: ProgrammeItem, language: str) -> dict:
    starts, ends = event.local(item.starts_at), event.local(item.ends_at)
    return {
        "guid": item_guid(item),
        "id": item.id,
        "date": starts.isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.isoformat(),
        "duration": _hhmm(item.ends_at - item.starts_at),
        "room": _room_name(event, item.room),
        "slug": _item_slug(event, item),
        "url": item_url(item, event),
        "title": item.title,
        "subtitle": "",
        "track": None,
        "type": item.kind,
        "language": language,
        "abstract": item.description,
        "description": "",
        "recording_license": "",
        "do_not_record": None,
        "persons": [_person(s) for s in item.announced_speakers],
        "links": [],
        "attachments": [],
    }


def _schedule_room(room) -> dict:
    return {"name": room.name,
            "guid": _guid(f"room-{room.id}"),
            "capacity": room.capacity, "description": room.accessibility_notes or None}


def schedule(event: Event) -> dict:
    """The published programme. Cancelled items are left out: frab and pretalx publish only
    what takes place. The rooms are those of the published version."""
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    programme = published_programme(event)
    items = programme.taking_place()
    room_names = [room.name for room in programme.rooms]
    rooms = [_schedule_room(room) for room in programme.rooms]
    for item in items:  # a room that is gone from the list still names its items' place
        if item.room is not None and item.room.name not in room_names:
            room_names.append(item.room.name)
            rooms.append(_schedule_room(item.room))
    if any(item.room is None for item in items):
        name = _room_name(event, None)
        if name not in room_names:
            room_names.append(name)
            rooms.append({"name": name, "guid": _guid(f"room-none-{event.id}")})
    by_day: dict[date, list] = {day: [] for day in event.days}
    for item in items:
        by_day.setdefault(event.local_day(item.starts_at), []).append(item)
    days = []
    for index, (day, entries) in enumerate(sorted(by_day.items()), start=1):
        midnight = event.local(event.to_utc(day, time(0)))
        next_midnight = event.local(event.to_utc(day + timedelta(days=1), time(0)))
        day_start = min((event.local(i.starts_at) for i in entries), default=midnight)
        day_end = max((event.local(i.ends_at) for i in entries), default=next_midnight)
        day_rooms: dict[str, list[dict]] = {name: [] for name in room_names}
        for item in entries:
            day_rooms[_room_name(event, item.room)].append(_schedule_event(event, item, language))
        days.append({"index": index, "date": day.isoformat(), "day_start": day_start.isoformat(),
                     "day_end": day_end.isoformat(), "rooms": day_rooms})
    conference = {
        "acronym": _acronym(event),
        "title": event.name,
        "description": event.description,
        "start": event.starts_on.isoformat(),
        "end": event.ends_on.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": "00:05",
        "time_zone_name": event.timezone,
        "url": programme_url(event),
        "rooms": rooms,
        "days": days,
    }
    version = hashlib.sha256(
        json.dumps(conference, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:12]
    return {
        "$schema": SCHEMA_ID,
        "generator": {"name": "Samla"},
        "schedule": {
            "version": version,
            "base_url": current_app.config["BASE_URL"] + "/",
            "conference": conference,
        },
    }


# --- CSV ----------------------------------------------------------------------------------------

def csv_rows(event: Event) -> list[dict]:
    """The draft, as the organiser edits it (the import reads the same columns back)."""
    rows = []
    for item in services.items_for(event, include_cancelled=True):
        starts, ends = event.local(item.starts_at), event.local(item.ends_at)
        rows.append({
            "day": starts.date().isoformat(),
            "start": starts.strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
            "room": cell(item.room.name if item.room else ""),
            "kind": item.kind,
            "title": cell(item.title),
            "speakers": cell("; ".join(s.name for s in item.speakers)),
            "description": cell(item.description),
            "status": "cancelled" if item.cancelled else "confirmed",
        })
    return rows


def programme_csv(event: Event) -> bytes:
    """Comma-separated, RFC 4180 quoting, UTF-8 with a byte order mark so Excel reads å, ä, ö."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(csv_rows(event))
    return buffer.getvalue().encode("utf-8-sig")
