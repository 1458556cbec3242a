"""Card payment: the way to Stripe's payment page, Stripe's webhook, and the organiser's
refund. The payments area's blueprints live here; organiser_views adds the orders and
invoices pages to them."""

import logging

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import money
from app.errors import render_error
from app.events.manage import current_event, organiser_pages
from app.extensions import csrf, db, limiter
from app.orders.models import Order
from app.orders.services import order_by_token
from app.teams.access import MONEY

from . import gateway, services
from .forms import RefundForm

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)
organiser = organiser_pages("payments", __name__, roles=MONEY)


@bp.route("/o/<token>/pay", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def checkout(token):
    """To Stripe's payment page for the order, made once and reused on a second click."""
    order = order_by_token(token)
    if order is None:
        abort(404)
    try:
        url = services.checkout_url(order)
    except services.NotPayable as error:
        flash(str(error), "info")
        return redirect(url_for("registration.order", token=token), 303)
    except services.CardUnavailable as error:
        return render_error(503, _("Card payment is not available right now"),
                            f"{error} " + _("Your seats are still held; the order page has "
                                            "the time."))
    return redirect(url, 303)


@bp.route("/stripe/webhook", methods=["POST"])
@csrf.exempt
@limiter.exempt
def webhook():
    """Stripe tells us what happened to a payment. Answered 400 unless Stripe signed this very
    body within the last five minutes; otherwise 200, also for events we ignore, so Stripe
    stops resending them."""
    if not gateway.card_available():
        abort(404)
    try:
        event = gateway.parse_webhook(request.get_data(),
                                      request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as error:
        log.warning("Refused a Stripe webhook: %s", error)
        return {"error": "invalid signature"}, 400
    if not services.well_formed(event):
        log.warning("Refused a signed Stripe webhook of an unknown shape")
        return {"error": "malformed event"}, 400
    outcome = services.handle_event(event)
    return {"received": True, "outcome": outcome}, 200


def _managed_order(order_id: int):
    event = current_event()
    order = db.session.scalar(select(Order).where(Order.id == order_id,
                                                  Order.event_id == event.id))
    if order is None:
        abort(404)
    return event, order


def _order_page(event, order):
    return url_for("manage.payments.order_detail", order_id=order.id)


@organiser.route("/orders/<int:order_id>/refund", methods=["GET", "POST"])
def refund(order_id):
    """The organiser pays back part or all of an order."""
    event, order = _managed_order(order_id)
    form = RefundForm().for_order(order)
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                made = services.refund_by_hand(order, form.amount_ore, current_user,
                                               form.note.data or "", form.seen_refunded)
            except services.RefundConflict as error:
                flash(str(error), "error")
                status = 409
            except services.RefundError as error:
                if services.refundable_ore(order):
                    form.amount.errors.append(str(error))
                else:  # no form to show it by
                    flash(str(error), "error")
            else:
                amount = money.format(made.amount_ore, made.currency)
                if made.status == "failed":
                    flash(_("Stripe did not make the refund: %(reason)s", reason=made.error),
                          "error")
                    return redirect(_order_page(event, order), 303)
                if services.is_unknown(made):
                    flash(_("Stripe did not answer, so it is not yet known whether %(amount)s "
                            "was refunded. The refund stays pending and Samla asks Stripe "
                            "again; it cannot be paid twice.",
                            amount=amount), "error")
                    return redirect(_order_page(event, order), 303)
                flash(_("%(amount)s is being refunded to %(email)s.",
                        amount=amount, email=order.buyer_email)
                      if made.status == "pending" else
                      _("%(amount)s was refunded to %(email)s.",
                        amount=amount, email=order.buyer_email),
                      "success")
                return redirect(_order_page(event, order), 303)
        db.session.rollback()
        db.session.refresh(order)
        form.seen_refunded_ore.data = str(order.refunded_ore)
    return render_template(
        "payments/refund.html", event=event, order=order, form=form,
        refunds=services.refunds_for(order), refundable=services.refundable_ore(order),
        back_url=_order_page(event, order),
    ), status


@bp.cli.command("expire-holds")
def expire_holds_command():
    """Give back the seats of card orders not paid in time and end their Stripe sessions."""
    expired, ended = services.sweep_holds()
    click.echo(f"expired orders: {expired}, Stripe sessions ended: {ended}")


@bp.cli.command("retry-refunds")
def retry_refunds_command():
    """Ask Stripe again about refunds whose answer never came (same idempotency key)."""
    settled = services.retry_pending_refunds()
    click.echo(f"refunds settled: {settled}")
