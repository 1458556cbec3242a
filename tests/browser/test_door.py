"""The door in Chromium, on a phone and at a desk: a handheld scanner types the code and Enter,
the answer shows without a page load and the field is ready for the next badge; a scan by
mistake is undone on the spot; the page fits a 320 px screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"
CODE_FIELD = "Skanna namnbrickan eller skriv in koden"


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844},
                                      {"width": 1280, "height": 800}], ids=["phone", "desk"])
def test_scans_answer_without_a_reload_and_can_be_undone(page, conference, make_user, mailbox,
                                                         viewport):
    attendee = register(conference["event"], conference["ticket"])
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    page.set_viewport_size(viewport)
    log_in(page, "dorr@example.org")
    page.goto(f"/checkin/{SLUG}")
    address = page.url
    loads = []
    page.on("load", lambda _page: loads.append(1))
    code = page.get_by_label(CODE_FIELD)
    expect(code).to_be_focused()
    assert_accessible(page)

    with page.expect_response(lambda r: r.url.endswith("/scan.json")) as answered:
        page.keyboard.type(attendee.badge_token)
        page.keyboard.press("Enter")
    assert answered.value.status == 200
    result = page.get_by_role("alert")
    expect(result).to_contain_text("Alva Persson")
    expect(result).to_contain_text("Incheckad")
    expect(page.locator(".progress")).to_have_text("Incheckade: 1 av 1")
    expect(code).to_be_focused()
    expect(code).to_have_value("")
    assert page.url == address and loads == []
    assert_accessible(page)

    # A scan by mistake: undo it with a reason; the count follows and the field is ready again.
    page.get_by_label("Varför ångra?").fill("Skannade fel bricka")
    with page.expect_response(lambda r: r.url.endswith("/annul")) as undone:
        page.get_by_role("button", name="Ångra").click()
    assert undone.value.status == 200
    expect(result).to_contain_text("Incheckningen av Alva Persson ångrades")
    expect(page.locator(".progress")).to_have_text("Incheckade: 0 av 1")
    expect(code).to_be_focused()

    # The badge scans again, once; the second time is amber, with when and by whom.
    page.keyboard.type(attendee.badge_token.lower())
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Incheckad")
    expect(page.locator(".progress")).to_have_text("Incheckade: 1 av 1")
    page.keyboard.type(attendee.badge_token)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Redan incheckad")
    expect(result).to_contain_text("Dora Door")
    expect(page.locator(".scan-already")).to_be_visible()
    expect(page.get_by_role("button", name="Ångra")).to_have_count(0)
    page.keyboard.type("A" * 26)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Okänd kod")
    assert page.url == address and loads == []
    assert_accessible(page)


def test_sound_and_vibration_can_be_switched_off_and_stay_off(page, conference, make_user):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    log_in(page, "dorr@example.org")
    page.goto(f"/checkin/{SLUG}")
    sound = page.get_by_label("Ljud vid varje skanning")
    expect(sound).to_be_checked()
    sound.uncheck()
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    page.reload()
    expect(page.get_by_label("Ljud vid varje skanning")).not_to_be_checked()
    expect(page.get_by_label("Vibrera vid varje skanning")).to_be_checked()


def test_the_door_page_fits_a_320_px_screen(page, conference, make_user, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, "dorr@example.org")
    page.goto(f"/checkin/{SLUG}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.keyboard.type(attendee.badge_token)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ångra")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for target in page.locator("main button, main input").all():
        box = target.bounding_box()
        if box and target.get_attribute("type") != "checkbox":
            assert box["height"] >= 44, target.evaluate("e => e.outerHTML")
    assert_accessible(page)
