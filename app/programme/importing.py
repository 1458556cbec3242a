"""Programme import from CSV, in the columns the CSV export writes, so a team can draft the
programme in a spreadsheet. No request in sight: bytes in, a plan out, then the plan stored.

Two steps: plan() reads and checks the whole file and reports every problem at once (row and
column) without touching the database; store() adds the planned items in the caller's
transaction. It is all or nothing: a plan with any error stores nothing."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import signals
from app.errors import Refusal
from app.events.models import Event, Room
from app.extensions import db
from app.speakers import services as speaker_services
from app.speakers.models import Speaker
from app.spreadsheets import typed
from app.validators import SINGLE_LINE_MESSAGE, is_single_line

from . import services
from .exports import CSV_COLUMNS
from .forms import KIND_LABELS
from .models import KINDS, ProgrammeItem

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
REQUIRED_COLUMNS = ("day", "start", "end", "title")
LIMITS = {"title": 300, "description": 20000, "room": 120, "speakers": 200, "title_en": 300,
          "description_en": 20000}
MAX_SPEAKERS = 10  # per row: more is a mistake in the file (a whole list in one cell)
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
SCHEDULED = ("", "scheduled", "confirmed")


class ImportFileError(Refusal):
    """The file as a whole cannot be read: nothing in it is looked at row by row."""

    status = 400


@dataclass
class RowProblem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class PlannedItem:
    row: int
    day: date | None = None
    start: time | None = None
    end: time | None = None
    room: Room | None = None
    room_name: str = ""  # as written; a room to create when room is None and this is set
    kind: str = "talk"
    title: str = ""
    description: str = ""
    title_en: str = ""
    description_en: str = ""
    speaker_names: list[str] = field(default_factory=list)
    new_speakers: set[str] = field(default_factory=set)
    cancelled: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duplicate: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def new_room(self) -> bool:
        return self.room is None and bool(self.room_name)


@dataclass
class ImportPlan:
    digest: str
    items: list[PlannedItem] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_create(self) -> list[PlannedItem]:
        return [item for item in self.items if not item.duplicate]

    @property
    def skipped(self) -> list[PlannedItem]:
        return [item for item in self.items if item.duplicate]

    @property
    def new_rooms(self) -> list[str]:
        return _unique(item.room_name for item in self.to_create if item.new_room)

    @property
    def new_speakers(self) -> list[str]:
        return _unique(name for item in self.to_create for name in item.speaker_names
                       if name in item.new_speakers)

    @property
    def warnings(self) -> int:
        return sum(1 for item in self.to_create if item.warnings)


def _unique(values) -> list[str]:
    seen, result = set(), []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return result


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading the file ---------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark, else Windows-1252 (what Excel saves as 'CSV')."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB.",
                                size=MAX_BYTES // (1024 * 1024)))
    if b"\x00" in data:
        raise ImportFileError(_("This is not a CSV text file. Save the spreadsheet as "
                                "“CSV UTF-8” or “CSV (semicolon separated)” and try again."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file's characters cannot be read. Save it as "
                                "“CSV UTF-8” and try again.")) from None


def delimiter(text: str) -> str:
    """Comma as the export writes, or semicolon as Excel saves with Swedish settings."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The header's column positions by lower-case name, and each non-empty row with its
    spreadsheet row number."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        columns = {}
        for index, name in enumerate(header):
            key = name.strip().lstrip("\ufeff").strip().lower()
            if key in CSV_COLUMNS and key not in columns:
                columns[key] = index
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ImportFileError(
                _("The first row must name the columns; missing: %(columns)s. Expected: "
                  "%(expected)s.", columns=", ".join(missing), expected=",".join(CSV_COLUMNS))
            )
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(_("The file has more than %(count)d rows.",
                                        count=MAX_ROWS))
            rows.append((number, row))
    except csv.Error as error:
        raise ImportFileError(
            _("The file could not be read as CSV: %(error)s", error=str(error))
        ) from None
    if not rows:
        raise ImportFileError(_("The file has a header but no programme rows."))
    return columns, rows


def clean(value: str) -> str:
    """The cell as typed: the apostrophe the export puts before formula-like text goes."""
    return typed(value.strip())


# --- understanding the cells --------------------------------------------------------------------

def _kinds() -> dict[str, str]:
    """talk, panel ... and the labels in every language the app speaks (Föredrag, Paus ...)."""
    names = {kind: kind for kind in KINDS}
    for language in current_app.config.get("LANGUAGES", ("sv", "en")):
        with force_locale(language):
            for kind, label in KIND_LABELS:
                names.setdefault(str(label).casefold(), kind)
    return names


def _cancelled_words() -> set[str]:
    words = {"cancelled", "canceled"}
    for language in current_app.config.get("LANGUAGES", ("sv", "en")):
        with force_locale(language):
            words.add(_("Cancelled").casefold())
    return words


def _time(value: str) -> time | None:
    match = TIME.match(value)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def split_names(value: str) -> list[str]:
    """Names separated by semicolons, or by commas when there is no semicolon."""
    parts = value.split(";") if ";" in value else value.split(",")
    return _unique(clean(part) for part in parts if clean(part))


# --- the plan -----------------------------------------------------------------------------------

def plan(event: Event, data: bytes, create_missing_rooms: bool = False) -> ImportPlan:
    """Read the file and check every row; the database is only read. Raises ImportFileError
    when the file as a whole is unusable."""
    columns, rows = read_rows(decode(data))
    result = ImportPlan(digest=digest(data))
    kinds, cancelled_words = _kinds(), _cancelled_words()
    rooms = {}
    for room in event.rooms:
        rooms.setdefault(room.name.strip().casefold(), room)
    speakers = {s.name.strip(): s for s in speaker_services.speakers_for(event)}

    def problem(row, column, message):
        result.errors.append(RowProblem(row, column, str(message)))

    for number, row in rows:
        def cell(name, row=row):
            index = columns.get(name)
            return clean(row[index]) if index is not None and index < len(row) else ""

        item = PlannedItem(row=number)
        result.items.append(item)

        day = cell("day")
        try:
            item.day = date.fromisoformat(day)
        except ValueError:
            problem(number, "day", _("“%(value)s” is not a date like 2027-03-18.", value=day)
                    if day else _("The day is missing."))
        for name in ("start", "end"):
            value = cell(name)
            parsed = _time(value)
            if parsed is None:
                problem(number, name, _("“%(value)s” is not a time like 09:30.", value=value)
                        if value else _("The time is missing."))
            setattr(item, name, parsed)

        item.title = cell("title")
        if not item.title:
            problem(number, "title", _("The title is missing."))
        elif not is_single_line(item.title):
            problem(number, "title", SINGLE_LINE_MESSAGE)
        item.description = cell("description")
        item.title_en, item.description_en = cell("title_en"), cell("description_en")
        if not is_single_line(item.title_en):
            problem(number, "title_en", SINGLE_LINE_MESSAGE)
        for name in ("title", "description", "title_en", "description_en"):
            if len(getattr(item, name)) > LIMITS[name]:
                problem(number, name, _("At most %(count)d characters.", count=LIMITS[name]))

        kind = cell("kind")
        if kind:
            if kind.casefold() in kinds:
                item.kind = kinds[kind.casefold()]
            else:
                problem(number, "kind", _("Unknown kind “%(value)s”; use one of %(kinds)s.",
                                          value=kind, kinds=", ".join(KINDS)))

        status = cell("status").casefold()
        if status in cancelled_words:
            item.cancelled = True
        elif status not in SCHEDULED:
            problem(number, "status", _("Unknown status “%(value)s”; leave it empty or write "
                                        "“cancelled”.", value=cell("status")))

        item.room_name = cell("room")
        if not is_single_line(item.room_name):
            problem(number, "room", SINGLE_LINE_MESSAGE)
        elif item.room_name:
            item.room = rooms.get(item.room_name.casefold())
            if item.room is None and not create_missing_rooms:
                problem(number, "room", _("There is no room “%(name)s” in this event. Add it "
                                          "first or tick “Create missing rooms”.",
                                          name=item.room_name))
            elif item.room is None and len(item.room_name) > LIMITS["room"]:
                problem(number, "room", _("At most %(count)d characters.",
                                          count=LIMITS["room"]))

        item.speaker_names = split_names(cell("speakers"))
        if not all(is_single_line(name) for name in item.speaker_names):
            problem(number, "speakers", SINGLE_LINE_MESSAGE)
        if len(item.speaker_names) > MAX_SPEAKERS:
            problem(number, "speakers", _("At most %(count)d speakers on one item.",
                                          count=MAX_SPEAKERS))
        for name in item.speaker_names:
            if name not in speakers:
                item.new_speakers.add(name)
                if len(name) > LIMITS["speakers"]:
                    problem(number, "speakers", _("At most %(count)d characters.",
                                                  count=LIMITS["speakers"]))

        if item.day and item.start and item.end:
            placement = services.ItemPlacement(item.day, item.start, item.end, item.room)
            try:
                item.starts_at, item.ends_at = services.place(event, placement)
            except services.ProgrammeError as error:
                problem(number, error.field, error)

    result.errors.sort(key=lambda p: (p.row, CSV_COLUMNS.index(p.column)
                                      if p.column in CSV_COLUMNS else len(CSV_COLUMNS)))
    _mark_duplicates(event, result)
    _warn_conflicts(event, result, speakers)
    return result


def _placed(result: ImportPlan) -> list[PlannedItem]:
    return [item for item in result.items if item.starts_at is not None]


def _mark_duplicates(event: Event, result: ImportPlan) -> None:
    """Same title, start and room as an item already there (or earlier in the file): skipped."""
    seen = {
        (item.title.strip().casefold(), item.starts_at, item.room_id)
        for item in services.items_for(event, include_cancelled=True)
    }
    for item in _placed(result):
        room = item.room.id if item.room else (item.room_name.casefold() or None)
        key = (item.title.casefold(), item.starts_at, room)
        if key in seen:
            item.duplicate = True
        seen.add(key)


def _warn_conflicts(event: Event, result: ImportPlan, speakers: dict[str, Speaker]) -> None:
    """Clashes are warnings, not errors: with the programme (services.conflicts_for) and
    among the rows of the file."""
    live = [item for item in _placed(result) if not item.duplicate and not item.cancelled]
    existing = [(other.starts_at, other.ends_at) for other in services.items_for(event)]
    for item in live:
        # Ask the database only when something already there overlaps in time at all.
        if not any(s < item.ends_at and e > item.starts_at for s, e in existing):
            continue
        known = {speakers[name].id for name in item.speaker_names if name in speakers}
        for conflict in services.conflicts_for(event, item.starts_at, item.ends_at,
                                               item.room, known):
            if conflict.kind == "room":
                item.warnings.append(_("Same room as “%(title)s”", title=conflict.other.title))
            else:
                item.warnings.append(_("%(speaker)s is also in “%(title)s”",
                                       speaker=conflict.speaker.name,
                                       title=conflict.other.title))
    running: list[PlannedItem] = []
    for item in sorted(live, key=lambda i: (i.starts_at, i.row)):
        running = [other for other in running if other.ends_at > item.starts_at]
        for other in running:
            if item.room_name and item.room_name.casefold() == other.room_name.casefold():
                item.warnings.append(_("Same room as row %(row)d", row=other.row))
            for name in item.speaker_names:
                if name in other.speaker_names:
                    item.warnings.append(_("%(speaker)s is also in row %(row)d",
                                           speaker=name, row=other.row))
        running.append(item)


# --- storing ------------------------------------------------------------------------------------

def store(event: Event, result: ImportPlan) -> list[ProgrammeItem]:
    """Add the planned items, with the rooms and speakers they need, to the session; the caller
    commits. No email goes out: speakers get no invitation, and once a programme version has
    been published each live new item is recorded as a pending 'new' change, told on publish."""
    if not result.ok:
        raise ValueError("a plan with errors cannot be stored")
    rooms = {room.name.strip().casefold(): room for room in event.rooms}
    speakers = {s.name.strip(): s for s in speaker_services.speakers_for(event)}
    position = max((room.position for room in event.rooms), default=-1) + 1
    created = []
    for planned in result.to_create:
        room = planned.room
        if room is None and planned.room_name:
            room = rooms.get(planned.room_name.casefold())
            if room is None:
                room = Room(event=event, name=planned.room_name, position=position)
                position += 1
                db.session.add(room)
                db.session.flush()
                rooms[planned.room_name.casefold()] = room
        chosen = []
        for name in planned.speaker_names:
            if name not in speakers:
                speakers[name] = speaker_services.add_speaker(event, name=name)
            chosen.append(speakers[name])
        item = services.create_item(
            event, title=planned.title, kind=planned.kind, description=planned.description,
            placement=services.ItemPlacement(planned.day, planned.start, planned.end, room),
            english={"title_en": planned.title_en, "description_en": planned.description_en},
        )
        item.cancelled = planned.cancelled
        db.session.flush()
        speaker_services.assign(item, chosen, invite=False)
        signals.programme_item_added.send(item)
        created.append(item)
    db.session.flush()
    return created
