"""Everything Samla says to Stripe goes through this module.

It speaks Stripe's API with the official library (a StripeClient per call, pointed at
STRIPE_API_BASE when that is set: the local stand-in in tests) and hands the rest of Samla plain
values. Nothing here touches the database."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import stripe
from flask import current_app
from flask_babel import gettext as _

from app.db_types import utcnow
from app.mail.render import absolute_url

log = logging.getLogger(__name__)

# Stripe accepts a Checkout Session's expires_at between 30 minutes and 24 hours from its
# creation. A minute of margin covers the time between our clock and Stripe's check.
SESSION_MIN_LIFETIME = timedelta(minutes=31)
SESSION_MAX_LIFETIME = timedelta(hours=23, minutes=59)
WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # seconds, 300


class GatewayError(Exception):
    """Stripe could not be reached or refused; `message` is Stripe's own explanation."""

    def __init__(self, message: str, *, code: str = "", not_open: bool = False,
                 unknown: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        # expire_checkout_session: the session was not open (already expired or paid).
        self.not_open = not_open
        # No definite answer (the network failed, timed out, or Stripe had an error of its
        # own): the request may have been carried out anyway. Ask again with the same
        # idempotency key rather than treat it as refused.
        self.unknown = unknown


class InvalidWebhook(Exception):
    pass


@dataclass
class CheckoutSession:
    id: str
    url: str


@dataclass
class StripeRefund:
    id: str
    status: str  # Samla's: pending, succeeded or failed


def card_available() -> bool:
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def _client() -> stripe.StripeClient:
    config = current_app.config
    options = {}
    if config.get("STRIPE_API_BASE"):
        options["base_addresses"] = {"api": config["STRIPE_API_BASE"].rstrip("/")}
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        http_client=stripe.RequestsClient(timeout=config.get("STRIPE_TIMEOUT", 20)),
        **options,
    )


# Errors after which Stripe may or may not have done what was asked.
UNKNOWN_OUTCOME = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError,
                   stripe.IdempotencyError)


def _error(error: stripe.StripeError) -> GatewayError:
    message = getattr(error, "user_message", None) or str(error) or type(error).__name__
    return GatewayError(message, code=getattr(error, "code", None) or "",
                        unknown=isinstance(error, UNKNOWN_OUTCOME))


# --- Checkout --------------------------------------------------------------------------------

def checkout_params(order, now: datetime | None = None) -> dict:
    """The Checkout Session for a pending card order: Stripe's hosted page in the buyer's
    language, one line per ticket type at the price each seat was sold for."""
    now = now or utcnow()
    language = "en" if order.language == "en" else "sv"
    lines: dict[tuple[int, int], dict] = {}
    for registration in order.registrations:
        if registration.status not in ("pending", "confirmed"):
            continue
        key = (registration.ticket_type_id, registration.price_ore)
        if key in lines:
            lines[key]["quantity"] += 1
            continue
        lines[key] = {
            "quantity": 1,
            "price_data": {
                "currency": order.currency.lower(),
                "unit_amount": registration.price_ore,
                "product_data": {
                    "name": f"{registration.ticket_type.name_in(language)} – "
                            f"{order.event.name}",
                },
            },
        }
    metadata = {"order_id": str(order.id), "order_code": order.code,
                "event": order.event.slug}
    params = {
        "mode": "payment",
        "locale": language,
        "line_items": list(lines.values()),
        "customer_email": order.buyer_email,
        "client_reference_id": order.code,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": absolute_url("registration.order", token=order.manage_token, paid=1),
        "cancel_url": absolute_url("registration.order", token=order.manage_token),
    }
    # The session ends with the hold when Stripe allows it; a shorter hold is enforced by
    # expiring the session through the API when the hold runs out (expire_checkout_session).
    if order.hold_expires_at is not None:
        remaining = order.hold_expires_at - now
        if SESSION_MIN_LIFETIME <= remaining <= SESSION_MAX_LIFETIME:
            params["expires_at"] = int(order.hold_expires_at.timestamp())
    return params


def checkout_idempotency_key(order_id: int) -> str:
    return f"samla-order-{order_id}-checkout"


def create_checkout_session(order_id: int, params: dict) -> CheckoutSession:
    """One session per order: a second call for the same order (a double submit) gets the
    same session back from Stripe's idempotency layer."""
    try:
        session = _client().v1.checkout.sessions.create(
            params, options={"idempotency_key": checkout_idempotency_key(order_id)})
    except stripe.StripeError as error:
        log.warning("Stripe refused a Checkout Session for order %s: %s", order_id, error)
        raise _error(error) from error
    return CheckoutSession(id=session["id"], url=session["url"])


def expire_checkout_session(session_id: str) -> None:
    """End an open session so nobody can pay for seats that were given back."""
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError as error:
        # Stripe answers 400 for a session that is no longer open (expired, completed) and
        # 404 for one it does not know: either way there is nothing left to end.
        raise GatewayError(str(error), code=error.code or "", not_open=True) from error
    except stripe.StripeError as error:
        raise _error(error) from error


# --- refunds ---------------------------------------------------------------------------------

def refund(payment_intent: str, amount_ore: int, idempotency_key: str,
           metadata: dict | None = None) -> StripeRefund:
    """Pay back amount_ore of a payment. The idempotency key makes a retried call one refund.

    Raises GatewayError: with `unknown` set when Stripe could not be reached or did not answer
    (the refund may have been made: ask again with the same key and parameters), without it
    when Stripe refused (nothing was refunded)."""
    if not payment_intent:
        raise GatewayError(_("No card payment is recorded for this order."), code="no_payment")
    try:
        result = _client().v1.refunds.create(
            {"payment_intent": payment_intent, "amount": amount_ore,
             "metadata": metadata or {}},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        failure = _error(error)
        log.warning("Stripe %s a refund of %s öre on %s: %s",
                    "did not answer about" if failure.unknown else "refused", amount_ore,
                    payment_intent, error)
        raise failure from error
    status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
        result["status"], "pending")
    return StripeRefund(id=result["id"], status=status)


# --- webhooks --------------------------------------------------------------------------------

def parse_webhook(payload: bytes, signature: str | None) -> dict:
    """The event Stripe sent, after checking its signature over the raw body and that it was
    signed within the last five minutes (a replay of an old delivery is refused)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, WEBHOOK_TOLERANCE)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidWebhook(str(error)) from error
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise InvalidWebhook("not a Stripe event")
    return event
