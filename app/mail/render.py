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
