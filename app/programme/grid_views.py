"""The day-by-room programme grid, and the JSON endpoint its drag and drop (and keys) call."""

import json
import re
from datetime import date, time

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from app.events.manage import current_event
from app.events.models import Room
from app.extensions import db
from app.i18n import fmt_date, fmt_time
from app.notices.services import publication_status

from . import services
from .models import ProgrammeItem
from .views import organiser

DAY_START, DAY_END = 8 * 60, 18 * 60  # the grid shows at least 08:00-18:00
MAX_MOVE_BYTES = 1024  # a move is about a hundred bytes
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _minutes(event, instant) -> int:
    at = event.local(instant)
    return at.hour * 60 + at.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _chosen_day(event) -> date:
    raw = request.args.get("day")
    if not raw:
        return event.days[0]
    try:
        day = date.fromisoformat(raw) if _DAY.fullmatch(raw) else None
    except ValueError:
        day = None
    if day not in event.days:
        abort(404)
    return day


def conflict_text(event, conflict) -> str:
    """One clash in words, as the edit form puts it."""
    if conflict.kind == "capacity":
        return str(conflict.explanation)
    other = conflict.other
    start, end = fmt_time(other.starts_at, event.timezone), fmt_time(other.ends_at, event.timezone)
    if conflict.kind == "room":
        return _("%(room)s is already used by “%(title)s” %(start)s–%(end)s",
                 room=other.room.name, title=other.title, start=start, end=end)
    return _("%(speaker)s also speaks in “%(title)s” %(start)s–%(end)s",
             speaker=conflict.speaker.name, title=other.title, start=start, end=end)


@organiser.route("/grid")
def grid():
    event = current_event()
    day = _chosen_day(event)
    everything = services.items_for(event, include_cancelled=True)
    items = [item for item in everything if not item.cancelled]
    clashes = services.conflicts_among(items)
    todays = [item for item in items if event.local_day(item.starts_at) == day]
    first, last = DAY_START, DAY_END
    for item in todays:
        first = min(first, _minutes(event, item.starts_at) // 60 * 60)
        end = _minutes(event, item.ends_at)
        last = max(last, min(24 * 60, -(-end // 60) * 60))
    step = event.time_step_minutes or 5
    columns = [(room.id, room.name) for room in event.rooms] + [(None, _("No room"))]
    blocks = {room_id: [] for room_id, _name in columns}
    for item in todays:
        start, end = _minutes(event, item.starts_at), _minutes(event, item.ends_at)
        blocks.setdefault(item.room_id, []).append({
            "item": item, "start": _hhmm(start), "end": _hhmm(end),
            "start_min": start, "end_min": end,
            "speakers": ", ".join(s.name for s in item.speakers),
            "clashes": clashes.get(item.id, []),
        })
    hours = list(range(first, last, 60))
    return render_template(
        "programme/grid.html", event=event, day=day, day_label=fmt_date(day, "full"),
        days=[(d, fmt_date(d, "full")) for d in event.days],
        columns=[(room_id, name, blocks.get(room_id, [])) for room_id, name in columns],
        first=first, last=last, step=step, hours=hours, hhmm=_hhmm,
        publication=publication_status(event, everything),
    )


class BadMove(ValueError):
    pass


def _move_body():
    """The request's JSON, or BadMove: a body that is not JSON, too large, or nested deeper
    than the parser goes (RecursionError, which Flask's get_json would let through as a 500)."""
    if not request.is_json:
        raise BadMove(_("Send the new place as a JSON object."))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_MOVE_BYTES:
        raise BadMove(_("Send the new place as a JSON object."))
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadMove(_("Send the new place as a JSON object.")) from None


def _parse_move(event, data):
    if not isinstance(data, dict):
        raise BadMove(_("Send the new place as a JSON object."))
    raw_day, raw_start, raw_end = data.get("day"), data.get("start"), data.get("end")
    if not isinstance(raw_day, str) or not _DAY.fullmatch(raw_day):
        raise BadMove(_("Give the day as YYYY-MM-DD."))
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise BadMove(_("Give the day as YYYY-MM-DD.")) from None
    times = []
    for raw in (raw_start, raw_end):
        match = _TIME.fullmatch(raw) if isinstance(raw, str) else None
        if match is None:
            raise BadMove(_("Give the start and end as HH:MM."))
        times.append(time(int(match[1]), int(match[2])))
    if "room_id" not in data:
        raise BadMove(_("Say which room, or none."))
    room_id = data["room_id"]
    room = None
    if room_id is not None:
        if isinstance(room_id, bool) or not isinstance(room_id, int):
            raise BadMove(_("The room does not belong to this event."))
        room = db.session.get(Room, room_id) if abs(room_id) < 2**63 else None
        if room is None or room.event_id != event.id:
            raise BadMove(_("The room does not belong to this event."))
    confirm = data.get("confirm_overlap", False)
    if not isinstance(confirm, bool):
        raise BadMove(_("confirm_overlap must be true or false."))
    return services.ItemPlacement(day=day, start=times[0], end=times[1], room=room), confirm


def _placement_json(event, item):
    return {
        "id": item.id,
        "day": event.local_day(item.starts_at).isoformat(),
        "start": event.local(item.starts_at).strftime("%H:%M"),
        "end": event.local(item.ends_at).strftime("%H:%M"),
        "room_id": item.room_id,
        "room": item.room.name if item.room else _("No room"),
    }


@organiser.route("/items/<int:item_id>/move", methods=["POST"])
def move(item_id):
    event = current_event()
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event.id:
        return {"message": _("There is no such programme item.")}, 404
    try:
        placement, confirm = _parse_move(event, _move_body())
        speaker_ids = {slot.speaker_id for slot in item.slots if slot.state != "declined"}
        conflicts = [] if confirm else services.conflicts_to_confirm(
            event, placement, speaker_ids, item
        )
        if conflicts:
            db.session.rollback()
            return {
                "message": _("Not moved: this clashes with the programme."),
                "conflicts": [conflict_text(event, c) for c in conflicts],
            }, 409
        moved = services.update_item(
            item, title=item.title, kind=item.kind, description=item.description,
            placement=placement,
        )
        db.session.flush()
    except (BadMove, services.ProgrammeError) as error:
        db.session.rollback()
        return {"message": str(error)}, 400
    result = _placement_json(event, item)
    if moved:
        message = _("“%(title)s” now runs %(start)s–%(end)s in %(room)s. Saved; publish to "
                    "notify the people affected.", title=item.title, start=result["start"],
                    end=result["end"], room=result["room"])
    else:
        message = _("“%(title)s” was not changed.", title=item.title)
    return {"moved": moved, "item": result, "message": message,
            "edit_url": url_for("manage.programme.edit", item_id=item.id)}
