from flask import Blueprint, abort, current_app, render_template
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from app.events.models import Event
from app.events.services import get_by_slug
from app.extensions import db, limiter

from . import services
from .forms import ScanForm

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


def _door_event_or_404(slug: str) -> Event:
    event = get_by_slug(slug)
    if event is None:
        abort(404)
    if not current_user.may_check_in(event):
        abort(403)
    return event


@bp.route("/")
@login_required
def choose_event():
    if current_user.is_organiser:
        events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    else:
        events = sorted(current_user.door_events, key=lambda e: e.starts_on, reverse=True)
    return render_template("checkin/choose.html", events=events)


def _door_account() -> str:
    """Scans are counted per account: the door staff of a venue share its network address."""
    if current_user.is_authenticated:
        return f"account-{current_user.id}"
    return get_remote_address()


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_DOOR"], key_func=_door_account,
               methods=["POST"])
@login_required
def scan(slug):
    event = _door_event_or_404(slug)
    form = ScanForm()
    result, status = None, 200
    if form.validate_on_submit():
        result = services.scan(event, form.code.data, current_user)
        status = result.status_code
    elif form.is_submitted():
        status = 400
    form.code.data = ""
    checked_in, expected = services.progress(event)
    return render_template(
        "checkin/scan.html", event=event, form=form, result=result,
        checked_in=checked_in, expected=expected,
    ), status
