from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.access import organiser_pages_required, organiser_required
from app.courses.services import sessions_of
from app.dashboard.chart import registrations_chart
from app.dashboard.services import event_figures, list_figures
from app.extensions import db
from app.notices.services import notice_rows, publication_status, version_summaries
from app.programme.services import conflicts_among, items_for
from app.teams import services as teams
from app.teams.access import EDITORS, ROLE_LABELS, team_roles
from app.teams.models import FINANCE, OWNER
from app.tickets.services import public_offer

from . import services
from .forms import EventForm, RoomForm
from .manage import current_event, organiser_pages
from .models import Event, Room

bp = Blueprint("events", __name__)
organiser = organiser_pages("events", __name__, roles=EDITORS)


def event_or_404(slug: str) -> Event:
    """Published events for everyone; a draft only for its team and administrators."""
    event = services.get_by_slug(slug)
    if event is None or not (event.published or (
            current_user.is_authenticated and current_user.team_role(event) is not None)):
        abort(404)
    return event


@bp.route("/")
def index():
    events = db.session.scalars(
        select(Event).where(Event.published.is_(True)).order_by(Event.starts_on.desc())
    ).all()
    return render_template("events/index.html", events=events)


@bp.route("/e/<slug>/")
def show(slug):
    event = event_or_404(slug)

    return render_template("events/show.html", event=event, offers=public_offer(event),
                           course_sessions=sessions_of(event))


@bp.route("/manage/")
@organiser_pages_required
def dashboard():
    """The events whose team the person is in (every event for an administrator), newest
    first, each with its key figures (counted for all at once) and the person's role."""
    events = teams.manageable_events(current_user)
    roles = {event.id: ROLE_LABELS[current_user.team_role(event)] for event in events}
    return render_template("events/dashboard.html", events=events,
                           figures=list_figures(events), roles=roles)


@bp.route("/manage/events/new", methods=["GET", "POST"])
@organiser_required
def create():
    form = EventForm()
    if form.validate_on_submit():
        event = Event()
        form.populate_obj(event)
        event.slug = services.unique_slug(event.name, event.starts_on)
        db.session.add(event)
        db.session.flush()
        teams.add_member(event, current_user._get_current_object(), OWNER)
        flash(_("The event was created. Add rooms, programme items and tickets."), "success")
        return redirect(url_for("manage.events.manage", slug=event.slug))
    return render_template("events/form.html", form=form, event=None), 400 if form.errors else 200


@organiser.route("/edit", methods=["GET", "POST"])
def edit():
    event = current_event()
    form = EventForm(obj=event)
    if form.validate_on_submit():
        form.populate_obj(event)
        flash(_("The event was saved."), "success")
        return redirect(url_for("manage.events.manage"))
    return render_template("events/form.html", form=form, event=event), 400 if form.errors else 200


@organiser.route("/")
@team_roles(*EDITORS, read_only_for=(FINANCE,))
def manage():
    """The event's home: its state at a glance, and the way to every page about it."""
    event = current_event()
    figures = event_figures(event)
    return render_template(
        "events/manage.html", event=event, figures=figures,
        chart=registrations_chart(figures.days, figures.seats.capacity),
    )


def _render_programme(event: Event, room_form: RoomForm | None = None, status: int = 200):
    items = items_for(event, include_cancelled=True)
    changes = notice_rows(event)
    page = render_template(
        "events/programme.html",
        event=event,
        room_form=room_form or RoomForm(),
        items=items,
        clashes=conflicts_among(items),
        versions=version_summaries(event, changes),
        publication=publication_status(event, items, changes),
    )
    return page, status


@organiser.route("/programme")
def programme():
    """The programme being drafted, the rooms and the published versions."""
    return _render_programme(current_event())


@organiser.route("/rooms", methods=["POST"])
def add_room():
    event = current_event()
    form = RoomForm()
    if not form.validate_on_submit():
        return _render_programme(event, form, 400)
    room = Room(event=event, position=len(event.rooms))
    form.populate_obj(room)
    db.session.add(room)
    flash(_("The room %(name)s was added.", name=room.name), "success")
    return redirect(url_for("manage.events.programme") + "#rooms")
