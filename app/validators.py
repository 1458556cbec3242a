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
