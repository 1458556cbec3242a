"""The check-in API for scanner apps, including another maker's: a door device's token as
`Authorization: Bearer`, JSON in and out, under /api/v1/checkin/<slug>/. A redeem carries a
nonce: a repeat from the same device (a retry after a lost answer, an offline door syncing
twice) is answered from its ScanRecord exactly as the first time and checks no one in twice."""

from flask import Blueprint, abort, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from app.events.services import get_by_slug
from app.extensions import csrf, db

from . import checkin_lists, devices, lists, services
from .answers import door_answer
from .forms import QueueError, queued_scans
from .views import door_counts, door_limit

toplevel_bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1/checkin")


def _error(status: int, message: str):
    abort(make_response(jsonify(error=message, status=status), status))


@toplevel_bp.errorhandler(HTTPException)
def http_error(error):
    """JSON whatever the client accepts (a 429 of the rate limit, a 405): a scanner app reads
    no HTML page."""
    db.session.rollback()
    return jsonify(error=error.description or error.name, status=error.code), error.code


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def api_door(slug: str) -> services.Door:
    """The door of the token's device at the event: 401 without a known token, 403 when the device
    is revoked, outside its window or for another event."""
    device = devices.by_token(bearer_token())
    if device is None:
        _error(401, "Missing or unknown device token.")
    event = get_by_slug(slug)
    try:
        devices.check(device, event)
    except devices.DoorDeviceError as refusal:
        _error(403, str(refusal))
    if event is None:  # a slug no event has is not the device's event either
        _error(403, str(devices.ANOTHER_EVENT))
    if request.method == "POST":
        devices.seen(device)
    return services.Door(event, device=device)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        _error(400, "Send a JSON object.")
    return body


def _text(body: dict, key: str, limit: int, required: bool = True) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        _error(400, f"'{key}' must be a string of at most {limit} characters.")
    return value.strip()


def _list(event, body_or_args) -> checkin_lists.CheckInList:
    key = body_or_args.get("list", "")
    checkin_list = checkin_lists.by_key(event, key if isinstance(key, str) else None)
    if checkin_list is None:
        _error(404, "No check-in list of this event has that key.")
    return checkin_list


def _api_answer(result, door, checkin_list) -> dict:
    """The door page's answer without its undo link: a scanner app annuls through the API."""
    answer = door_answer(result, door, checkin_list)
    answer.pop("annul_url")
    return answer


@toplevel_bp.route("/<slug>/redeem", methods=["POST"])
@csrf.exempt
@door_limit()
def redeem(slug):
    door = api_door(slug)
    body = _body()
    code = _text(body, "code", 200)
    nonce = _text(body, "nonce", 64)
    device_time = _text(body, "device_time", 40, required=False)
    checkin_list = _list(door.event, body)
    answer, status, _result = services.redeem(
        door, code, checkin_list, nonce=nonce, device_time=device_time,
        answer_of=lambda result: _api_answer(result, door, checkin_list))
    return answer, status


@toplevel_bp.route("/<slug>/upload", methods=["POST"])
@csrf.exempt
@door_limit()
def upload(slug):
    """An offline scanner's queue: the same as the door page's upload.json."""
    door = api_door(slug)
    body = _body()
    try:
        scans = queued_scans(body)
    except QueueError as refusal:
        _error(400, str(refusal))
    results = services.upload(door, scans,
                              lambda key: checkin_lists.by_key(door.event, key))
    return {"results": results, **door_counts(door.event, _list(door.event, body))}


@toplevel_bp.route("/<slug>/search")
@door_limit()
def search(slug):
    event = api_door(slug).event
    query = request.args.get("q", "").strip()[:200]
    found, total = lists.search(event, query)
    return {"query": query, "total": total, "results": [row.as_json() for row in found]}


@toplevel_bp.route("/<slug>/check-ins/<int:check_in_id>/annul", methods=["POST"])
@csrf.exempt
@door_limit()
def annul(slug, check_in_id):
    door = api_door(slug)
    event = door.event
    reason = _text(_body(), "reason", 200)
    if "\n" in reason or "\r" in reason:
        _error(400, "'reason' must be one line.")
    try:
        check_in = services.annul(door, check_in_id, reason)
    except services.CheckInError as refusal:
        db.session.rollback()
        _error(refusal.status, str(refusal))
    return {"outcome": "annulled", "check_in": {"id": check_in.id,
                                                "annulled_at": check_in.annulled_at.isoformat()},
            **door_counts(event)}


@toplevel_bp.route("/<slug>/sync")
@door_limit()
def sync(slug):
    """What an offline door needs to decide alone on one list (`?list=`): each registration by
    the SHA-256 of its badge code (never the code), with name, ticket, whether it may come in
    and whether it has. No email, no answers to questions."""
    door = api_door(slug)
    response = jsonify(services.door_data(door.event, _list(door.event, request.args),
                                          services.wipe_after(door.event, door.device)))
    response.headers["Cache-Control"] = "private, no-store"
    return response
