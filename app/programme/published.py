"""The programme as the organiser published it.

Organisers edit ProgrammeItem rows: that is the draft. Publishing (app.notices.services.publish)
stores the whole programme in the new ProgrammeVersion as a JSON snapshot, and every public
reader (the programme page, programme.ics, schedule.json, the speaker pages, an attendee's own
programme and calendar) reads the newest snapshot through published_programme(), never the
draft. Every version keeps its own snapshot.

The readers get small read-only objects with the attribute names the templates and exports
already use for live items (item.room.name, item.speakers, speaker.role_title, ...).

Two things a speaker does themselves show at once, as they did before versions existed: the
speaker's own profile (name, title, organisation, biography) and their answer: a speaker is
announced only on the slots they have accepted (an invited speaker may still say no, and one
who said no is not speaking). Everything the organiser edits waits for a publish."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.notices.models import ProgrammeVersion
from app.speakers.models import Speaker, SpeakerSlot

from .services import items_for

SNAPSHOT_FORMAT = 1


# --- writing a snapshot ---------------------------------------------------------------------------

def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant is not None else None


def _speaker_entry(speaker) -> dict[str, Any]:
    return {"id": speaker.id, "name": speaker.name, "role_title": speaker.role_title,
            "organisation": speaker.organisation, "bio": speaker.bio,
            "role_title_en": speaker.role_title_en or "", "bio_en": speaker.bio_en or ""}


def _room_entry(room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name, "name_en": room.name_en or ""}


def _item_entry(item) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        # The English texts ("" where the organiser wrote none: readers fall back to Swedish).
        "title_en": item.title_en or "",
        "description_en": item.description_en or "",
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
        "room": _room_entry(item.room) if item.room is not None else None,
        "cancelled": bool(item.cancelled),
        # Those who have not declined, in the order they were added, with their answer then
        # (readers without live answers name only those who had accepted).
        "speakers": [{**_speaker_entry(slot.speaker), "state": slot.state}
                     for slot in item.slots if slot.state != "declined"],
        "audience": getattr(item, "audience", "") or "",
        "audience_en": getattr(item, "audience_en", "") or "",
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
    }


def snapshot_of(event, items) -> dict[str, Any]:
    """The programme as JSON: every item (cancelled ones too, which calendars must hear of) and
    the event's rooms (schedule.json lists them). `items` are live items loaded with their rooms
    and slots, as programme.services.items_for(event, include_cancelled=True) gives them."""
    return {
        "format": SNAPSHOT_FORMAT,
        "rooms": [
            {**_room_entry(room), "capacity": room.capacity,
             "accessibility_notes": room.accessibility_notes or "",
             "accessibility_notes_en": room.accessibility_notes_en or ""}
            for room in event.rooms
        ],
        "items": [_item_entry(item) for item in items],
    }


def draft_snapshot(event) -> dict[str, Any]:
    return snapshot_of(event, items_for(event, include_cancelled=True))


def shifted_snapshot(event, snapshot: dict[str, Any], days: int) -> dict[str, Any]:
    """The published programme `days` days later, each item at the same wall-clock time (a
    postponement): nothing else about it changes."""
    items = []
    for entry in snapshot.get("items", []):
        moved = dict(entry)
        for key in ("starts_at", "ends_at"):
            moved[key] = _iso(event.shifted(_instant(entry[key]), days))
        items.append(moved)
    return {**snapshot, "items": items}


# --- comparing the draft with what is published ---------------------------------------------------

def _public_key(entry: dict) -> tuple:
    """What the public sees of an item, leaving out what a speaker edits on their own (their
    profile) and bookkeeping (when the row was written)."""
    room = entry.get("room") or {}
    return (entry["kind"], entry["title"], entry["description"], entry["starts_at"],
            entry["ends_at"], room.get("id"), room.get("name"), entry["cancelled"],
            tuple(s["id"] for s in entry["speakers"]), entry.get("audience", ""),
            # Snapshots from before the English texts have none: the same as empty ones.
            entry.get("title_en", ""), entry.get("description_en", ""),
            entry.get("audience_en", ""), room.get("name_en", ""))


def changed_items(draft: dict, published: dict | None) -> list[tuple[int, str]]:
    """(item id, title) of each item the public would see differently after a publish: new,
    changed, or gone from the draft. Titles as in the draft (as published for gone items)."""
    before = {entry["id"]: entry for entry in (published or {}).get("items", [])}
    changed = []
    for entry in draft["items"]:
        old = before.pop(entry["id"], None)
        if old is None or _public_key(old) != _public_key(entry):
            changed.append((entry["id"], entry["title"]))
    changed.extend((entry["id"], entry["title"]) for entry in before.values())
    return changed


# --- reading a snapshot ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedRoom:
    id: int
    name: str
    capacity: int | None = None
    accessibility_notes: str = ""
    name_en: str = ""
    accessibility_notes_en: str = ""


@dataclass(frozen=True)
class PublishedSpeaker:
    id: int
    name: str
    role_title: str = ""
    organisation: str = ""
    bio: str = ""
    role_title_en: str = ""
    bio_en: str = ""


@dataclass(frozen=True)
class SpeakerProfile:
    """A speaker's public profile as the speaker keeps it now (for the speaker pages)."""

    id: int
    name: str
    role_title: str
    organisation: str
    bio: str
    photo_updated_at: datetime | None
    role_title_en: str = ""
    bio_en: str = ""


@dataclass(frozen=True)
class PublishedItem:
    id: int
    event_id: int
    kind: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    room: PublishedRoom | None
    cancelled: bool
    speakers: tuple[PublishedSpeaker, ...]  # with live speakers: those who accepted
    created_at: datetime
    updated_at: datetime
    audience: str = ""
    title_en: str = ""
    description_en: str = ""
    audience_en: str = ""
    event: Any = field(default=None, compare=False, repr=False)

    @property
    def room_id(self) -> int | None:
        return self.room.id if self.room is not None else None

    @property
    def announced_speakers(self) -> tuple[PublishedSpeaker, ...]:
        """As ProgrammeItem.announced_speakers: who may be named in public."""
        return self.speakers


@dataclass
class PublishedProgramme:
    """The newest published version of an event's programme (or none: number is None)."""

    event: Any
    number: int | None = None
    published_at: datetime | None = None
    items: list[PublishedItem] = field(default_factory=list)
    rooms: list[PublishedRoom] = field(default_factory=list)
    # The profiles of the speakers in it as they are now, by id (speaker pages and photos).
    speakers: dict[int, SpeakerProfile] = field(default_factory=dict)

    @property
    def is_published(self) -> bool:
        return self.number is not None

    def item(self, item_id: int) -> PublishedItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def taking_place(self) -> list[PublishedItem]:
        return [item for item in self.items if not item.cancelled]

    def speaker_ids(self, include_cancelled: bool = False) -> set[int]:
        items = self.items if include_cancelled else self.taking_place()
        return {speaker.id for item in items for speaker in item.speakers}

    def items_of(self, speaker_id: int) -> list[PublishedItem]:
        """The items a speaker holds that take place, in time order."""
        return [item for item in self.taking_place()
                if any(speaker.id == speaker_id for speaker in item.speakers)]


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _live_speakers(event_id: int) -> tuple[dict[int, SpeakerProfile], set[tuple[int, int]]]:
    """The event's speakers as they are now, and the (item, speaker) slots they have accepted:
    one query of plain columns however many speakers and slots."""
    speakers: dict[int, SpeakerProfile] = {}
    accepted: set[tuple[int, int]] = set()
    rows = db.session.execute(
        select(Speaker.id, Speaker.name, Speaker.role_title, Speaker.organisation, Speaker.bio,
               Speaker.photo_updated_at, SpeakerSlot.item_id, SpeakerSlot.state,
               Speaker.role_title_en, Speaker.bio_en)
        .outerjoin(SpeakerSlot, SpeakerSlot.speaker_id == Speaker.id)
        .where(Speaker.event_id == event_id)
    )
    for (speaker_id, name, role_title, organisation, bio, photo_at, item_id, state,
         role_title_en, bio_en) in rows:
        if speaker_id not in speakers:
            speakers[speaker_id] = SpeakerProfile(speaker_id, name, role_title, organisation,
                                                  bio, photo_at, role_title_en, bio_en)
        if state == "accepted":
            accepted.add((item_id, speaker_id))
    return speakers, accepted


def _order(item: PublishedItem) -> tuple:
    return (item.starts_at, item.room_id is not None, item.room_id or 0, item.id)


def read_snapshot(event, snapshot: dict | None, *, number: int | None = None,
                  published_at: datetime | None = None,
                  live_speakers: bool = True) -> PublishedProgramme:
    """The read-only programme of one snapshot. With live_speakers (one query) each speaker
    shows their profile as it is now, and only on the slots they have accepted by now (not
    while invited, nor once declined). Without it, the speakers as the snapshot has them, those
    who had accepted when it was published."""
    programme = PublishedProgramme(event=event, number=number, published_at=published_at)
    if not snapshot:
        return programme
    speakers, accepted = _live_speakers(event.id) if live_speakers else ({}, set())
    programme.rooms = [
        PublishedRoom(id=room["id"], name=room["name"], capacity=room.get("capacity"),
                      accessibility_notes=room.get("accessibility_notes") or "",
                      name_en=room.get("name_en") or "",
                      accessibility_notes_en=room.get("accessibility_notes_en") or "")
        for room in snapshot.get("rooms", [])
    ]
    rooms = {room.id: room for room in programme.rooms}
    items = []
    held: set[int] = set()
    for entry in snapshot.get("items", []):
        room = None
        if entry.get("room"):
            room = rooms.get(entry["room"]["id"]) or PublishedRoom(
                id=entry["room"]["id"], name=entry["room"]["name"],
                name_en=entry["room"].get("name_en") or "")
        people = []
        for person in entry.get("speakers", []):
            if live_speakers and (entry["id"], person["id"]) not in accepted:
                continue
            if not live_speakers and person.get("state", "accepted") != "accepted":
                continue  # invited when published (snapshots before answers were kept: all)
            source = speakers.get(person["id"])
            people.append(PublishedSpeaker(
                id=person["id"],
                name=source.name if source else person["name"],
                role_title=source.role_title if source else person.get("role_title", ""),
                organisation=source.organisation if source else person.get("organisation", ""),
                bio=source.bio if source else person.get("bio", ""),
                role_title_en=source.role_title_en if source else person.get("role_title_en", ""),
                bio_en=source.bio_en if source else person.get("bio_en", ""),
            ))
            held.add(person["id"])
        items.append(PublishedItem(
            id=entry["id"], event_id=event.id, kind=entry["kind"], title=entry["title"],
            description=entry.get("description", ""),
            starts_at=_instant(entry["starts_at"]), ends_at=_instant(entry["ends_at"]),
            room=room, cancelled=bool(entry.get("cancelled")), speakers=tuple(people),
            created_at=_instant(entry.get("created_at") or entry["starts_at"]),
            updated_at=_instant(entry.get("updated_at") or entry["starts_at"]),
            audience=entry.get("audience", ""), title_en=entry.get("title_en", ""),
            description_en=entry.get("description_en", ""),
            audience_en=entry.get("audience_en", ""), event=event,
        ))
    programme.items = sorted(items, key=_order)
    programme.speakers = {sid: speaker for sid, speaker in speakers.items() if sid in held}
    return programme


def newest_version(event_id: int):
    """The newest version with a snapshot, its snapshot loaded; None before the first publish."""
    return db.session.scalar(
        select(ProgrammeVersion)
        .where(ProgrammeVersion.event_id == event_id, ProgrammeVersion.snapshot.is_not(None))
        .options(undefer(ProgrammeVersion.snapshot))
        .order_by(ProgrammeVersion.number.desc()).limit(1)
    )


def published_programme(event, *, live_speakers: bool = True) -> PublishedProgramme:
    """What the public sees: the newest published version (two queries), or an empty
    programme that says it is not published yet."""
    version = newest_version(event.id)
    if version is None:
        return PublishedProgramme(event=event)
    return version_programme(version, event=event, live_speakers=live_speakers)


def version_programme(version, *, event=None, live_speakers: bool = True) -> PublishedProgramme:
    return read_snapshot(event or version.event, version.snapshot, number=version.number,
                         published_at=version.published_at, live_speakers=live_speakers)
