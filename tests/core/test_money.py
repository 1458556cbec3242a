"""Money as text, one way (app/money.py): what people read in either language, what a form
shows again, what the bookkeeping CSV holds, and what people type."""

from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app import money

APP = Path(__file__).resolve().parents[2] / "app"
NBSP = "\u00a0"


@pytest.mark.parametrize("ore, swedish, english", [
    (120000, "1 200 kr", "SEK 1,200"),
    (120050, "1 200,50 kr", "SEK 1,200.50"),
    (95000, "950 kr", "SEK 950"),
    (5, "0,05 kr", "SEK 0.05"),
    (0, "0 kr", "SEK 0"),
    (123456789, "1 234 567,89 kr", "SEK 1,234,567.89"),
    (100_000_000, "1 000 000 kr", "SEK 1,000,000"),
    (-95000, "-950 kr", "-SEK 950"),
])
def test_amounts_read_as_people_write_them_in_each_language(ore, swedish, english):
    assert money.format(ore, "SEK", "sv") == swedish.replace(" ", NBSP)
    assert money.format(ore, "SEK", "en") == english.replace(" ", NBSP)


def test_never_the_cramped_or_padded_forms():
    english = money.format(120000, "SEK", "en")
    assert english != "SEK1,200.00" and ".00" not in english
    assert ",00" not in money.format(120000, "SEK", "sv")


def test_another_currency_is_named_by_its_symbol_in_swedish_and_its_code_in_english():
    assert money.format(95000, "EUR", "sv") == f"950{NBSP}€"
    assert money.format(95050, "EUR", "en") == f"EUR{NBSP}950.50"


def test_only_characters_the_pdf_fonts_draw():
    """No U+2212 minus and no narrow no-break space: receipts use the PDF standard fonts."""
    for language in ("sv", "en"):
        text = money.format(-123456789, "SEK", language)
        assert "\u2212" not in text and "\u202f" not in text


def test_without_a_language_the_pages_language_is_used(app):
    with app.test_request_context():
        for language, expected in (("sv", f"1{NBSP}250,50{NBSP}kr"),
                                   ("en", f"SEK{NBSP}1,250.50")):
            with force_locale(language):
                assert money.format(125050) == expected
                assert render_template_string("{{ 125050|money('SEK') }}") == expected


def test_the_bookkeeping_csv_and_the_form_field_formats():
    assert money.for_csv(221800) == "2218,00"
    assert money.for_csv(0) == "0,00"
    assert money.for_csv(5) == "0,05"
    assert money.for_csv(-95050) == "-950,50"
    assert money.for_field(95000) == "950"
    assert money.for_field(125050) == "1250,50"
    assert money.for_field(0) == "0"


def test_an_xlsx_cell_gets_kronor_as_a_number():
    assert money.for_spreadsheet(95050) == Decimal("950.50")
    assert money.for_spreadsheet(95000) == 950 and money.for_spreadsheet(-5) == Decimal("-0.05")


@pytest.mark.parametrize("text, ore", [
    ("950", 95000), ("950,00", 95000), ("1 250,50", 125050), ("1\u00a0250,5", 125050),
    ("1\u202f250", 125000), ("99.90", 9990), (" 0 ", 0), ("950 kr", 95000), ("950 SEK", 95000),
    ("950:-", 95000), ("1250,", 125000), ("999999999,99", 99999999999),
])
def test_parse_reads_what_people_type(text, ore):
    assert money.parse(text) == ore


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("   ", "empty"), (None, "empty"), ("kr", "empty"),
    ("-5", "negative"), ("\u22125", "negative"), ("12,345", "decimals"),
    ("tio", "not_a_number"), ("1,2,3", "not_a_number"), ("1.250,50", "not_a_number"),
    ("1e3", "not_a_number"), ("1234567890", "not_a_number"),
])
def test_parse_refuses_and_says_why(text, reason):
    with pytest.raises(money.AmountError) as refused:
        money.parse(text)
    assert refused.value.reason == reason


def test_parse_reads_back_what_the_form_shows():
    for ore in (0, 5, 95000, 125050, 100_000_000):
        assert money.parse(money.for_field(ore)) == ore


def test_only_app_money_formats_currency():
    offenders = [str(path.relative_to(APP)) for path in sorted(APP.rglob("*.py"))
                 if path != APP / "money.py" and "format_currency" in path.read_text()]
    assert offenders == []
