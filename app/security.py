"""Headers that keep pages from loading anything Samla does not serve itself."""

from flask import Flask

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Camera only for Samla's own check-in page; nothing else may ask.
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
        return response
