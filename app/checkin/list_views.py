"""The door's lists, on the check-in blueprint: find a person, check them in or print their
badge from the result, who is still missing, and the live counts."""

from flask import Response, abort, jsonify, render_template, request
from flask_babel import gettext as _

from app.badges.services import badge_pdf

from . import lists, services
from .views import bp, door_access, door_list


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def _search_page(event, query, result=None, status=200):
    found, total = lists.search(event, query)
    if _wants_json() or request.path.endswith(".json"):
        return jsonify(query=query, total=total,
                       results=[row.as_json() for row in found]), status
    return render_template("checkin/search.html", event=event, query=query, found=found,
                           total=total, result=result), status


@bp.route("/<slug>/search")
def search(slug):
    event = door_access(slug).event
    return _search_page(event, request.args.get("q", "").strip()[:200])


@bp.route("/<slug>/search.json")
def search_json(slug):
    """The search for the door page's script, whatever it accepts."""
    return search(slug)


@bp.route("/<slug>/registrations/<int:registration_id>/check-in", methods=["POST"])
def check_in(slug, registration_id):
    """Check in a person found by name, through the same rules as a scan of their badge (a
    double tap finds them already checked in)."""
    door = door_access(slug)
    event = door.event
    registration = lists.door_registration(event, registration_id)
    if registration is None:
        abort(404)
    _answer, status, result = services.redeem(
        door, registration.badge_token, door_list(door), manual=True,
        answer_of=lambda result: None)
    if _wants_json():
        return jsonify(outcome=result.outcome, name=registration.name), result.status_code
    return _search_page(event, request.form.get("q", "").strip()[:200], result,
                        result.status_code)


@bp.route("/<slug>/registrations/<int:registration_id>/badge.pdf")
def badge(slug, registration_id):
    """A lost or forgotten badge printed again at the door."""
    event = door_access(slug).event
    registration = lists.door_registration(event, registration_id)
    if registration is None or registration.status != "confirmed":
        abort(404)
    return Response(badge_pdf([registration]), mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="namnbricka.pdf"',
        "Cache-Control": "private, no-store"})


@bp.route("/<slug>/missing")
def missing(slug):
    door = door_access(slug)
    event, checkin_list = door.event, door_list(door)
    query = request.args.get("q", "").strip()[:200]
    shown, total = lists.missing(event, query, checkin_list)
    return render_template("checkin/missing.html", event=event, query=query, shown=shown,
                           total=total, checkin_list=checkin_list,
                           counts=lists.counts(event, _("Unknown account"), checkin_list))


@bp.route("/<slug>/counts.json")
def counts(slug):
    door = door_access(slug)
    response = jsonify(lists.counts(door.event, _("Unknown account"),
                                    door_list(door)).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response
