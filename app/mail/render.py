"""Emails are written in the recipient's language, whatever language the sender uses."""

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale


def absolute_url(endpoint: str, **values) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path


def render_email(template: str, language: str, subject, **context) -> tuple[str, str]:
    """Render (subject, body); `subject` is a callable so it too is translated in `language`."""
    with force_locale(language):
        return str(subject()), render_template(template, **context)


def absolute_url_maker(endpoint: str, token_arg: str = "token"):
    """Build links that differ only in their token from one URL, for mail to thousands: routing
    once instead of once per recipient. Tokens are URL-safe, so they go in unquoted."""
    marker = "SAMLA0TOKEN0MARKER"
    pattern = absolute_url(endpoint, **{token_arg: marker})
    return lambda token: pattern.replace(marker, token)
