"""Workshop sign-ups: the attendee's buttons on their registration page, and the organiser's
list of who signed up for an item (its CSV and PDF are exports: app/exports)."""

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.errors import render_error
from app.events.manage import current_event
from app.events.models import Event
from app.extensions import db, limiter
from app.registration.services import by_token

from . import signups
from .models import ProgrammeItem
from .views import bp, organiser


@bp.app_template_global()
def session_offers(registration) -> list:
    """For templates/programme/_signup.html: the sessions the attendee can sign up for."""
    if registration is None or not registration.is_active:
        return []
    return signups.offers_for(registration)


@bp.app_template_global()
def signup_limit(item) -> int | None:
    """How many may sign up for a (live) item: its own limit, its room's capacity, or None."""
    return signups.limit_of(item)


@bp.app_template_global()
def signup_state(event_id: int) -> dict:
    """item id -> (signed up, limit) for the event's sign-up items, read once per request
    however many items a page shows (templates/programme/_item.html)."""
    cache = g.setdefault("_signup_state", {})
    if event_id not in cache:
        event = db.session.get(Event, event_id)
        cache[event_id] = signups.counts_for(event) if event is not None else {}
    return cache[event_id]


def _registration_or_404(token: str):
    registration = by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>/signups/<int:item_id>", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("RATELIMIT_MANAGE", "60 per minute"))
def change_signup(token, item_id):
    registration = _registration_or_404(token)
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != registration.event_id:
        abort(404)
    action = request.form.get("action")
    if action not in ("join", "leave"):
        abort(400)
    back = url_for("registration.manage", token=token) + "#workshops"
    if action == "leave":
        if signups.leave(registration, item):
            flash(_("You have left “%(title)s”; your seat is free for someone else.",
                    title=item.title), "success")
        else:
            flash(_("You had no seat in “%(title)s”.", title=item.title), "info")
        return redirect(back, 303)
    try:
        joined = signups.sign_up(registration, item)
    except signups.SignupError as error:
        db.session.rollback()
        return render_error(error.status, _("You are not signed up"), str(error))
    if joined:
        flash(_("You have a seat in “%(title)s”. It is in your programme too.",
                title=item.title), "success")
    else:
        flash(_("You already have a seat in “%(title)s”.", title=item.title), "info")
    return redirect(back, 303)


# --- for organisers ---------------------------------------------------------------------------

def _item_or_404(event, item_id) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


@organiser.route("/items/<int:item_id>/signups")
def item_signups(item_id):
    event = current_event()
    item = _item_or_404(event, item_id)
    return render_template(
        "programme/signups.html", event=event, item=item, signups=signups.signups_of(item),
        limit=signups.limit_of(item),
    )
