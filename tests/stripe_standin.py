"""A local stand-in for the parts of Stripe that Samla uses, so no test talks to the internet.

A real HTTP server (werkzeug, in a thread, on a free port) that answers Stripe's API the way
Stripe does for what Samla calls: Checkout Sessions (create, with Idempotency-Key; retrieve;
expire) and refunds (which can be told to fail). It also serves a hosted payment page: its
"Pay" button marks the session paid, sends Samla a `checkout.session.completed` event signed
with the webhook secret, and redirects the browser to the session's success_url, as Stripe
does. Everything it was asked is kept in `requests` for the tests to check."""

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import requests as http
import stripe
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

STRIPE_LOCALES = {"auto", "sv", "en", "da", "de", "fi", "fr", "nb", "nl", "es"}


def decode_form(body: str) -> dict:
    """Stripe's form encoding (`line_items[0][price_data][unit_amount]=95000`) as nested
    dicts and lists of strings."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(result)


def _listify(node):
    if isinstance(node, dict):
        node = {key: _listify(value) for key, value in node.items()}
        if node and all(key.isdigit() for key in node):
            return [node[key] for key in sorted(node, key=int)]
    return node


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    idempotency_key: str | None


@dataclass
class Delivery:
    event: dict
    status: int
    answer: dict | None = None


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str = ""):
        super().__init__(message)
        self.status, self.type, self.message, self.code = status, type_, message, code

    def response(self) -> Response:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        return _json({"error": error}, self.status)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json",
                    headers={"Request-Id": "req_" + secrets.token_hex(7)})


@dataclass
class StripeStandIn:
    api_key: str
    webhook_secret: str
    # Where events go: a callable (body, headers) -> (status, json) standing in for Samla's
    # webhook URL. Tests using the Flask test client pass one that posts through it.
    deliver: object = None
    sessions: dict = field(default_factory=dict)
    payment_intents: dict = field(default_factory=dict)
    refunds: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)
    # Events Stripe would send on its own later (an expired session); tests deliver them.
    undelivered: list = field(default_factory=list)
    # When set, refunds are refused with this message (Stripe's invalid_request_error).
    fail_refunds: str | None = None
    # Called in the test's thread after pay(), once Samla has had the event (the tests use it
    # to end their database session, so that they see what the webhook committed).
    after_pay: object = None

    def __post_init__(self):
        self._idempotent: dict[str, tuple[dict, Response]] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- running ------------------------------------------------------------------------------

    def start(self) -> "StripeStandIn":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        with self._lock:
            for collection in (self.sessions, self.payment_intents, self._idempotent):
                collection.clear()
            for collection in (self.refunds, self.requests, self.deliveries, self.undelivered):
                collection.clear()
            self.fail_refunds = None

    # --- what tests look at -------------------------------------------------------------------

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests
                if r.method == method and r.path.startswith(path_prefix)]

    def session_created(self) -> list[Recorded]:
        return [r for r in self.calls("POST", "/v1/checkout/sessions")
                if r.path == "/v1/checkout/sessions"]

    def session_for(self, url: str) -> dict:
        """The session behind a hosted page URL (what Samla redirected the browser to)."""
        session_id = url.rstrip("/").rsplit("/", 1)[-1]
        return self.sessions[session_id]

    # --- the hosted page, as a browser uses it ------------------------------------------------

    def pay(self, url: str) -> http.Response:
        """Open the payment page and press Pay, like the buyer's browser (not following the
        redirect to Samla)."""
        page = http.get(url, timeout=10)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        response = http.post(self.base_url + html.unescape(action), allow_redirects=False,
                             timeout=30)
        if self.after_pay is not None:
            self.after_pay()
        return response

    # --- events -------------------------------------------------------------------------------

    def event(self, type_: str, obj: dict, created: int | None = None) -> dict:
        return {
            "id": "evt_" + secrets.token_hex(12), "object": "event", "type": type_,
            "api_version": stripe.api_version, "created": created or int(time.time()),
            "livemode": False, "pending_webhooks": 1,
            "data": {"object": dict(obj)},
        }

    def sign(self, payload: str, timestamp: int | None = None, secret: str | None = None) -> str:
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp)

    def send(self, event: dict, *, timestamp: int | None = None) -> Delivery:
        """Sign and deliver an event to Samla as Stripe does (one POST, JSON body)."""
        payload = json.dumps(event, indent=2)
        headers = {"Stripe-Signature": self.sign(payload, timestamp),
                   "Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
        status, answer = self.deliver(payload, headers)
        delivery = Delivery(event=event, status=status, answer=answer)
        self.deliveries.append(delivery)
        return delivery

    def complete(self, session_id: str, *, payment_status: str = "paid") -> dict:
        """The buyer paid: the session completes and gets a payment."""
        session = self.sessions[session_id]
        intent = "pi_" + secrets.token_hex(12)
        self.payment_intents[intent] = {"amount": session["amount_total"], "refunded": 0,
                                        "currency": session["currency"]}
        session.update(status="complete", payment_status=payment_status, payment_intent=intent)
        return session

    # --- the HTTP server ----------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            try:
                response = self._route(request)
            except StripeError as error:
                response = error.response()
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path.startswith("/pay/"):
            return self._hosted_page(request, path[len("/pay/"):])
        if not path.startswith("/v1/"):
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({path})")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            raise StripeError(401, "invalid_request_error", "Invalid API Key provided")
        params = decode_form(request.get_data(as_text=True)) if method == "POST" else {}
        key = request.headers.get("Idempotency-Key")
        self.requests.append(Recorded(method, path, params, key))
        if method == "POST" and key:
            seen = self._idempotent.get(key)
            if seen is not None:
                if seen[0] != {"path": path, "params": params}:
                    raise StripeError(400, "idempotency_error",
                                      "Keys for idempotent requests can only be used with the "
                                      "same parameters they were first used with.")
                return seen[1]
        response = self._api(method, path, params)
        if method == "POST" and key and response.status_code < 500:
            self._idempotent[key] = ({"path": path, "params": params}, response)
        return response

    def _api(self, method: str, path: str, params: dict) -> Response:
        if method == "POST" and path == "/v1/checkout/sessions":
            return _json(self._create_session(params))
        match = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)(/expire)?", path)
        if match:
            session = self.sessions.get(match.group(1))
            if session is None:
                raise StripeError(404, "invalid_request_error",
                                  f"No such checkout.session: '{match.group(1)}'",
                                  "resource_missing")
            if match.group(2) and method == "POST":
                if session["status"] != "open":
                    raise StripeError(400, "invalid_request_error",
                                      'Only Checkout Sessions with a status in ["open"] can be '
                                      "expired.", "checkout_session_not_open")
                session["status"] = "expired"
                self.undelivered.append(self.event("checkout.session.expired", session))
            return _json(session)
        if method == "POST" and path == "/v1/refunds":
            return _json(self._refund(params))
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({path})")

    def _create_session(self, params: dict) -> dict:
        def refuse(message, param=""):
            raise StripeError(400, "invalid_request_error", message,
                              "parameter_invalid" if param else "")

        if params.get("mode") != "payment":
            refuse("mode must be payment", "mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            refuse("line_items is required in payment mode", "line_items")
        currencies, amount = set(), 0
        for item in items:
            price = item.get("price_data") or {}
            if not price.get("product_data", {}).get("name"):
                refuse("line_items[price_data][product_data][name] is required")
            currencies.add(price.get("currency"))
            amount += int(price["unit_amount"]) * int(item.get("quantity", 1))
        if len(currencies) != 1:
            refuse("All line items must use the same currency")
        if params.get("locale", "auto") not in STRIPE_LOCALES:
            refuse(f"Invalid locale: {params['locale']}", "locale")
        for url in ("success_url", "cancel_url"):
            if not str(params.get(url, "")).startswith(("http://", "https://")):
                refuse(f"Not a valid URL: {url}", url)
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
            refuse("The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                   "Checkout Session creation.", "expires_at")
        session_id = "cs_test_" + secrets.token_hex(16)
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid", "amount_total": amount,
            "amount_subtotal": amount, "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"), "locale": params.get("locale"),
            "metadata": params.get("metadata") or {}, "success_url": params["success_url"],
            "cancel_url": params["cancel_url"], "expires_at": expires_at, "created": now,
            "payment_intent": None, "livemode": False,
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def _refund(self, params: dict) -> dict:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if intent is None:
            raise StripeError(400, "invalid_request_error",
                              f"No such payment_intent: '{params.get('payment_intent')}'",
                              "resource_missing")
        if self.fail_refunds:
            raise StripeError(400, "invalid_request_error", self.fail_refunds,
                              "charge_already_refunded")
        amount = int(params.get("amount") or intent["amount"] - intent["refunded"])
        if amount <= 0 or amount > intent["amount"] - intent["refunded"]:
            raise StripeError(400, "invalid_request_error",
                              f"Refund amount ({amount}) is greater than unrefunded amount on "
                              "charge", "amount_too_large")
        intent["refunded"] += amount
        refund = {"id": "re_" + secrets.token_hex(12), "object": "refund", "amount": amount,
                  "currency": intent["currency"], "payment_intent": params["payment_intent"],
                  "status": "succeeded", "metadata": params.get("metadata") or {}}
        self.refunds.append(refund)
        return refund

    def _hosted_page(self, request: Request, session_id: str) -> Response:
        session = self.sessions.get(session_id)
        if session is None:
            return Response("No such session", status=404)
        if session["status"] != "open":
            return Response(f"This session is {session['status']}", status=410)
        if request.method == "POST":
            self.complete(session_id)
            event = self.event("checkout.session.completed", session)
            self._lock.release()  # Samla may call the API while handling the event
            try:
                self.send(event)
            finally:
                self._lock.acquire()
            return Response("", status=303, headers={"Location": session["success_url"]})
        pay = "Betala" if session["locale"] == "sv" else "Pay"
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        return Response(
            f'<!doctype html><html lang="{session["locale"]}"><title>Stripe stand-in</title>'
            f"<p>{html.escape(str(session['customer_email']))}: {amount}</p>"
            f'<form method="post" action="/pay/{session_id}">'
            f"<button>{pay}</button></form>"
            f'<a href="{html.escape(session["cancel_url"])}">Cancel</a></html>',
            content_type="text/html; charset=utf-8",
        )
