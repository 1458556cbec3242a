"""The organiser's pages of one event, all under /manage/e/<slug>: each area nests its own
blueprint in this one, which loads the event and checks who may see it once for them all
(the URL processors pattern of Flask's documentation)."""

from flask import Blueprint, abort, g, request
from flask_login import current_user

from app.extensions import login_manager

from . import services
from .models import Event

bp = Blueprint("manage", __name__, url_prefix="/manage/e/<slug>")


@bp.url_value_preprocessor
def pull_slug(endpoint, values):
    """The views never see the slug; load_event turns it into g.event."""
    g.event_slug = values.pop("slug")


@bp.before_request
def load_event():
    """After the app's own checks (a NUL in the address never reaches the database): log in
    first, organisers only, and only then does an unknown event give 404."""
    if request.method == "OPTIONS":  # Flask's automatic answer, let through as login_required does
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_organiser:
        abort(403)
    event = services.get_by_slug(g.pop("event_slug"))
    if event is None:
        abort(404)
    g.event = event
    return None


@bp.url_defaults
def add_slug(endpoint, values):
    """Links between the organiser's pages of the event being shown need not name it."""
    if "slug" not in values and "event" in g:
        values["slug"] = g.event.slug


def organiser_pages(name: str, import_name: str) -> Blueprint:
    """An area's blueprint for its pages about one event, named after the area and nested
    here, so its endpoints read manage.<area>.<view>. Made when the area's views module is
    first imported, before any app registers this blueprint."""
    child = Blueprint(name, import_name)
    bp.register_blueprint(child)
    return child


def current_event() -> Event:
    """The event of the organiser page being shown."""
    return g.event
