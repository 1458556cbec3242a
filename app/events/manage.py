"""The organiser's pages of one event, all under /manage/e/<slug>: each area nests its own
blueprint in this one, which loads the event and checks who may use the page once for them
all (the URL processors pattern of Flask's documentation).

Each area's blueprint declares which roles of the event's team may use its pages
(`organiser_pages(area, __name__, roles=..., read_only_for=...)`, see app.teams.access); a view
may declare its own with `@team_roles(...)`. The check, in order: log in first; someone with
no organiser pages anywhere (door staff only) gets 403 whatever the address; an unknown event
and an event whose team the person is not in both give 404, so a page does not tell whether
an event exists; then the page's rule for the person's role (403 with the reason)."""

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from app.extensions import login_manager
from app.teams.access import PageAccess

from . import services
from .models import Event

bp = Blueprint("manage", __name__, url_prefix="/manage/e/<slug>")

# "manage.<area>" -> what its blueprint declared.
_ACCESS: dict[str, PageAccess] = {}


@bp.url_value_preprocessor
def pull_slug(endpoint, values):
    """The views never see the slug; load_event turns it into g.event."""
    g.event_slug = values.pop("slug")


@bp.before_request
def load_event():
    """After the app's own checks (a NUL in the address never reaches the database)."""
    if request.method == "OPTIONS":  # Flask's automatic answer, let through as login_required does
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_organiser_pages:
        abort(403)
    event = services.get_by_slug(g.pop("event_slug"))
    role = current_user.team_role(event) if event is not None else None
    if role is None:
        abort(404)
    page_access(request.endpoint).check(role, request.method)
    g.event, g.team_role = event, role
    return None


@bp.url_defaults
def add_slug(endpoint, values):
    """Links between the organiser's pages of the event being shown need not name it."""
    if "slug" not in values and "event" in g:
        values["slug"] = g.event.slug


@bp.app_context_processor
def team_context():
    """`team_role` (the person's role at the event shown, "admin" for an administrator) and
    `may_open(endpoint, method)` for templates that leave out what the person may not use."""
    return {"team_role": g.get("team_role"), "may_open": may_open}


def organiser_pages(name: str, import_name: str, *, roles: tuple[str, ...],
                    read_only_for: tuple[str, ...] = ()) -> Blueprint:
    """An area's blueprint for its pages about one event, named after the area and nested
    here, so its endpoints read manage.<area>.<view>. `roles` are the team roles that may use
    its pages, `read_only_for` those that may only read them (app.teams.access: EDITORS, MONEY,
    OWNERS ...). Made when the area's views module is first imported, before any app registers
    this blueprint."""
    child = Blueprint(name, import_name)
    _ACCESS[f"{bp.name}.{name}"] = PageAccess(tuple(roles), tuple(read_only_for))
    bp.register_blueprint(child)
    return child


def page_access(endpoint: str) -> PageAccess:
    """The rule of an organiser page: its view's own, or else its blueprint's."""
    view = current_app.view_functions.get(endpoint)
    own = getattr(view, "team_access", None)
    return own or _ACCESS[endpoint.rpartition(".")[0]]


def may_open(endpoint: str, method: str = "GET") -> bool:
    """Whether the person may use this organiser page of the event being shown."""
    return page_access(endpoint).allows(g.get("team_role"), method)


def current_event() -> Event:
    """The event of the organiser page being shown."""
    return g.event


def current_team_role() -> str:
    """The person's role at the event of the page being shown ("admin" for an administrator)."""
    return g.team_role
