"""The English run in Chromium: a visitor switches to English on the event page, reads the
programme and fills in the registration form, and nowhere sees a Swedish text the organiser
gave in English. What has no English text is shown in Swedish, marked lang="sv" (axe-core
checks the marking is valid)."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import ENGLISH, SWEDISH_GIVEN_IN_ENGLISH, add_workshop, give_english

SLUG = "varkonferensen-2027"


def swedish_seen(page) -> list[str]:
    text = page.locator("main").inner_text()
    return [swedish for swedish in SWEDISH_GIVEN_IN_ENGLISH if swedish in text]


def marked_swedish(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("main [lang=sv]").all_inner_texts()]


def test_the_english_run_shows_no_swedish_where_english_was_given(page, conference, mailbox):
    add_workshop(conference["event"], title="Workshop om återhämtning")
    give_english(conference)

    page.goto(f"/e/{SLUG}/")
    page.get_by_role("link", name="In English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH["event"])
    assert page.locator("html").get_attribute("lang") == "en"
    assert swedish_seen(page) == []
    assert marked_swedish(page) == ["Ordinarie"]
    assert_accessible(page)

    page.get_by_role("link", name="See the programme").click()
    expect(page.get_by_role("heading", name=ENGLISH["talk"])).to_be_visible()
    expect(page.locator("main")).to_contain_text(ENGLISH["hall"])
    assert swedish_seen(page) == []
    assert "Workshop om återhämtning" in marked_swedish(page)
    assert_accessible(page)

    page.goto(f"/e/{SLUG}/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label(f"Number of tickets: {ENGLISH['ticket']}").select_option("1")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("group", name=ENGLISH["question"])).to_be_visible()
    expect(page.get_by_role("radio", name=ENGLISH["option"])).to_be_visible()
    assert swedish_seen(page) == []
    assert marked_swedish(page) == ["Via en vän", "Vad vill du lära dig?"]
    assert_accessible(page)
