"""The organiser downloads the attendee list from the exports page in Chromium, on a phone and
on a desktop, and finds the export in the event's audit log; both pages pass axe-core and fit
a 320 px screen."""


import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"


@pytest.mark.parametrize("size", [{"width": 390, "height": 800}, {"width": 1280, "height": 900}])
def test_organiser_exports_the_attendee_list_and_sees_it_logged(page, conference, make_user,
                                                                mailbox, size):
    register(conference["event"], conference["ticket"], name="Åsa Öberg",
             email="asa@example.org", dietary_needs="Glutenfri", sensitive_consent=True)
    make_user("arrangor@example.org", role="admin", name="Olga Organiser")
    page.set_viewport_size(size)
    log_in(page)
    page.goto(f"/manage/e/{SLUG}/")
    page.get_by_role("link", name="Export och utskrifter").click()
    expect(page.get_by_role("heading", name="Export och utskrifter", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Specialkost").check()
    page.get_by_label("E-post").uncheck()
    button = page.get_by_role("button", name="Ladda ner deltagarlistan")
    assert button.bounding_box()["height"] >= 44
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"{SLUG}-attendees.xlsx"
    # Playwright saves it without the name's extension, which openpyxl goes by: read the bytes.
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Namn", "Organisation", "Biljettyp", "Status", "Specialkost"]
    assert rows[1][0] == "Åsa Öberg" and rows[1][4] == "Glutenfri"

    page.goto(f"/manage/e/{SLUG}/")
    page.get_by_role("link", name="Logg").click()
    entry = page.locator(".audit-log li").first
    expect(entry).to_contain_text("Exporterade deltagarlistan")
    expect(entry).to_contain_text("Olga Organiser")
    expect(entry).to_contain_text("Specialkost")
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 640})
    for path in (f"/manage/e/{SLUG}/exports", f"/manage/e/{SLUG}/audit"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
