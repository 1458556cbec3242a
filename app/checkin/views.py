"""The door page. Without JavaScript it is a form that reloads with the result; with
app/static/js/door.js each scan goes to scan.json and the answer is shown in one round trip;
prepared for offline, the page decides alone from sync.json and uploads its queue to
upload.json. All run the same service, rate limit and access check."""

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
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from app.events.models import Event
from app.events.services import get_by_slug
from app.extensions import db, limiter, login_manager
from app.teams import services as teams
from app.teams.access import may_check_in

from . import checkin_lists, devices, services
from .answers import ICONS, STATUS_TEXT, annul_url, door_answer, scan_detail
from .forms import AnnulForm, ScanForm, queued_scans
from .services import Door

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

DEVICE_SESSION = "door_device_id"


def door_access(slug: str) -> Door:
    """The one check of every door page and JSON read: a logged-in account whose role in the
    event's team may check in (door staff, organiser, owner; an administrator anywhere), or
    else the door device whose link opened this session, if it is still valid for this event
    (a revoked or expired device is refused at its next request)."""
    device_id = session.get(DEVICE_SESSION)
    if not current_user.is_authenticated and device_id is None:
        abort(login_manager.unauthorized())
    if current_user.is_authenticated:
        # The account's teams and their events come loaded with it: no query.
        for membership in current_user.memberships:
            if membership.event.slug == slug and may_check_in(membership.role):
                return Door(membership.event, user=current_user._get_current_object(),
                            team_role=membership.role)
    event = get_by_slug(slug)
    if event is None:
        abort(404)
    if current_user.is_authenticated:
        role = current_user.team_role(event)
        if not may_check_in(role):
            abort(403)
        return Door(event, user=current_user._get_current_object(), team_role=role)
    device = db.session.get(devices.DoorDevice, device_id)
    if device is None:
        session.pop(DEVICE_SESSION, None)
        abort(login_manager.unauthorized())
    devices.check(device, event)
    if request.method == "POST":
        devices.seen(device)
    return Door(event, device=device)


def door_list(door: Door, key: str | None = None) -> checkin_lists.CheckInList:
    """The check-in list the door works on (`?list=`, the entrance by default); 404 for a key
    no list of the event has."""
    checkin_list = checkin_lists.by_key(door.event, request.values.get("list", "")
                                        if key is None else key)
    if checkin_list is None:
        abort(404)
    return checkin_list


@bp.route("/")
@login_required
def choose_event():
    """The events whose door the person may work."""
    return render_template("checkin/choose.html", events=teams.door_events(current_user))


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
    event, checkin_list = door.event, door_list(door)
    form = ScanForm()
    result, status = None, 200
    if form.validate_on_submit():
        _answer, status, result = services.redeem(door, form.code.data, checkin_list,
                                                  answer_of=lambda result: None)
    elif form.is_submitted():
        status = 400
    form.code.data = ""
    checked_in, expected = (result.checked_in, result.expected) \
        if result and result.checked_in is not None else services.progress(event, checkin_list)
    return render_template(
        "checkin/scan.html", event=event, form=form, result=result,
        checked_in=checked_in, expected=expected,
        annul_url=result and annul_url(result, door), device=door.device,
        checkin_list=checkin_list, lists=checkin_lists.lists_of(event),
        status=result and STATUS_TEXT[result.outcome],
        icon=result and ICONS.get(result.outcome, "✖"),
        detail=result and scan_detail(result, event, checkin_list),
        offline_statuses={outcome: text for outcome, text in STATUS_TEXT.items()
                          if outcome != "other_event"},
    ), status


def door_counts(event: Event, checkin_list=None) -> dict:
    """The counts a door answer carries when no scan read them."""
    checked_in, expected = services.progress(event, checkin_list)
    return {"checked_in": checked_in, "expected": expected}


@bp.route("/<slug>/scan.json", methods=["POST"])
@door_limit()
def scan_json(slug):
    """One scan for door.js (a handheld scanner types the code and Enter; the page stays). A
    nonce makes a retry after a lost answer get the same answer."""
    door = door_access(slug)
    checkin_list = door_list(door)
    form = ScanForm()
    if not form.validate():
        result = services.ScanResult("invalid")
        return door_answer(result, door, checkin_list), result.status_code
    answer, status, _result = services.redeem(
        door, form.code.data, checkin_list, nonce=form.nonce.data or None,
        device_time=form.device_time.data or "",
        answer_of=lambda result: door_answer(result, door, checkin_list))
    return answer, status


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
    check_in = services.annul(door, check_in_id, form.reason.data)
    checkin_list = checkin_lists.by_key(event, check_in.list_key) or checkin_lists.entrance()
    message = _l("The check-in of %(name)s was undone.", name=check_in.registration.name)
    if _wants_json():
        return {"outcome": "annulled", "status": str(message), "list": checkin_list.key,
                **door_counts(event, checkin_list)}
    flash(message, "success")
    return redirect(url_for("checkin.scan", slug=event.slug,
                            list=checkin_list.key or None), 303)


@bp.route("/<slug>/lists.json")
def lists_json(slug):
    """Where this door can check people in: the entrance and each workshop with sign-ups."""
    door = door_access(slug)
    return {"lists": [item.as_json() for item in checkin_lists.lists_of(door.event)]}


@bp.route("/<slug>/sync.json")
def sync_json(slug):
    """What "Prepare this door" stores on the device for one list (see services.door_data)."""
    door = door_access(slug)
    response = current_app.json.response(services.door_data(
        door.event, door_list(door), services.wipe_after(door.event, door.device)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<slug>/upload.json", methods=["POST"])
@door_limit()
def upload_json(slug):
    """The queue of scans the door made offline. Sent twice, it changes nothing the second
    time and is answered the same."""
    door = door_access(slug)
    scans = queued_scans(request.get_json(silent=True))
    results = services.upload(door, scans, lambda key: checkin_lists.by_key(door.event, key))
    return {"results": results, **door_counts(door.event, door_list(door))}
