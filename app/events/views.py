from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import organiser_pages_required, organiser_required
from app.extensions import db
from app.notices.services import notice_rows, publication_status, version_summaries
from app.programme.services import conflicts_among, items_for
from app.registration.models import Registration
from app.registration.services import registration_counts
from app.teams import services as teams
from app.teams.access import EDITORS, ROLE_LABELS, team_roles
from app.teams.models import FINANCE, OWNER
from app.tickets.services import public_offer, ticket_types_for

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

    return render_template("events/show.html", event=event, offers=public_offer(event))


@bp.route("/manage/")
@organiser_pages_required
def dashboard():
    """The events whose team the person is in (every event for an administrator)."""
    events = teams.manageable_events(current_user)
    counts = dict(
        db.session.execute(
            select(Registration.event_id, func.count())
            .where(Registration.status == "confirmed",
                   Registration.event_id.in_([event.id for event in events]))
            .group_by(Registration.event_id)
        ).all()
    )
    roles = {event.id: ROLE_LABELS[current_user.team_role(event)] for event in events}
    return render_template("events/dashboard.html", events=events, counts=counts, roles=roles)


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


def _render_manage(event: Event, room_form: RoomForm | None = None, status: int = 200):
    items = items_for(event, include_cancelled=True)
    changes = notice_rows(event)
    page = render_template(
        "events/manage.html",
        event=event,
        room_form=room_form or RoomForm(),
        items=items,
        clashes=conflicts_among(items),
        ticket_types=ticket_types_for(event),
        counts=registration_counts(event),
        versions=version_summaries(event, changes),
        publication=publication_status(event, items, changes),
    )
    return page, status


@organiser.route("/")
@team_roles(*EDITORS, read_only_for=(FINANCE,))
def manage():
    return _render_manage(current_event())


@organiser.route("/rooms", methods=["POST"])
def add_room():
    event = current_event()
    form = RoomForm()
    if not form.validate_on_submit():
        return _render_manage(event, form, 400)
    room = Room(event=event, position=len(event.rooms))
    form.populate_obj(room)
    db.session.add(room)
    flash(_("The room %(name)s was added.", name=room.name), "success")
    return redirect(url_for("manage.events.manage") + "#rooms")
