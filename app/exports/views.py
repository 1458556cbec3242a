"""The organiser's export page, /manage/e/<slug>/exports. Every export is a POST (it writes
an entry to the audit log, and a GET writes nothing) answered with the file itself."""

from flask import Response, render_template, request
from flask_login import current_user
from werkzeug.utils import secure_filename

from app.events.manage import current_event, organiser_pages
from app.teams.access import EDITORS

from . import services
from .forms import AttendeeExportForm, BadgeSheetForm, DoorListForm, SignupListForm

organiser = organiser_pages("exports", __name__, roles=EDITORS)


def _download(download: services.Download) -> Response:
    filename = secure_filename(download.filename) or "export"
    return Response(download.data, content_type=download.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })


def _forms(event, formdata=None, which: str = ""):
    """The page's four forms, the one posted (`which`) bound to what was sent."""
    ordinary, sensitive = services.columns_for(event)
    items = services.signup_items(event)

    def data(name):
        return formdata if which == name else None

    return {
        "attendees": AttendeeExportForm(formdata=data("attendees")).for_event(ordinary,
                                                                              sensitive),
        "door": DoorListForm(formdata=data("door")),
        "badges": BadgeSheetForm(formdata=data("badges")),
        "signups": SignupListForm(formdata=data("signups")).for_items(items),
        "items": items,
    }


def _page(event, forms, status=200):
    return render_template("exports/index.html", event=event, **forms), status


@organiser.route("/exports")
def index():
    event = current_event()
    return _page(event, _forms(event))


@organiser.route("/exports/attendees", methods=["POST"])
def attendees():
    event = current_event()
    forms = _forms(event, request.form, "attendees")
    form = forms["attendees"]
    if not form.validate():
        return _page(event, forms, 400)
    return _download(services.export_attendees(
        event, current_user, form.columns.data + form.sensitive.data, form.file_format.data,
        form.who.data))


@organiser.route("/exports/door-list", methods=["POST"])
def door_list():
    event = current_event()
    forms = _forms(event, request.form, "door")
    if not forms["door"].validate():
        return _page(event, forms, 400)
    return _download(services.door_list(event, current_user))


@organiser.route("/exports/badges", methods=["POST"])
def badges():
    event = current_event()
    forms = _forms(event, request.form, "badges")
    form = forms["badges"]
    if not form.validate():
        return _page(event, forms, 400)
    return _download(services.badges(event, current_user, form.layout.data))


@organiser.route("/exports/signups", methods=["POST"])
def signup_lists():
    event = current_event()
    forms = _forms(event, request.form, "signups")
    form = forms["signups"]
    if not form.validate():
        return _page(event, forms, 400)
    return _download(services.signup_lists(event, current_user, form.signup_format.data,
                                           form.item_id))
