from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import organiser_required
from app.events.views import event_or_404, managed_event_or_404
from app.extensions import db, limiter
from app.i18n import current_language
from app.programme import services as programme_services

from . import personal, services
from .forms import CancelForm, RegistrationForm, StarForm
from .models import Registration

bp = Blueprint("registration", __name__)


def _ticket_choices(event):
    return [(t.id, t.name) for t in services.ticket_types_for(event)]


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTRATION"], methods=["POST"])
def register(slug):
    event = event_or_404(slug)
    ticket_types = services.ticket_types_for(event)
    form = RegistrationForm()
    form.ticket_type.choices = _ticket_choices(event)
    free = [t for t in ticket_types if t.is_free]
    if form.ticket_type.data is None and len(free) == 1:
        form.ticket_type.data = free[0].id
    status = 200
    if form.is_submitted():
        status = 400
        if form.website.data:
            abort(400)
        if form.validate():
            ticket_type = next(t for t in ticket_types if t.id == form.ticket_type.data)
            attendee = services.Attendee(
                name=form.name.data, email=form.email.data,
                organisation=form.organisation.data or "",
                dietary_needs=form.dietary_needs.data or "",
                accessibility_needs=form.accessibility_needs.data or "",
                sensitive_consent=form.sensitive_consent.data, language=current_language(),
            )
            try:
                registration = services.register(event, ticket_type, attendee)
            except services.AlreadyRegistered as error:
                existing = services.find_active(event, attendee.email)
                if existing is not None:
                    services.resend_confirmation(existing)
                flash(f"{error} " + _("We have sent the confirmation with your personal link "
                                      "to that address again."), "info")
                return redirect(url_for("events.show", slug=slug)), 303
            except services.RegistrationError as error:
                flash(str(error), "error")
                status = 409
            else:
                flash(_("Thank you, you are registered! A confirmation with your badge is on its "
                        "way to %(email)s.", email=registration.email), "success")
                return redirect(url_for("registration.manage", token=registration.manage_token))
    return render_template(
        "registration/register.html", event=event, form=form, ticket_types=ticket_types
    ), status


def registration_or_404(token: str) -> Registration:
    registration = services.by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>")
def manage(token):
    registration = registration_or_404(token)
    return render_template(
        "registration/manage.html", registration=registration, event=registration.event,
        cancel_form=CancelForm(),
    )


@bp.route("/r/<token>/cancel", methods=["POST"])
def cancel(token):
    registration = registration_or_404(token)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return render_template(
            "registration/manage.html", registration=registration, event=registration.event,
            cancel_form=form,
        ), 400
    if services.cancel(registration):
        flash(_("Your registration is cancelled. Your seat has been given back."), "success")
    else:
        flash(_("This registration was already cancelled."), "info")
    return redirect(url_for("registration.manage", token=token))


def active_registration_or_404(token: str) -> Registration:
    registration = registration_or_404(token)
    if not registration.is_active:
        abort(404)
    return registration


@bp.route("/r/<token>/programme")
def my_programme(token):
    """The whole programme with a star per item; the starred ones first, under "Your choices".
    A fixed number of queries however long the programme is."""
    registration = active_registration_or_404(token)
    event = registration.event
    items = programme_services.items_for(event, include_cancelled=True)
    starred = personal.starred_ids(registration)
    return render_template(
        "registration/my_programme.html", registration=registration, event=event,
        chosen=[item for item in items if item.id in starred], starred=starred,
        days=programme_services.by_day(event, items), star_form=StarForm(),
        calendar_url=url_for("registration.my_programme_ical", token=token, _external=True),
    )


@bp.route("/r/<token>/programme/<int:item_id>/star", methods=["POST"])
def star(token, item_id):
    registration = active_registration_or_404(token)
    item = personal.item_or_none(registration, item_id)
    if item is None:
        abort(404)
    form = StarForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("add", "remove"):
        abort(400)
    try:
        if action == "add":
            personal.star(registration, item)
        else:
            personal.unstar(registration, item)
    except personal.PersonalProgrammeError:
        abort(409)
    return redirect(url_for("registration.my_programme", token=token) + f"#item-{item.id}"), 303


@bp.route("/r/<token>/programme.ics")
def my_programme_ical(token):
    registration = active_registration_or_404(token)
    response = Response(personal.personal_ical(registration),
                        content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="my-programme.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/manage/e/<slug>/registrations")
@organiser_required
def registrations(slug):
    event = managed_event_or_404(slug)
    rows = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
        .options(selectinload(Registration.ticket_type), selectinload(Registration.check_in))
        .order_by(Registration.created_at.desc())
    ).all()
    return render_template(
        "registration/list.html", event=event, registrations=rows,
        sensitive=services.sensitive_counts(event),
    )
