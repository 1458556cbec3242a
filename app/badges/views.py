from flask import Blueprint, Response, abort, current_app

from app.extensions import limiter
from app.registration.views import order_attendee_or_404, order_or_404, registration_or_404

from .services import badge_pdf

bp = Blueprint("badges", __name__)


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
