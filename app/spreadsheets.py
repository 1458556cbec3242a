"""Text bound for a spreadsheet. Excel and LibreOffice run a cell that starts with = + - @, a
tab or a carriage return as a formula (CSV injection), so every CSV export writes what people
typed through cell(), which puts an apostrophe before such text (OWASP's advice); the
programme import takes it off again with typed()."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str | None) -> str:
    """The text, safe to open in a spreadsheet."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def typed(value: str) -> str:
    """The text as it was typed: the apostrophe cell() put before formula-like text goes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
