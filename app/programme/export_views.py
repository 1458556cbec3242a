"""Downloads of the programme: iCalendar and schedule.json for everyone, CSV for organisers;
and the CSV import, the other way round."""

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from app.events.manage import current_event
from app.events.views import event_or_404
from app.extensions import db
from app.i18n import current_language

from . import exports, importing
from .forms import ImportForm
from .views import bp, organiser


def _download(data: bytes, content_type: str, filename: str, disposition: str = "attachment"):
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _filename(slug: str, suffix: str) -> str:
    return secure_filename(f"{slug}{suffix}") or f"programme{suffix}"


def _feed_language() -> str:
    """A calendar or schedule.json is fetched by programs, long after the visitor chose a
    language: the language is in the address (?lang=en), Swedish without it."""
    language = request.args.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    return language


@bp.route("/e/<slug>/programme.ics")
def ical(slug):
    event = event_or_404(slug)
    with force_locale(_feed_language()):
        data = exports.ical(event)
    return _download(data, "text/calendar; charset=utf-8", _filename(event.slug, ".ics"))


@bp.route("/e/<slug>/event.ics")
def event_entry(slug):
    """The event as one calendar entry (the confirmation's "Add to calendar"), in the reader's
    language."""
    event = event_or_404(slug)
    data = exports.event_entry(event, language=current_language(),
                               url=exports.absolute_url("events.show", slug=event.slug),
                               times=exports.event_times(event))
    return _download(data, "text/calendar; charset=utf-8", _filename(event.slug, ".ics"),
                     "inline")


@bp.route("/e/<slug>/schedule.json")
def schedule_json(slug):
    event = event_or_404(slug)
    with force_locale(_feed_language()):
        schedule = exports.schedule(event)
    body = json.dumps(schedule, ensure_ascii=False, indent=2)
    return _download(
        body.encode(), "application/json", _filename(event.slug, "-schedule.json"), "inline"
    )


@organiser.route("/programme.csv")
def programme_csv():
    event = current_event()
    return _download(
        exports.programme_csv(event), "text/csv; charset=utf-8",
        _filename(event.slug, "-programme.csv"),
    )


@organiser.route("/programme/import", methods=["GET", "POST"])
def programme_import():
    """Upload, preview, then upload the same file again with the box ticked to store it: the file
    is never kept on the server, and what is stored is exactly what was previewed."""
    event = current_event()
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(event, form, None, 400 if form.is_submitted() else 200)
    data = form.file.data.read(importing.MAX_BYTES + 1)
    try:
        plan = importing.plan(event, data, create_missing_rooms=form.create_missing_rooms.data)
    except importing.ImportFileError as error:
        form.file.errors.append(str(error))
        return _import_page(event, form, None, 400)
    if not plan.ok:
        return _import_page(event, form, plan, 400)
    if not (form.confirm.data and form.digest.data == plan.digest):
        if form.confirm.data:
            flash(_("The file is not the one previewed. Check this preview and confirm again."),
                  "error")
        return _import_page(event, form, plan, 200)
    created = importing.store(event, plan)
    flash(_("%(count)d programme items were imported; %(skipped)d already in the programme "
            "were skipped.", count=len(created), skipped=len(plan.skipped)), "success")
    return redirect(url_for("manage.events.programme") + "#programme")


def _import_page(event, form, plan, status):
    db.session.rollback()
    form.confirm.data = False
    form.digest.data = plan.digest if plan is not None and plan.ok else ""
    return render_template("programme/import.html", event=event, form=form, plan=plan,
                           max_rows=importing.MAX_ROWS), status
