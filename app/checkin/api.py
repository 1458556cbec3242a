"""The check-in API for scanner apps, including another maker's: a door device's token as
`Authorization: Bearer`, JSON in and out, under /api/v1/checkin/<slug>/. A redeem carries a
nonce: a repeat from the same device (a retry after a lost answer, an offline door syncing
twice) is answered from its ScanRecord exactly as the first time and checks no one in twice."""

import hashlib

from flask import Blueprint, abort, jsonify, make_response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.events.services import get_by_slug
from app.extensions import csrf, db
from app.registration.models import Registration

from . import devices, lists, services
from .models import CheckIn
from .views import STATUS_TEXT, door_counts, door_limit, scan_detail, scanned_by

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


def api_door(slug: str):
    """The event and the device of the token: 401 without a known token, 403 when the device
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
    return event, device


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


def _answer(result: services.ScanResult, event) -> dict:
    registration, check_in = result.registration, result.check_in
    answer = {"outcome": result.outcome, "status": str(STATUS_TEXT[result.outcome]),
              "detail": scan_detail(result, event), "name": None, "ticket_type": None,
              "organisation": None, "check_in": None, **door_counts(event)}
    if registration is not None and result.outcome != "other_event":
        answer.update(name=registration.name, ticket_type=registration.ticket_type.name,
                      organisation=registration.organisation or None)
    if check_in is not None:
        answer["check_in"] = {"id": check_in.id, "at": check_in.checked_in_at.isoformat(),
                              "by": scanned_by(check_in)}
    return answer


def _record(device, nonce):
    return db.session.scalar(select(devices.ScanRecord).where(
        devices.ScanRecord.device_id == device.id, devices.ScanRecord.nonce == nonce))


@toplevel_bp.route("/<slug>/redeem", methods=["POST"])
@csrf.exempt
@door_limit()
def redeem(slug):
    event, device = api_door(slug)
    body = _body()
    code = _text(body, "code", 200)
    nonce = _text(body, "nonce", 64)
    device_time = _text(body, "device_time", 40, required=False)
    earlier = _record(device, nonce)
    if earlier is not None:
        return earlier.answer, earlier.status
    result = services.scan(event, code, None, device)
    answer = _answer(result, event)
    try:
        with db.session.begin_nested():
            db.session.add(devices.ScanRecord(device_id=device.id, nonce=nonce, code=code,
                                              device_time=device_time,
                                              status=result.status_code, answer=answer))
    except IntegrityError:  # the same nonce at the same instant: the first one answers
        earlier = _record(device, nonce)
        return earlier.answer, earlier.status
    return answer, result.status_code


@toplevel_bp.route("/<slug>/search")
@door_limit()
def search(slug):
    event, _device = api_door(slug)
    query = request.args.get("q", "").strip()[:200]
    found, total = lists.search(event, query)
    return {"query": query, "total": total, "results": [row.as_json() for row in found]}


@toplevel_bp.route("/<slug>/check-ins/<int:check_in_id>/annul", methods=["POST"])
@csrf.exempt
@door_limit()
def annul(slug, check_in_id):
    event, device = api_door(slug)
    reason = _text(_body(), "reason", 200)
    if "\n" in reason or "\r" in reason:
        _error(400, "'reason' must be one line.")
    try:
        check_in = services.annul(event, check_in_id, None, reason, device)
    except services.CheckInError as refusal:
        db.session.rollback()
        _error(refusal.status, str(refusal))
    return {"outcome": "annulled", "check_in": {"id": check_in.id,
                                                "annulled_at": check_in.annulled_at.isoformat()},
            **door_counts(event)}


@toplevel_bp.route("/<slug>/sync")
@door_limit()
def sync(slug):
    """What an offline door needs to decide alone: each confirmed registration by the SHA-256
    of its badge code (never the code), with name, ticket and whether it is checked in. No
    email, no answers to questions."""
    event, _device = api_door(slug)
    live = select(CheckIn.registration_id).where(CheckIn.event_id == event.id, CheckIn.counts())
    live_ids = set(db.session.scalars(live))
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == "confirmed").order_by(Registration.id))
    return {
        "event": event.slug, "generated_at": devices.utcnow().isoformat(),
        "registrations": [{
            "badge_sha256": hashlib.sha256(r.badge_token.encode("ascii")).hexdigest(),
            "name": r.name, "ticket_type": r.ticket_type.name, "status": r.status,
            "checked_in": r.id in live_ids,
        } for r in registrations],
    }
