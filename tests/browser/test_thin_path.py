"""The whole path in Chromium: register, open the badge, scan it at the door, give feedback."""

import re

from playwright.sync_api import expect

from app.feedback.services import create_survey, request_feedback
from app.registration.models import Registration
from tests.browser.conftest import assert_accessible, log_in
from tests.readback import qr_codes

SLUG = "varkonferensen-2027"


def test_attendee_registers_gets_checked_in_and_gives_feedback(
    page, browser, base_url, conference, make_user, mailbox, db
):
    # An attendee finds the event and registers for the free ticket, in Swedish.
    page.goto(f"/e/{SLUG}/")
    assert_accessible(page)
    page.get_by_role("link", name="Anmäl dig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmäl dig till Vårkonferensen")
    assert_accessible(page)
    page.get_by_label("Antal biljetter: Fri entré").select_option("1")
    page.get_by_role("button", name="Fortsätt").click()
    assert_accessible(page)
    page.get_by_label("För- och efternamn").fill("Alva Persson")
    page.get_by_label("E-post", exact=True).fill("alva@example.org")
    page.get_by_label("Organisation", exact=False).first.fill("RSMH Stockholm")
    page.get_by_role("button", name="Anmäl dig").click()
    expect(page.locator(".message-success")).to_contain_text("alva@example.org")
    assert_accessible(page)

    # The confirmation arrives; the badge opens from her own page and its QR code reads back.
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == "alva@example.org"
    # Registered alone, she is on her own page: the badge is its first button.
    expect(page.get_by_role("heading", level=1)).to_have_text("Din anmälan")
    badge_link = page.get_by_role("link", name="Ladda ner din namnbricka (PDF)")
    badge = page.request.get(badge_link.get_attribute("href"))
    assert badge.headers["content-type"] == "application/pdf"
    [code] = qr_codes(badge.body())
    assert code == db.session.query(Registration.badge_token).scalar()

    # Door staff log in on their own device and scan the badge: a handheld scanner types + Enter.
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    door = browser.new_context(base_url=base_url, locale="sv-SE", bypass_csp=True).new_page()
    log_in(door, "dorr@example.org")
    door.get_by_role("link", name="Vårkonferensen").click()
    scan_input = door.get_by_label("Skanna namnbrickan eller skriv in koden")
    expect(scan_input).to_be_focused()
    assert_accessible(door)
    door.keyboard.type(code)
    door.keyboard.press("Enter")
    expect(door.get_by_role("alert")).to_contain_text("Alva Persson")
    expect(door.get_by_role("alert")).to_contain_text("Incheckad")
    expect(door.get_by_label("Skanna namnbrickan eller skriv in koden")).to_be_focused()
    door.keyboard.type(code)
    door.keyboard.press("Enter")
    expect(door.get_by_role("alert")).to_contain_text("Redan incheckad")
    expect(door.get_by_role("alert")).to_contain_text("Dora Door")
    assert_accessible(door)

    # After the event the attendee is asked for feedback and answers from the link in the email.
    create_survey(conference["event"], "course")
    assert request_feedback(conference["event"], confirm_early=True) == 1
    db.session.commit()
    request = mailbox.wait_for(2)[1]
    page.goto(mailbox.link(request, "/feedback"))
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("som helhet")).get_by_label("4", exact=True).check()
    page.get_by_label(re.compile("Vad var bra")).fill("Mer tid med peer supportrarna, tack.")
    page.get_by_role("button", name="Skicka mina svar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för ditt svar!")

    # The organiser sees that one person answered (the answers show from five).
    make_user("arrangor@example.org", role="organiser", events=[conference["event"]])
    log_in(page)
    page.goto(f"/manage/e/{SLUG}/feedback")
    expect(page.locator("main")).to_contain_text("Har svarat: 1.")
    assert_accessible(page)


def test_the_same_path_in_english(page, conference, mailbox):
    page.goto(f"/e/{SLUG}/")
    page.get_by_role("link", name="In English").click()
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Number of tickets: Fri entré").select_option("1")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Full name").fill("Nils Karlsson")
    page.get_by_label("Email", exact=True).fill("nils@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".message-success")).to_contain_text("you are registered")
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your registration: Vårkonferensen"
