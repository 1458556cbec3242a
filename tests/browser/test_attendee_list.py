"""The organiser's attendee list in Chromium, on a phone and on a desktop: searching without
accents, filtering, paging and opening a person, with no horizontal scrolling at 320 px and
no axe-core violations."""

import re

import pytest
from playwright.sync_api import expect

from app.checkin.services import Door, scan
from app.registration import services
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"
LIST = f"/manage/e/{SLUG}/attendees"


@pytest.fixture
def attendees(conference, make_user, mailbox, db):
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    asa = register(event, free, name="Åsa Öström", email="asa.ostrom@example.org",
                   organisation="Föreningen Sjöbris för psykisk hälsa i Västra Götaland",
                   dietary_needs="Glutenfri och laktosfri kost, inga nötter",
                   sensitive_consent=True)
    for i in range(55):
        register(event, free, name=f"Deltagare Nummer{i:02d}", email=f"d{i}@example.org")
    services.place_order(
        event, "Eva Berg", "eva.berg.med.en.lang.adress@region-orebro-lan.example", "sv",
        [(paid, services.Attendee(name="Eva Berg",
                                  email="eva.berg.med.en.lang.adress@region-orebro-lan.example"))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1\n701 16 Örebro"))
    scan(Door(event), asa.badge_token)
    db.session.commit()
    make_user("arrangor@example.org", role="admin")
    return {"asa": asa}


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_organiser_finds_an_attendee_on_a_phone_and_a_desktop(page, attendees, width):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page)
    page.goto(LIST)
    expect(page.get_by_role("heading", level=2, name=re.compile("57 anmälningar"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)

    # 57 people: two pages of 50; the next page keeps the sort order chosen.
    page.get_by_label("Sortera efter").select_option("surname")
    page.get_by_role("button", name="Visa", exact=True).click()
    page.get_by_role("link", name="Nästa").click()
    expect(page.get_by_text("Sida 2 av 2", exact=True)).to_be_visible()
    expect(page.get_by_label("Sortera efter")).to_have_value("surname")
    expect(page.locator(".attendee")).to_have_count(7)

    page.get_by_label("Sök", exact=True).fill("ostrom")
    page.get_by_label("Incheckning").select_option("yes")
    page.get_by_role("button", name="Visa", exact=True).click()
    expect(page.locator(".attendee")).to_have_count(1)
    card = page.locator(".attendee")
    expect(card).to_contain_text("Föreningen Sjöbris")
    expect(card).to_contain_text("Incheckad")
    expect(card).to_contain_text("Glutenfri")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)

    link = page.get_by_role("link", name="Åsa Öström")
    assert link.bounding_box()["height"] >= 44
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åsa Öström")
    expect(page.locator("main")).to_contain_text("Fri entré")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)

    page.goto(f"{LIST}?q=eva+berg")
    expect(page.locator(".attendee")).to_contain_text("Faktura obetald")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
