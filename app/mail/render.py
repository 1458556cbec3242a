"""Emails are written in the recipient's language, whatever language the sender uses.

Each email is ONE template (templates/<area>/email_<name>.txt) rendered twice: as plain text
and as HTML. The template writes its content with the macros of the part it is given
(`{% import mail_parts as m %}`: paragraphs, facts, buttons, items) inside the layout it is
given (`{% extends mail_layout %}`), so the two versions cannot tell different things. The
HTML rendering escapes everything it is handed, the text rendering nothing."""

import re
from typing import NamedTuple

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from jinja2 import Environment

TEXT = {"mail_layout": "mail/_layout.txt", "mail_parts": "mail/_parts.txt", "mail_html": False}
HTML = {"mail_layout": "mail/_layout.html", "mail_parts": "mail/_parts.html", "mail_html": True}
_ENVIRONMENTS = "samla_mail_environments"


class RenderedEmail(NamedTuple):
    subject: str
    text: str
    html: str


def absolute_url(endpoint: str, **values) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path


def _environments() -> tuple[Environment, Environment]:
    """The app's Jinja environment (filters, globals, gettext) once without and once with
    autoescaping, whatever the template's name says."""
    app = current_app._get_current_object()
    pair = app.extensions.get(_ENVIRONMENTS)
    if pair is None:
        pair = (app.jinja_env.overlay(autoescape=False), app.jinja_env.overlay(autoescape=True))
        app.extensions[_ENVIRONMENTS] = pair
    return pair


def tidy_text(text: str) -> str:
    """The macros leave blank lines between blocks however the template is indented: no
    trailing spaces, at most one blank line in a row."""
    text = re.sub(r"(?m)^(?!-- $)(.*?)[ \t]+$", r"\1", text)  # "-- " opens a signature
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_email(template: str, language: str, subject, **context) -> RenderedEmail:
    """Render (subject, text, html); `subject` is a callable so it too is translated in
    `language`."""
    app = current_app._get_current_object()
    text_env, html_env = _environments()
    with force_locale(language):
        title = str(subject())
        context.update(language=language, subject=title)
        app.update_template_context(context)
        text = text_env.get_template(template).render({**context, **TEXT})
        html = html_env.get_template(template).render({**context, **HTML})
    return RenderedEmail(title, tidy_text(text), html)


def absolute_url_maker(endpoint: str, token_arg: str = "token"):
    """Build links that differ only in their token from one URL, for mail to thousands: routing
    once instead of once per recipient. Tokens are URL-safe, so they go in unquoted."""
    marker = "SAMLA0TOKEN0MARKER"
    pattern = absolute_url(endpoint, **{token_arg: marker})
    return lambda token: pattern.replace(marker, token)
