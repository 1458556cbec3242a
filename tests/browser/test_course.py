"""A course in Chromium: the participant's page with their progress on a phone (320 px), and the
course leader's attendance grid, used with the keyboard alone on a desktop and fitting a phone
(the grid scrolls inside its own region), each page checked by axe-core."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.checkin.models import CheckIn
from tests.browser.conftest import assert_accessible, log_in
from tests.courses import conftest as courses

SLUG = courses.SLUG
# The course fixtures of tests/courses, used here too.
course, running_course = courses.course, courses.running_course


def test_the_participant_on_a_phone_and_the_grid_by_keyboard(page, running_course, make_user,
                                                             db):
    eva, alva = running_course["eva"], running_course["alva"]
    make_user("arrangor@example.org", role="admin")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/r/{alva.manage_token}")
    expect(page.locator("#course")).to_have_text("Din kurs")
    expect(page.locator("main")).to_contain_text("Du har varit med på 6 av 8 träffar.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)

    log_in(page)
    page.goto(f"/manage/e/{SLUG}/course/attendance")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.locator("td.tick label").first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Eva Ek, träff 1", exact=True).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Eva Ek, träff 2", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_label("Varför du ändrar").focus()
    page.keyboard.type("Närvarolista på papper")
    page.keyboard.press("Enter")
    expect(page.locator(".message-success")).to_contain_text(
        "Närvaron är sparad: 2 markerade, 0 borttagna.")
    expect(page.get_by_label("Eva Ek, träff 1", exact=True)).to_be_checked()
    db.session.rollback()  # see what the live server committed
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.registration_id == eva.id, CheckIn.manual.is_(True), CheckIn.counts())) == 2
    assert_accessible(page)
