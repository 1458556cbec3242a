"""Downloads of the programme: iCalendar and schedule.json for everyone, CSV for organisers."""

import json

from flask import Blueprint, Response
from werkzeug.utils import secure_filename

from app.accounts.access import organiser_required
from app.events.views import event_or_404, managed_event_or_404

from . import exports

bp = Blueprint("programme_export", __name__)


def _download(data: bytes, content_type: str, filename: str, disposition: str = "attachment"):
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _filename(slug: str, suffix: str) -> str:
    return secure_filename(f"{slug}{suffix}") or f"programme{suffix}"


@bp.route("/e/<slug>/programme.ics")
def ical(slug):
    event = event_or_404(slug)
    return _download(
        exports.ical(event), "text/calendar; charset=utf-8", _filename(event.slug, ".ics")
    )


@bp.route("/e/<slug>/schedule.json")
def schedule_json(slug):
    event = event_or_404(slug)
    body = json.dumps(exports.schedule(event), ensure_ascii=False, indent=2)
    return _download(
        body.encode(), "application/json", _filename(event.slug, "-schedule.json"), "inline"
    )


@bp.route("/manage/e/<slug>/programme.csv")
@organiser_required
def programme_csv(slug):
    event = managed_event_or_404(slug)
    return _download(
        exports.programme_csv(event), "text/csv; charset=utf-8",
        _filename(event.slug, "-programme.csv"),
    )
