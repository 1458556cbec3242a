"""Money as text, one way. Amounts are integer öre (hundredths of the currency's unit)
everywhere in Samla; this module turns them into what people read (`format`: "1 200 kr" in
Swedish, "SEK 1,200" in English), what a form field shows again (`for_field`), what a
spreadsheet reads as a number (`for_csv` in a CSV, `for_spreadsheet` in an XLSX cell), and
turns what people type back into öre (`parse`)."""

import re
from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import get_locale

# Swedish puts the currency after the number, as "kr" for kronor; English (and any other
# language) before it, as the ISO code, so "SEK 1,200" is never read as dollars. Whole amounts
# leave out ",00". Spaces are no-break spaces: the amount never wraps, and the PDF fonts
# draw them.
PATTERNS = {"sv": ("#,##0\u00a0¤", "#,##0.00\u00a0¤")}
INTERNATIONAL = ("¤¤\u00a0#,##0", "¤¤\u00a0#,##0.00")


def format(ore: int, currency: str = "SEK", language: str | None = None) -> str:
    """The amount for people, in `language` (the page's language when None)."""
    language = language or str(get_locale() or "sv")
    whole, with_ore = PATTERNS.get(language.split("_")[0], INTERNATIONAL)
    text = format_currency(
        Decimal(abs(ore)) / 100, currency, format=with_ore if abs(ore) % 100 else whole,
        locale=language, currency_digits=False,
    )
    # A hyphen-minus, not Babel's U+2212, and no narrow spaces: what every font draws.
    return ("-" if ore < 0 else "") + text.replace("\u202f", "\u00a0")


def _plain(ore: int, decimals: bool) -> str:
    """Kronor with a decimal comma and no thousands separator."""
    kronor, rest = divmod(abs(ore), 100)
    sign = "-" if ore < 0 else ""
    return f"{sign}{kronor},{rest:02d}" if decimals or rest else f"{sign}{kronor}"


def for_csv(ore: int) -> str:
    """"2218,00": a number to Excel with Swedish settings (the bookkeeping CSV)."""
    return _plain(ore, decimals=True)


def for_spreadsheet(ore: int) -> Decimal:
    """Kronor as a number, for a spreadsheet cell that holds a number (XLSX): 950.50."""
    return Decimal(ore) / 100


def for_xml(ore: int) -> str:
    """"2218.00": kronor with a decimal point and two decimals, as XML (an e-invoice's
    amounts) writes a decimal."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent_of(ore: int, percent: int) -> int:
    """`percent` per cent of an amount, rounded half up to the öre (as EN 16931 rounds the
    VAT of each VAT category's total)."""
    value = abs(ore) * percent
    rounded = (value + 50) // 100
    return rounded if ore >= 0 else -rounded


def for_field(ore: int) -> str:
    """"950" or "1250,50": the amount as a form shows it again, as `parse` reads it."""
    return _plain(ore, decimals=False)


class AmountError(ValueError):
    """Typed text that is not an amount. `reason` says why, for the caller's own message:
    "empty", "negative", "decimals" (more than two) or "not_a_number"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_UNIT = re.compile(r"(?i)(kr|sek|:-)$")
_AMOUNT = re.compile(r"(?P<kronor>\d{1,9})(?:[.,](?P<ore>\d*))?")


def parse(text: str | None) -> int:
    """Kronor as people type them ("950", "950,00", "1 250,50", "1250.5", "950 kr") in öre.
    Refuses (AmountError) nothing, negative amounts, more than two decimals and anything that
    is not a number."""
    cleaned = _UNIT.sub("", _SPACES.sub("", (text or "").strip()))
    if not cleaned:
        raise AmountError("empty")
    if cleaned.startswith(("-", "\u2212")):
        raise AmountError("negative")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise AmountError("not_a_number")
    ore = match.group("ore") or ""
    if len(ore) > 2:
        raise AmountError("decimals")
    return int(match.group("kronor")) * 100 + int(ore.ljust(2, "0"))
