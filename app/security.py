"""Headers that keep pages from loading anything Samla does not serve itself, and private
pages out of every cache."""

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

# 'wasm-unsafe-eval' lets the door page compile the QR decoder Samla serves (WebAssembly only;
# eval() and inline scripts stay blocked).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# Pages whose address is a key or that need a login: the attendee's, the order's, the
# speaker's and the waiting-list links (feedback is under /r/), the door, the organisers' and
# administrators' pages, the developer mailbox and the account's own page; the door devices'
# links and the check-in API (its sync lists every attendee). Matched on the path
# (with a trailing slash, so /checkin counts and /speakers/... does not match /s/), not the
# blueprint, as one blueprint serves both public and private pages.
PRIVATE_PREFIXES = ("/r/", "/o/", "/s/", "/waiting-list/", "/checkin/", "/manage/", "/admin/",
                    "/dev/mail/", "/account/", "/door/", "/api/")


def is_private(path: str) -> bool:
    return (path.rstrip("/") + "/").startswith(PRIVATE_PREFIXES)


def content_security_policy() -> str:
    """Browsers apply form-action to the redirects after a form is sent too, so the register
    and pay buttons may lead on to Stripe's payment page, and only there."""
    checkout = current_app.config.get("STRIPE_CHECKOUT_ORIGIN", "")
    if checkout and current_app.config.get("STRIPE_SECRET_KEY"):
        return f"{CSP} {checkout}"
    return CSP


class DatabaseId(IntegerConverter):
    """<int:...> in every route: at most what an id column holds, so /tickets/9999999999999
    is a 404 rather than an overflow in the database driver."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, **kwargs)


def install_converters(app: Flask) -> None:
    """Before the blueprints are registered, so their rules use these."""
    app.url_map.converters["int"] = DatabaseId


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text; no person types one. Refuse it at the door.
        values = [request.path, *request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Camera only for Samla's own check-in page; nothing else may ask.
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
        if is_private(request.path):
            # Neither the browser's back-button cache nor a proxy keeps a copy of these.
            response.headers["Cache-Control"] = "private, no-store"
        return response
