"""Validators shared by the forms, with messages written for people, not programmers."""

import unicodedata

from flask_babel import lazy_gettext as _l
from stdnum import ean
from stdnum import iban as stdnum_iban
from stdnum.dk import cvr as dk_cvr
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import vat as se_vat
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


# --- numbers on invoices -----------------------------------------------------------------------
# Checked with python-stdnum where it knows the number, so a typo is caught in the form rather
# than refused by the buyer's e-invoice system.

ORG_NUMBER_MESSAGE = _l("A Swedish organisation number has 10 digits, like 556732-1707, and the "
                        "last one is a check digit. Check it again.")
VAT_NUMBER_MESSAGE = _l("A Swedish VAT registration number looks like SE556732170701: SE, the "
                        "organisation number and 01.")
BANKGIRO_MESSAGE = _l("A bankgiro number has 7 or 8 digits, like 123-4567 or 1234-5678.")
PEPPOL_ID_MESSAGE = _l("A Peppol ID is a scheme number, a colon and the number, like "
                       "0007:5567321707 for a Swedish organisation number or 0088:7300010000001 "
                       "for a GLN. Check it again.")

# The Electronic Address Scheme codes Peppol BIS Billing 3.0 accepts (code list EAS).
_SCHEMES = (
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 "
    "0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 "
    "0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0221 0225 0230 0235 0240 9910 9913 9914 "
    "9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 "
    "9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 "
    "9957 9959"
)
PEPPOL_SCHEMES = frozenset(_SCHEMES.split())
# Schemes whose number has a check python-stdnum knows.
_SCHEME_CHECKS = {
    "0007": se_orgnr.is_valid,  # Swedish organisation number
    "0088": lambda value: len(value) == 13 and ean.is_valid(value),  # GLN
    "0192": no_orgnr.is_valid,  # Norwegian organisation number
    "0184": dk_cvr.is_valid,  # Danish CVR
    "0037": fi_ytunnus.is_valid,  # Finnish business id
}


def org_number(text: str) -> str | None:
    """The Swedish organisation number as its 10 digits, or None if it is not one (format
    and Luhn check digit, python-stdnum)."""
    value = (text or "").strip()
    if not value or not se_orgnr.is_valid(value):
        return None
    return se_orgnr.compact(value)


def swedish_vat_number(text: str) -> str | None:
    value = (text or "").strip().upper().replace(" ", "")
    if not value or not se_vat.is_valid(value):
        return None
    return "SE" + se_vat.compact(value)


def bankgiro(text: str) -> str | None:
    """The bankgiro number as its digits, or None."""
    digits = (text or "").strip().replace("-", "").replace(" ", "")
    return digits if digits.isascii() and digits.isdigit() and len(digits) in (7, 8) else None


IBAN_MESSAGE = _l("An IBAN starts with the country code and two check digits, like "
                  "SE45 5000 0000 0583 9825 7466. Check it again.")


def iban(text: str) -> str | None:
    """The IBAN without spaces, or None if it is not one (its check digits, python-stdnum)."""
    value = (text or "").strip()
    if not value or not stdnum_iban.is_valid(value):
        return None
    return stdnum_iban.compact(value)


def valid_iban():
    return _number_check(iban, IBAN_MESSAGE)


def peppol_id(text: str) -> tuple[str, str] | None:
    """(scheme, value) of a Peppol participant ID such as 0007:5567321707, or None when it is
    not one: a scheme Peppol knows, a colon, and a number that passes its check where
    python-stdnum has one. The "iso6523-actorid-upis::" prefix some registries show is
    accepted."""
    value = (text or "").strip()
    value = value.removeprefix("iso6523-actorid-upis::")
    scheme, colon, number = value.partition(":")
    scheme, number = scheme.strip(), number.strip().replace(" ", "")
    if not colon or scheme not in PEPPOL_SCHEMES or not number or len(number) > 50:
        return None
    if not all(char.isascii() and (char.isalnum() or char in "-._") for char in number):
        return None
    check = _SCHEME_CHECKS.get(scheme)
    if check is not None:
        if not check(number):
            return None
        if scheme == "0007":
            number = se_orgnr.compact(number)
    return scheme, number


def _number_check(parse, message):
    def check(form, field):
        if (field.data or "").strip() and parse(field.data) is None:
            raise ValidationError(message)

    return check


def valid_org_number():
    return _number_check(org_number, ORG_NUMBER_MESSAGE)


def valid_vat_number():
    return _number_check(swedish_vat_number, VAT_NUMBER_MESSAGE)


def valid_bankgiro():
    return _number_check(bankgiro, BANKGIRO_MESSAGE)


def valid_peppol_id():
    return _number_check(peppol_id, PEPPOL_ID_MESSAGE)
