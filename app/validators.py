"""Validators shared by the forms, with messages written for people, not programmers."""

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import Email, ValidationError

# Line breaks and tabs (Cc), zero-width and direction marks, soft hyphens and byte order marks
# (Cf), and the Unicode line and paragraph separators (Zl, Zp).
_BREAKING = frozenset(("Cc", "Cf", "Zl", "Zp"))
# The zero-width non-joiner and joiner are format characters that belong inside words of
# Persian, Arabic and the Indic scripts (and join emoji): kept between other characters.
_JOINERS = frozenset("\u200c\u200d")
# Letters that draw nothing: a name made of them looks empty.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800") | _JOINERS
SINGLE_LINE_MESSAGE = _l("Write this on one line, without line breaks or invisible characters.")


def valid_email():
    return Email(message=_l("Enter a whole email address, like name@example.org."))


def is_single_line(text: str) -> bool:
    """False for text holding a control or format character (a line break, a tab, a
    zero-width space ...) or drawing nothing at all although it is not empty. Such text in a
    name or title breaks mail headers, badges and exports, or shows as an empty name."""
    if any(unicodedata.category(char) in _BREAKING and char not in _JOINERS for char in text):
        return False
    # Spaces only are left to DataRequired and Optional, which treat them as empty.
    blank = [char for char in text if not char.isspace()]
    return not blank or not all(char in _BLANK_LETTERS for char in blank)


def one_line(text: str) -> str:
    """The text on one line: line breaks and other control characters become spaces, format
    characters (zero-width, direction marks) go, and runs of spaces become one. For text
    stored before the forms refused such characters, where it must be one line (mail
    headers)."""
    kept = (" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
            for char in text if unicodedata.category(char) != "Cf" or char in _JOINERS)
    return " ".join("".join(kept).split())


def single_line():
    """For every single-line text field (names, titles, rooms, cities ...): refuses line
    breaks, control and invisible characters, and a value of invisible characters only.
    Multi-line fields (descriptions, addresses, biographies) do not use it."""

    def check(form, field):
        if isinstance(field.data, str) and not is_single_line(field.data):
            raise ValidationError(SINGLE_LINE_MESSAGE)

    return check


# Control and invisible characters a text of several lines may not hold: line breaks and tabs
# are the only control characters kept.
_KEPT_IN_TEXT = frozenset("\n\t")
PLAIN_TEXT_MESSAGE = _l("Remove the control characters or invisible characters from the text "
                        "(line breaks are fine).")


def normalise_lines(text):
    """Line breaks as \\n, whatever the browser sent (\\r\\n or \\r)."""
    if not isinstance(text, str):
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_plain_text(text: str) -> bool:
    """False for text with a control character other than a line break or a tab, or a format
    character (zero-width, direction marks; the joiners inside words are kept), or a Unicode
    line or paragraph separator: what people write in a letter never holds them, and they hide
    or reorder what a reader sees. Line breaks are \\n here (normalise_lines first)."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _KEPT_IN_TEXT:
            return False
        if category in ("Cf", "Zl", "Zp") and char not in _JOINERS:
            return False
    return True


def plain_text():
    """For a text of several lines sent on to people (a message to attendees): refuses
    control and invisible characters, keeps line breaks and tabs."""

    def check(form, field):
        if isinstance(field.data, str) and not is_plain_text(field.data):
            raise ValidationError(PLAIN_TEXT_MESSAGE)

    return check


def _refused(char: str, multi_line: bool) -> bool:
    category = unicodedata.category(char)
    if multi_line and char in _KEPT_IN_TEXT:
        return False
    return category in _BREAKING and char not in _JOINERS


def shown_refused(text, multi_line: bool = False):
    """The text with each character the checks above refuse replaced by U+FFFD (�), to show a
    refused value again in its form: the person sees where the invisible characters were, and
    a page never carries a control character (which HTML forbids)."""
    if not isinstance(text, str):
        return text
    return "".join("\ufffd" if _refused(char, multi_line) else char for char in text)
