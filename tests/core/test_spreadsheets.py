"""Every CSV and XLSX export is opened in a spreadsheet, which runs a cell starting with = + -
@, a tab or a carriage return as a formula. Whatever people typed, no cell of needs.csv,
invoices.csv, programme.csv, the sign-up lists or the attendee list starts like that:
app/spreadsheets.py puts an apostrophe first (tests/exports reads the attendee list back)."""

import csv
import io
from datetime import time
from pathlib import Path

import pytest

from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import services
from app.spreadsheets import FORMULA_STARTS, cell, typed, xlsx_value
from tests.factories import DAY, publish_programme, register
from tests.payments.test_invoices import invoice_order

SLUG = "varkonferensen-2027"
# What a hostile or careless person might type, one of each start a spreadsheet runs.
TYPED = ["=HYPERLINK(\"http://evil.example\")", "+46 70 123", "-1", "@SUM(A1)", "\tx", "\rx"]


def cells(response, delimiter=",") -> list[str]:
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    return [value for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for value in row]


def assert_defused(values: list[str], expected: list[str]):
    running = [value for value in values if value.startswith(FORMULA_STARTS)]
    assert running == [], f"cells a spreadsheet would run: {running}"
    for value in expected:
        assert "'" + value in values, value


@pytest.mark.parametrize("value, safe", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tA1", "'\tA1"),
    ("\rA1", "'\rA1"), ("Lunch", "Lunch"), ("", ""), (None, ""), ("a=b", "a=b"),
])
def test_a_cell_that_would_run_gets_an_apostrophe_and_comes_back_as_typed(value, safe):
    assert cell(value) == safe
    assert typed(safe) == (value or "")


def test_needs_csv(organiser, conference, db):
    for n, need in enumerate(TYPED):
        services.place_order(conference["event"], f"P{n}", f"p{n}@example.org", "sv", [(
            conference["ticket"],
            services.Attendee(name=f"P{n}", email=f"p{n}@example.org", dietary_needs=need,
                              sensitive_consent=True))])
    db.session.commit()
    values = cells(organiser.get(f"/manage/e/{SLUG}/needs.csv"))
    # Answers are counted in lower case, without the spaces and dashes around them.
    assert_defused(values, ["=hyperlink(\"http://evil.example\")", "+46 70 123", "@sum(a1)"])


def test_invoices_csv(organiser, conference, db):
    order = invoice_order(conference)
    # As stored, past the form's trimming (an import, an older version, an edit in the database).
    # The organisation number column holds 20 characters (PostgreSQL enforces it).
    (order.billing_name, order.billing_org_number, order.billing_address, order.billing_email,
     order.invoice_reference, order.peppol_id) = TYPED
    db.session.commit()
    values = cells(organiser.post(f"/manage/e/{SLUG}/invoices.csv"), delimiter=";")
    assert_defused(values, TYPED)


def test_programme_csv(organiser, conference, db):
    talk, lunch = conference["talk"], conference["lunch"]
    conference["hall"].name = TYPED[0]
    talk.title, talk.description = TYPED[1], TYPED[4]
    conference["speaker"].name = TYPED[3]
    lunch.title, lunch.description = TYPED[2], TYPED[5]
    db.session.commit()
    values = cells(organiser.get(f"/manage/e/{SLUG}/programme.csv"))
    assert_defused(values, TYPED)


def test_signups_csv(organiser, conference, db):
    workshop = create_item(conference["event"], title="Workshop", kind="workshop",
                           description="", placement=ItemPlacement(DAY, time(14), time(15), None),
                           signup=(True, None))
    db.session.commit()
    publish_programme(conference["event"])
    for n, value in enumerate(TYPED):
        person = register(conference["event"], conference["ticket"], name=f"P{n}",
                          email=f"p{n}@example.org")
        person.name, person.organisation = value, TYPED[-1 - n]
        assert signups.sign_up(person, workshop)
    db.session.commit()
    values = cells(organiser.post(f"/manage/e/{SLUG}/exports/signups",
                                  data={"item": str(workshop.id), "signup_format": "csv"}),
                   delimiter=";")
    assert_defused(values, TYPED)


def test_every_module_that_writes_csv_uses_the_one_guard():
    app_dir = Path(__file__).resolve().parents[2] / "app"
    writers = [path for path in sorted(app_dir.rglob("*.py"))
               if "csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text()]
    # needs, invoices, programme, the exports (people, sign-ups) and the feedback results
    assert len(writers) == 5
    unguarded = [str(path.relative_to(app_dir)) for path in writers
                 if "from app.spreadsheets import cell" not in path.read_text()]
    assert unguarded == []


def test_every_module_that_writes_xlsx_uses_the_one_guard():
    app_dir = Path(__file__).resolve().parents[2] / "app"
    writers = [path for path in sorted(app_dir.rglob("*.py"))
               if "from openpyxl" in path.read_text() or "import openpyxl" in path.read_text()]
    assert [str(path.relative_to(app_dir)) for path in writers] == [
        "exports/services.py", "feedback/results.py"]
    assert all("xlsx_value" in path.read_text() for path in writers)


@pytest.mark.parametrize("value, stored", [
    ("=SUM(A1)", "'=SUM(A1)"), ("Åsa", "Åsa"), ("a\x00b\x1fc", "abc"), ("-\x0b1", "'-1"),
    (950, 950), (None, None), (True, True),
])
def test_an_xlsx_cell_keeps_numbers_and_defuses_text(value, stored):
    assert xlsx_value(value) == stored
