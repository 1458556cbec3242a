"""The door page. Without JavaScript it is a form that reloads with the result; with
app/static/js/door.js each scan goes to scan.json and the answer is shown in one round trip.
Both run the same service, rate limit and access check."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from app.events.models import Event
from app.events.services import get_by_slug
from app.extensions import db, limiter, login_manager
from app.i18n import fmt_datetime

from . import devices, services
from .forms import AnnulForm, ScanForm

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

# The headline the door reads, in the user's language, for each outcome.
STATUS_TEXT = {
    "checked_in": _l("Checked in"),
    "already": _l("Already checked in"),
    "cancelled": _l("Registration cancelled"),
    "other_event": _l("Badge for another event"),
    "unknown": _l("Unknown code"),
    "invalid": _l("Not a badge code"),
}


ICONS = {"checked_in": "✔", "already": "⚠"}


def scan_detail(result: services.ScanResult, event: Event) -> str:
    """The line under the headline: what happened before, or what to do now."""
    registration, check_in = result.registration, result.check_in
    if result.outcome == "checked_in":
        return " · ".join(part for part in (registration.organisation,
                                            registration.ticket_type.name) if part)
    if result.outcome == "already":
        when = _("At %(time)s", time=fmt_datetime(check_in.checked_in_at, event.timezone))
        if scanned_by(check_in):
            when += " " + _("by %(name)s", name=scanned_by(check_in))
        return when + "."
    if result.outcome == "cancelled":
        return _("This badge belongs to a cancelled registration. Ask an organiser.")
    if result.outcome == "other_event":
        return _("This badge is for %(event)s.", event=registration.event.name)
    if result.outcome == "unknown":
        return _("No badge has this code. Check the code, or find the person in the list of "
                 "registrations.")
    return _("A badge code has 26 letters and digits. Scan again or type it.")


def scanned_by(check_in) -> str | None:
    """Who made a check-in: the door account, or the door device when no one was logged in."""
    if check_in.checked_in_by:
        return check_in.checked_in_by.name
    return check_in.device.name if check_in.device else None


def _annul_url(result: services.ScanResult, door: "Door") -> str | None:
    """Where the last scan can be undone, for the door account or device that made it or an
    organiser."""
    check_in = result.check_in if result else None
    if result is None or result.outcome != "checked_in" \
            or not services.may_annul(check_in, door.user, door.device):
        return None
    return url_for("checkin.annul", slug=result.registration.event.slug,
                   check_in_id=check_in.id)


DEVICE_SESSION = "door_device_id"


@dataclass
class Door:
    """Who is at the door of an event: a logged-in person with access, or a door device."""

    event: Event
    user: object | None = None
    device: devices.DoorDevice | None = None


def door_access(slug: str) -> Door:
    """The one check of every door page and JSON read: a logged-in account that may check in
    at the event, or else the door device whose link opened this session, if it is still
    valid for this event (a revoked or expired device is refused at its next request)."""
    device_id = session.get(DEVICE_SESSION)
    if not current_user.is_authenticated and device_id is None:
        abort(login_manager.unauthorized())
    if current_user.is_authenticated:
        # A door account's own events come loaded with the account: no query.
        for event in current_user.door_events:
            if event.slug == slug:
                return Door(event, user=current_user._get_current_object())
    event = get_by_slug(slug)
    if event is None:
        abort(404)
    if current_user.is_authenticated:
        if not current_user.may_check_in(event):
            abort(403)
        return Door(event, user=current_user._get_current_object())
    device = db.session.get(devices.DoorDevice, device_id)
    if device is None:
        session.pop(DEVICE_SESSION, None)
        abort(login_manager.unauthorized())
    devices.check(device, event)
    if request.method == "POST":
        devices.seen(device)
    return Door(event, device=device)


@bp.route("/")
@login_required
def choose_event():
    if current_user.is_organiser:
        events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    else:
        events = sorted(current_user.door_events, key=lambda e: e.starts_on, reverse=True)
    return render_template("checkin/choose.html", events=events)


def _door_account() -> str:
    """Scans are counted per account or device: the door staff of a venue share its network
    address."""
    if current_user.is_authenticated:
        return f"account-{current_user.id}"
    if session.get(DEVICE_SESSION) is not None:
        return f"device-{session[DEVICE_SESSION]}"
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":  # the API: the same budget as the device's door page
        device = devices.by_token(header[7:].strip())
        if device is not None:
            return f"device-{device.id}"
    return get_remote_address()


def door_limit():
    """One budget per door account for the form, scan.json and undo together."""
    return limiter.shared_limit(lambda: current_app.config["RATELIMIT_DOOR"], scope="door",
                                key_func=_door_account, methods=["POST"])


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.route("/service-worker.js")
def service_worker():
    """The offline door's service worker (app/static/js/door_sw.js). Served here rather than
    under /static so that, with Service-Worker-Allowed, its scope is the whole site: the door
    page (/checkin/<slug>) and a door device's link (/door/<token>). It holds no secret."""
    response = current_app.send_static_file("js/door_sw.js")
    response.headers["Service-Worker-Allowed"] = request.script_root + "/"
    return response


@bp.route("/<slug>", methods=["GET", "POST"])
@door_limit()
def scan(slug):
    door = door_access(slug)
    event = door.event
    form = ScanForm()
    result, status = None, 200
    if form.validate_on_submit():
        result = services.scan(event, form.code.data, door.user, door.device)
        status = result.status_code
    elif form.is_submitted():
        status = 400
    form.code.data = ""
    checked_in, expected = services.progress(event)
    return render_template(
        "checkin/scan.html", event=event, form=form, result=result,
        checked_in=checked_in, expected=expected, annul_url=_annul_url(result, door),
        device=door.device,
        status=result and STATUS_TEXT[result.outcome],
        icon=result and ICONS.get(result.outcome, "✖"),
        detail=result and scan_detail(result, event),
        offline_statuses={outcome: text for outcome, text in STATUS_TEXT.items()
                          if outcome != "other_event"},
    ), status


def door_counts(event: Event) -> dict:
    """The counts every door answer carries (the door page's and the API's)."""
    checked_in, expected = services.progress(event)
    return {"checked_in": checked_in, "expected": expected}


@bp.route("/<slug>/scan.json", methods=["POST"])
@door_limit()
def scan_json(slug):
    """One scan for door.js (a handheld scanner types the code and Enter; the page stays)."""
    door = door_access(slug)
    event = door.event
    form = ScanForm()
    if not form.validate():
        result = services.ScanResult("invalid")
    else:
        result = services.scan(event, form.code.data, door.user, door.device)
    registration, check_in = result.registration, result.check_in
    answer = {"outcome": result.outcome, "status": str(STATUS_TEXT[result.outcome]),
              "icon": ICONS.get(result.outcome, "✖"), "detail": scan_detail(result, event),
              "name": None, "ticket_type": None, "organisation": None, "check_in": None,
              "annul_url": _annul_url(result, door), **door_counts(event)}
    if registration is not None and result.outcome != "other_event":
        answer.update(name=registration.name, ticket_type=registration.ticket_type.name,
                      organisation=registration.organisation or None)
    if check_in is not None:
        answer["check_in"] = {
            "id": check_in.id, "at": check_in.checked_in_at.isoformat(),
            "by": scanned_by(check_in),
        }
    return answer, result.status_code


@bp.route("/<slug>/check-ins/<int:check_in_id>/annul", methods=["POST"])
@door_limit()
def annul(slug, check_in_id):
    """Undo a check-in, with a reason. A refusal (not yours, not here, already undone) reaches
    the one handler in app/errors.py, which answers JSON to door.js and a page to a form."""
    door = door_access(slug)
    event = door.event
    form = AnnulForm()
    if not form.validate():
        message = "; ".join(str(e) for e in form.reason.errors) or str(_l("Say why."))
        if _wants_json():
            return {"error": message, **door_counts(event)}, 400
        flash(message, "error")
        return redirect(url_for("checkin.scan", slug=event.slug), 303)
    check_in = services.annul(event, check_in_id, door.user, form.reason.data,
                              door.device)
    message = _l("The check-in of %(name)s was undone.", name=check_in.registration.name)
    if _wants_json():
        return {"outcome": "annulled", "status": str(message), **door_counts(event)}
    flash(message, "success")
    return redirect(url_for("checkin.scan", slug=event.slug), 303)
