from flask import Blueprint, Response, abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.events.manage import current_event, organiser_pages
from app.extensions import db, limiter
from app.registration.models import Registration
from app.registration.views import order_attendee_or_404, order_or_404, registration_or_404
from app.teams.access import EDITORS

from .services import badge_pdf

bp = Blueprint("badges", __name__)
organiser = organiser_pages("badges", __name__, roles=EDITORS)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data, mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )


@bp.route("/r/<token>/badge.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def attendee_badge(token):
    registration = registration_or_404(token)
    if not registration.is_active:
        abort(404)
    return _pdf(badge_pdf([registration]), "namnbricka.pdf")


@bp.route("/o/<token>/badges/<int:registration_id>.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def order_badge(token, registration_id):
    """A colleague's badge for the buyer who registered them, through the order's own link:
    the buyer never holds the colleague's personal link."""
    registration = order_attendee_or_404(order_or_404(token), registration_id)
    if not registration.is_active:
        abort(404)
    return _pdf(badge_pdf([registration]), "namnbricka.pdf")


@organiser.route("/badges.pdf")
def event_badges():
    event = current_event()
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .options(selectinload(Registration.ticket_type), selectinload(Registration.event))
        .order_by(Registration.name)
    ).all()
    if not registrations:
        abort(404)
    return _pdf(badge_pdf(registrations), f"namnbrickor-{event.slug}.pdf")
