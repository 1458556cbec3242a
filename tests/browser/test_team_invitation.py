"""An owner invites a colleague to the event's team on a phone and on a desktop; the
colleague, who has no account, accepts through the link in the mail by choosing a name and a
password, and lands on the pages their role opens. Every page passes axe and fits the screen."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts.models import User
from app.teams.models import TeamMember
from tests.browser.conftest import assert_accessible, log_in

SLUG = "varkonferensen-2027"
SIZES = {"phone": {"width": 320, "height": 640}, "desktop": {"width": 1280, "height": 800}}


def fits(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def tall_enough(locator):
    for index in range(locator.count()):
        assert locator.nth(index).bounding_box()["height"] >= 44, locator.nth(index)


@pytest.mark.parametrize("size", list(SIZES))
def test_owner_invites_and_a_newcomer_accepts(page, conference, make_user, mailbox, db, size):
    page.set_viewport_size(SIZES[size])
    make_user("olle@example.org", role="organiser", events=[conference["event"]],
              team_role="owner", name="Olle Ägare")
    make_user("dora@example.org", role="door", events=[conference["event"]], name="Dora Dörr")
    log_in(page, "olle@example.org")
    page.goto(f"/manage/e/{SLUG}/")
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    expect(page.locator("#members")).to_be_visible()
    assert_accessible(page)
    fits(page)

    page.get_by_label("E-post").fill("nina@example.org")
    page.get_by_label("Roll", exact=True).select_option(label="Ekonomi")
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.locator(".message-success")).to_contain_text(
        "Inbjudan är skickad till nina@example.org")
    invitation = page.locator("[id^=invitation-]")
    expect(invitation).to_contain_text("nina@example.org")
    expect(invitation).to_contain_text("Ekonomi")
    tall_enough(page.locator("main button, main select"))
    assert_accessible(page)
    fits(page)

    # Dora becomes an organiser from the same page.
    dora = page.locator("[id^=member-]", has_text="Dora Dörr")
    dora.get_by_label("Roll").select_option(label="Arrangör")
    dora.get_by_role("button", name="Ändra roll").click()
    expect(page.locator(".message-success")).to_contain_text("Rollen för Dora Dörr är ändrad.")

    [message] = mailbox.wait_for(1)
    link = mailbox.link(message, "/team-invitation/")
    page.get_by_role("button", name="Logga ut").click()

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inbjudan till teamet för Vårkonferensen")
    expect(page.locator("main")).to_contain_text("som Ekonomi")
    assert_accessible(page)
    fits(page)
    page.get_by_label("Ditt namn").fill("Nina Nilsson")
    page.get_by_label("Välj ett lösenord (minst 10 tecken)").fill("ett långt lösenord")
    page.get_by_label("Lösenordet igen").fill("ett annat lösenord")
    page.get_by_role("button", name="Skapa kontot och gå med").click()
    expect(page.locator("#confirm_password-error")).to_contain_text("De två lösenorden är olika")
    assert_accessible(page)
    page.get_by_label("Välj ett lösenord (minst 10 tecken)").fill("ett långt lösenord")
    page.get_by_label("Lösenordet igen").fill("ett långt lösenord")
    page.get_by_role("button", name="Skapa kontot och gå med").click()

    expect(page.locator(".message-success")).to_contain_text(
        "Välkommen, Nina Nilsson. Du är med i teamet för Vårkonferensen som Ekonomi.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vårkonferensen")
    tools = page.get_by_role("navigation", name="Verktyg för evenemanget")
    expect(tools.get_by_role("link", name="Fakturor")).to_be_visible()
    expect(tools.get_by_role("link", name="Ändra evenemanget")).to_have_count(0)
    assert_accessible(page)
    tools.get_by_role("link", name="Beställningar").click()
    expect(page).to_have_url(f"{page.url.split('/manage/')[0]}/manage/e/{SLUG}/orders")

    db.session.rollback()  # what the live server committed
    assert db.session.scalar(select(TeamMember.role).join(TeamMember.user).where(
        User.email == "nina@example.org")) == "finance"
