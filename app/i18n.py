"""Language choice and locale-aware formatting. Swedish unless the visitor picks English."""

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from babel.dates import format_date, get_timezone_location
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from flask import Flask, abort, current_app, g, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms.i18n import messages_path

from app import money
from app.localtime import local


def select_locale() -> str:
    forced = g.get("forced_locale")
    if forced:
        return forced
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "sv")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the switch cannot be used to bounce people elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@lru_cache(maxsize=4096)
def _formatted_date(value: date, style: str, language: str) -> str:
    """Babel's formatting takes a fraction of a millisecond, which a list of hundreds of
    registrations made on a few dozen days pays once per day and language."""
    return format_date(value, format=style, locale=language)


def fmt_date(value: date, style: str = "long") -> str:
    return _formatted_date(value, style, current_language())


# The time filters take the zone name, as templates have it (event.timezone), and compute
# through app.localtime like Event.local does.

def fmt_time(value: datetime, tz: str) -> str:
    # 24-hour HH:MM with Latin digits in both languages, as Babel's "HH:mm" gives; strftime
    # spares a locale lookup per time on pages that list hundreds of them.
    return f"{local(value, tz):%H:%M}"


def fmt_datetime(value: datetime, tz: str) -> str:
    loc = local(value, tz)
    return f"{_formatted_date(loc.date(), 'long', current_language())} {loc:%H:%M}"


def fmt_decimal(value: float, pattern: str = "0.0") -> str:
    return format_decimal(value, format=pattern, locale=current_language())


def fmt_percent(value: float) -> str:
    """A share as a whole percentage: "30 %" in Swedish, "30%" in English."""
    return format_percent(value, locale=current_language())


# --- content in two languages ----------------------------------------------------------------
# Organisers write content (event names, programme items, rooms, tickets, questions, speaker
# bios) in Swedish and, where they wish, in English in a sibling column named <field>_en.
# English readers get the English text and fall back to the Swedish one where it is empty; the
# fallback is marked lang="sv" so screen readers pronounce it as Swedish.

CONTENT_LANGUAGE = "sv"


class Localized(str):
    """A content text, and the language it is actually written in."""

    lang: str

    def __new__(cls, text: str, lang: str):
        value = super().__new__(cls, text)
        value.lang = lang
        return value


def localized(obj, field: str, language: str | None = None) -> Localized:
    """`obj.<field>` in `language` (the reader's, by default), falling back to Swedish."""
    language = language or current_language()
    if language != CONTENT_LANGUAGE:
        translated = getattr(obj, f"{field}_{language}", None)
        if translated:
            return Localized(translated, language)
    return Localized(getattr(obj, field) or "", CONTENT_LANGUAGE)


def marked(text: str, language: str | None = None) -> Markup:
    """A text as HTML for a page in `language` (the reader's, by default): a Localized text
    in another language is wrapped in <span lang="..">, anything else only escaped."""
    lang = getattr(text, "lang", None)
    if text and lang is not None and lang != (language or current_language()):
        return Markup('<span lang="{}">{}</span>').format(lang, text)
    return escape(text)


def loc(obj, field: str | None = None) -> Markup:
    """Template filter `{{ event|loc("name") }}`: the text, wrapped in <span lang="sv"> when an
    English page falls back to Swedish. For attributes use `loc_text`. Without a field it marks
    a text localized() already chose (`{{ offer.name|loc }}`)."""
    return marked(obj if field is None else localized(obj, field))


def loc_text(obj, field: str) -> str:
    return str(localized(obj, field))


def times_note(tz: str) -> str:
    """Which clock the times on a page follow, in words people use: Swedish time for
    Europe/Stockholm, else the zone's city in the reader's language (never the zone's id)."""
    if tz == "Europe/Stockholm":
        return _("All times are Swedish time.")
    return _("All times are local time in %(place)s.",
             place=get_timezone_location(tz, locale=current_language(), return_city=True))


@lru_cache(maxsize=8)
def _wtforms_translations(language: str) -> Translations:
    return Translations.load(messages_path(), [language], domain="wtforms")


def init_app(app: Flask) -> None:
    app.add_url_rule("/language/<code>", "set_language", set_language)

    @app.before_request
    def keep_wtforms_translations():
        """WTForms' own messages ("Not a valid integer value.") in the visitor's language,
        read from disk once per language: Flask-WTF reads them for every request that builds
        a form, a fortieth of a door scan's CPU. Flask-WTF looks for them on the request
        under this name first."""
        request.wtforms_translations = _wtforms_translations(str(get_locale()))
    app.jinja_env.filters.update(
        date=fmt_date, time=fmt_time, datetime=fmt_datetime, money=money.format,
        decimal=fmt_decimal, percent=fmt_percent, loc=loc, loc_text=loc_text,
        times_note=times_note,
    )

    @app.context_processor
    def inject_language():
        return {"current_language": current_language(), "languages": app.config["LANGUAGES"]}
