"""Registering on a phone with the keyboard only (a switch or a keyboard paired to the phone
moves focus the same way), in Swedish and in English; every page passes axe-core and fits the
screen. One person lands on their own page; a buyer who attends with a colleague types their
name and the organisation once."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.orders.models import Order
from tests.browser.conftest import assert_accessible

SLUG = "varkonferensen-2027"
PHONE = {"width": 390, "height": 844}

WORDS = {
    "sv": {"register": "Anmäl dig", "count": "Antal biljetter: Fri entré", "next": "Fortsätt",
           "name": "För- och efternamn", "email": "E-post", "own": "Din anmälan",
           "badge": "Ladda ner din namnbricka (PDF)", "programme": "Mitt program"},
    "en": {"register": "Register", "count": "Number of tickets: Fri entré", "next": "Continue",
           "name": "Full name", "email": "Email", "own": "Your registration",
           "badge": "Download your badge (PDF)", "programme": "My programme"},
}


def tab_to(page, target, limit=60):
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.mark.parametrize("language", ["sv", "en"])
def test_one_person_registers_with_the_keyboard_on_a_phone(page, conference, mailbox, db,
                                                          language):
    words = WORDS[language]
    page.set_viewport_size(PHONE)
    page.goto(f"/language/{language}?next=/e/{SLUG}/")
    assert_accessible(page)
    fits(page)
    tab_to(page, page.get_by_role("link", name=words["register"], exact=True))
    page.keyboard.press("Enter")

    count = page.get_by_label(words["count"])
    expect(count).to_be_visible()
    assert_accessible(page)
    fits(page)
    tab_to(page, count)
    page.keyboard.press("ArrowDown")  # 0 -> 1
    expect(count).to_have_value("1")
    tab_to(page, page.get_by_role("button", name=words["next"]))
    page.keyboard.press("Enter")

    name = page.get_by_label(words["name"])
    expect(name).to_be_visible()
    assert_accessible(page)
    fits(page)
    tab_to(page, name)
    page.keyboard.type("Nils Karlsson-Wallenberg")
    tab_to(page, page.get_by_label(words["email"], exact=True))
    page.keyboard.type("nils.karlsson-wallenberg@kommunen.example.se")
    page.keyboard.press("Enter")  # sends the form, as Enter in a text field does

    expect(page.get_by_role("heading", level=1)).to_have_text(words["own"])
    expect(page.locator(".message-success")).to_contain_text(
        "nils.karlsson-wallenberg@kommunen.example.se")
    assert_accessible(page)
    fits(page)
    badge = page.get_by_role("link", name=words["badge"])
    tab_to(page, badge)
    assert badge.bounding_box()["height"] >= 44
    tab_to(page, page.get_by_role("link", name=words["programme"], exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["programme"])
    assert_accessible(page)
    fits(page)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "nils.karlsson-wallenberg@kommunen.example.se"


def test_a_buyer_attends_with_a_colleague_typing_shared_details_once(page, conference, mailbox,
                                                                    db):
    conference["event"].field_organisation = "required"
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"/e/{SLUG}/register?t{conference['ticket'].id}=2")
    assert_accessible(page)
    fits(page)
    tab_to(page, page.get_by_label("Ditt namn"))
    page.keyboard.type("Eva Chef")
    page.keyboard.press("Tab")
    page.keyboard.type("eva@region.example")
    tab_to(page, page.get_by_label("Jag ska också delta"))
    page.keyboard.press("Space")
    first_name = page.locator("#a0-name")
    expect(first_name).to_have_value("Eva Chef")
    expect(first_name).to_have_attribute("readonly", "")
    expect(page.locator("#a0-email")).to_have_value("eva@region.example")
    tab_to(page, page.get_by_label("Samma organisation för alla"))
    page.keyboard.press("Space")
    expect(page.locator("#a1-organisation")).to_be_hidden()
    assert_accessible(page)
    fits(page)

    tab_to(page, page.locator("#a0-organisation"))
    page.keyboard.type("Region Väst")
    tab_to(page, page.locator("#a1-name"))
    page.keyboard.type("Lo Berg")
    page.keyboard.press("Tab")
    page.keyboard.type("lo@region.example")
    tab_to(page, page.get_by_role("button", name="Anmäl dig"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Beställning")
    expect(page.locator("main")).to_contain_text("Lo Berg")
    assert_accessible(page)
    fits(page)
    db.session.rollback()  # see what the live server committed
    order = db.session.scalar(select(Order))
    eva, lo = order.registrations
    assert (eva.name, eva.email, eva.organisation) == ("Eva Chef", "eva@region.example",
                                                       "Region Väst")
    assert (lo.name, lo.organisation) == ("Lo Berg", "Region Väst")
