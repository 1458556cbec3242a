"""Text bound for a spreadsheet. Excel and LibreOffice run a cell that starts with = + - @, a
tab or a carriage return as a formula (CSV injection), so every CSV and XLSX export writes what
people typed through cell(), which puts an apostrophe before such text (OWASP's advice); the
programme import takes it off again with typed(). An XLSX cell holds a value of its own type:
xlsx_value() passes numbers and dates through as numbers and dates, and text through cell()
(openpyxl would otherwise store text starting with = as a formula), without the control
characters an XLSX file cannot hold."""

import re
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0, and so an XLSX file, cannot hold (tab, line feed and carriage return it can).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell(value: str | None) -> str:
    """The text, safe to open in a spreadsheet."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def typed(value: str) -> str:
    """The text as it was typed: the apostrophe cell() put before formula-like text goes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def xlsx_value(value):
    """A value for an XLSX cell: None, booleans, numbers and (naive, local) dates and times as
    they are; anything else as text through cell()."""
    if value is None or isinstance(value, bool | int | float | Decimal | datetime | date):
        return value
    return cell(_NOT_IN_XLSX.sub("", str(value)))
