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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.events.models import Event
from app.events.services import slugify
from app.extensions import db
from app.i18n import localized
from app.installation import uid_domain
from app.mail.render import absolute_url
from app.notices.models import Notice, ProgrammeVersion
from app.spreadsheets import cell
from app.validators import one_line

from . import services
from .models import ProgrammeItem
from .published import published_programme

PRODID = "-//Samla//Samla programme//EN"
SCHEMA_ID = "https://c3voc.de/schedule/schema.json"
# The English texts come last: a file from before them still reads, and is still written the same
# up to "status".
CSV_COLUMNS = ("day", "start", "end", "room", "kind", "title", "speakers", "description", "status",
               "title_en", "description_en")


# --- shared pieces ------------------------------------------------------------------------------

def item_uid(item: ProgrammeItem) -> str:
    """Stable for the item's whole life, whatever BASE_URL says, so calendars update an entry
    instead of adding one."""
    return entry_uid("item", item.id)


def _guid(name: str) -> str:
    """schedule.json wants UUIDs: made from the same stable names as the UIDs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}@{uid_domain()}"))


def item_guid(item: ProgrammeItem) -> str:
    return _guid(f"item-{item.id}")


def programme_url(event: Event) -> str:
    return absolute_url("programme.public", slug=event.slug)


def item_url(item: ProgrammeItem, event: Event | None = None) -> str:
    return f"{programme_url(event or item.event)}#item-{item.id}"


# The texts below are in the current locale's language (English where the organiser wrote it,
# Swedish otherwise): callers writing for one person wrap them in force_locale(their language).

def speaker_line(speaker) -> str:
    text = speaker.name
    role = localized(speaker, "role_title")
    if role:
        text += f", {role}"
    if speaker.organisation:
        text += f" ({speaker.organisation})"
    return text


def location(event: Event, item: ProgrammeItem) -> str:
    parts = [localized(item.room, "name") if item.room else "", event.venue, event.city]
    return ", ".join(part for part in parts if part)


# --- iCalendar ----------------------------------------------------------------------------------

# Published changes of these kinds raise an item's SEQUENCE; announcing a new item does not.
SEQUENCE_KINDS = ("moved", "cancelled", "speakers")


def entry_uid(kind: str, entry_id: int) -> str:
    """The UID of one calendar entry of an event: "item-12@<installation>" for a programme
    item, and likewise for other kinds (a course's sessions: entry_uid("session", id)). Stable
    for the entry's whole life, whatever BASE_URL says."""
    return f"{kind}-{entry_id}@{uid_domain()}"


def entry_sequence(event: Event, own_changes: int = 0) -> int:
    """An entry's SEQUENCE: the published changes of the entry itself plus the changes to the
    whole event (each postponement and the cancellation), so a postponed entry's SEQUENCE is
    higher than any copy a calendar has."""
    return own_changes + event.calendar_sequence


def calendar_stamp(event: Event, published_at: datetime | None = None,
                   now: datetime | None = None) -> datetime:
    """DTSTAMP: when the latest change people were told of happened (a publish, a
    postponement, the cancellation); now if none was."""
    stamps = [at for at in (published_at, event.calendar_changed_at) if at is not None]
    return (max(stamps) if stamps else now or datetime.now(UTC)).astimezone(UTC)


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
    publish: a valid calendar without events. In the current locale's language."""
    items = published_programme(event).items
    return calendar(event, items, name=localized(event, "name"), now=now)


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
    stamp = calendar_stamp(event, published_at, now)
    cal = _new_calendar(event, name, method)
    url = programme_url(event)
    for item in items:
        entry = _vevent(event, item, stamp=stamp, url=url,
                        sequence=entry_sequence(event, counts.get(item.id, 0)))
        _add_people(entry, organizer, attendee)
        cal.add_component(entry)
    _add_timezone(cal, event, timed=bool(items))
    return cal.to_ical()


def _new_calendar(event: Event, name: str, method: str,
                  language: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", event.timezone)
    description = localized(event, "description", language)
    if description:
        cal.add("x-wr-caldesc", description)
    return cal


def _add_people(entry: icalendar.Event, organizer: tuple[str, str] | None,
                attendee: str | None) -> None:
    """ORGANIZER and ATTENDEE, which RFC 5546 wants in a cancellation (METHOD:CANCEL)."""
    if organizer is not None:
        organizer_name, address = organizer
        entry.add("organizer", f"mailto:{address}",
                  parameters={"CN": organizer_name} if organizer_name else None)
    if attendee:
        entry.add("attendee", f"mailto:{attendee}")


def _add_timezone(cal: icalendar.Calendar, event: Event, *, timed: bool) -> None:
    """The zone's rules around the event, not since 1970: a few lines instead of hundreds. A
    calendar whose entries have no time still carries the zone: RFC 5545 wants a component."""
    first_date = event.starts_on - timedelta(days=366)
    last_date = event.ends_on + timedelta(days=366)
    if timed:
        cal.add_missing_timezones(first_date=first_date, last_date=last_date)
    else:
        cal.add_component(icalendar.Timezone.from_tzid(
            event.timezone, first_date=first_date, last_date=last_date
        ))


# --- the event as one entry -----------------------------------------------------------------------

def event_uid(event: Event) -> str:
    """The event as a whole, as the confirmation's calendar file adds it; stable like item_uid."""
    return f"event-{event.id}@{uid_domain()}"


def event_times(event: Event) -> tuple[datetime, datetime] | None:
    """When the event begins and ends by its published programme: the first item's start and
    the last one's end (UTC). None before a programme is published or when it is empty."""
    items = published_programme(event, live_speakers=False).taking_place()
    if not items:
        return None
    return min(item.starts_at for item in items), max(item.ends_at for item in items)


def event_place(event: Event) -> str:
    """The venue, its street address and the city, on one line (a calendar's LOCATION)."""
    address = [line.strip() for line in event.venue_address.splitlines()]
    parts = [event.venue, *address]
    if event.city and not any(event.city in line for line in address):
        parts.append(event.city)
    return ", ".join(part for part in parts if part)


def event_entry(event: Event, *, language: str, url: str,
                times: tuple[datetime, datetime] | None = None,
                now: datetime | None = None) -> bytes:
    """A calendar with the event as ONE entry, in `language`, for a person to add to their own
    calendar: timed by the programme (`times`, as event_times gives them) or, without one, the
    event's days as a whole-day entry. `url` is where the entry links to (the person's own
    page, or the event's)."""
    # A name stored with a line break (before the forms refused them) is one line here.
    title = one_line(localized(event, "name", language))
    cal = _new_calendar(event, title, "PUBLISH", language)
    entry = icalendar.Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", calendar_stamp(event, None, now))
    if times is not None:
        entry.add("dtstart", event.local(times[0]))
        entry.add("dtend", event.local(times[1]))
    else:
        entry.add("dtstart", event.starts_on)
        entry.add("dtend", event.ends_on + timedelta(days=1))
    entry.add("summary", title)
    place = event_place(event)
    if place:
        entry.add("location", place)
    description = "\n\n".join(text for text in (
        localized(event, "arrival_info", language).strip(), url) if text)
    entry.add("description", description)
    entry.add("url", url)
    entry.add("sequence", entry_sequence(event))
    entry.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    cal.add_component(entry)
    _add_timezone(cal, event, timed=times is not None)
    return cal.to_ical()


def _vevent(event: Event, item: ProgrammeItem, *, stamp: datetime, url: str,
            sequence: int = 0) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", item_uid(item))
    entry.add("dtstamp", stamp)
    entry.add("dtstart", event.local(item.starts_at))
    entry.add("dtend", event.local(item.ends_at))
    entry.add("summary", localized(item, "title"))
    place = location(event, item)
    if place:
        entry.add("location", place)
    description = _description(item)
    if description:
        entry.add("description", description)
    entry.add("categories", [item.kind])
    entry.add("sequence", sequence)
    entry.add("status", "CANCELLED" if item.cancelled or event.is_cancelled else "CONFIRMED")
    entry.add("url", f"{url}#item-{item.id}")
    entry.add("created", item.created_at.astimezone(UTC))
    entry.add("last-modified", item.updated_at.astimezone(UTC))
    return entry


@dataclass(frozen=True)
class CalendarEntry:
    """One calendar entry of an event that is not a programme item (a course's session, say),
    as its area describes it: uid from entry_uid(), own_changes how many changes of it people
    were told of (entry_sequence adds the event's)."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    own_changes: int = 0
    cancelled: bool = False
    url: str = ""


def entries_calendar(event: Event, entries, *, name: str, method: str = "PUBLISH",
                     organizer: tuple[str, str] | None = None,
                     attendee: str | None = None, now: datetime | None = None) -> bytes:
    """A VCALENDAR of CalendarEntry rows, written as calendar() writes programme items (the
    event's time zone, SEQUENCE by entry_sequence, DTSTAMP by calendar_stamp)."""
    cal = _new_calendar(event, name, method)
    stamp = calendar_stamp(event, None, now)
    for item in entries:
        entry = icalendar.Event()
        entry.add("uid", item.uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.local(item.starts_at))
        entry.add("dtend", event.local(item.ends_at))
        entry.add("summary", item.title)
        if item.location:
            entry.add("location", item.location)
        if item.description:
            entry.add("description", item.description)
        entry.add("sequence", entry_sequence(event, item.own_changes))
        cancelled = item.cancelled or event.is_cancelled or method == "CANCEL"
        entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if item.url:
            entry.add("url", item.url)
        _add_people(entry, organizer, attendee)
        cal.add_component(entry)
    cal.add_missing_timezones(first_date=event.starts_on - timedelta(days=366),
                              last_date=event.ends_on + timedelta(days=366))
    return cal.to_ical()


def _description(item: ProgrammeItem) -> str:
    text = localized(item, "description").strip()
    parts = [text] if text else []
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
    return localized(room, "name") if room is not None else event.venue or _("No room")


def _person(speaker) -> dict:
    # pretalx-style (name), not frab-style (public_name + id): the schema's oneOf accepts a
    # person that is one or the other, never both.
    return {
        "guid": _guid(f"speaker-{speaker.id}"),
        "name": speaker.name,
        "biography": localized(speaker, "bio") or None,
    }


def _schedule_event(event: Event, item: ProgrammeItem, language: str) -> dict:
    """`language` is the language the item is held in (Swedish: Samla's content language);
    the texts are in the current locale's language where the organiser wrote them in it."""
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
        "title": localized(item, "title"),
        "subtitle": "",
        "track": None,
        "type": item.kind,
        "language": language,
        "abstract": localized(item, "description"),
        "description": "",
        "recording_license": "",
        "do_not_record": None,
        "persons": [_person(s) for s in item.announced_speakers],
        "links": [],
        "attachments": [],
    }


def _schedule_room(room) -> dict:
    return {"name": localized(room, "name"),
            "guid": _guid(f"room-{room.id}"),
            "capacity": room.capacity,
            "description": localized(room, "accessibility_notes") or None}


def schedule(event: Event) -> dict:
    """The published programme, its texts in the current locale's language (the view offers
    ?lang=en). Cancelled items are left out: frab and pretalx publish only what takes place.
    The rooms are those of the published version."""
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    programme = published_programme(event)
    items = programme.taking_place()
    room_names = [_room_name(event, room) for room in programme.rooms]
    rooms = [_schedule_room(room) for room in programme.rooms]
    for item in items:  # a room that is gone from the list still names its items' place
        if item.room is not None and _room_name(event, item.room) not in room_names:
            room_names.append(_room_name(event, item.room))
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
        "title": localized(event, "name"),
        "description": localized(event, "description"),
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
            "title_en": cell(item.title_en or ""),
            "description_en": cell(item.description_en or ""),
        })
    return rows


def programme_csv(event: Event) -> bytes:
    """Comma-separated, RFC 4180 quoting, UTF-8 with a byte order mark so Excel reads å, ä, ö."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(csv_rows(event))
    return buffer.getvalue().encode("utf-8-sig")
