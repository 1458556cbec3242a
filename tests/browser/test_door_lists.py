"""The door on a phone: find a person without their badge and check them in with one tap, see
who is missing and the counts refresh on their own; both pages fit a 320 px screen."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.checkin.models import CheckIn
from app.checkin.services import Door, scan
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"


def test_door_finds_a_person_and_checks_them_in(page, conference, make_user, mailbox, db):
    event, ticket = conference["event"], conference["ticket"]
    asa = register(event, ticket, name="Åsa Öström", email="asa@example.org",
                   organisation="Föreningen Sjöbris")
    nils = register(event, ticket, name="Nils Karlsson", email="nils@example.org")
    make_user("dorr@example.org", role="door", events=[event], name="Dora Door")
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, "dorr@example.org")
    page.goto(f"/checkin/{SLUG}/search")
    page.get_by_label("Namn, e-post, organisation eller beställningskod").fill("ostrom")
    page.get_by_role("button", name="Sök").click()
    result = page.locator(".door-person")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Föreningen Sjöbris")
    expect(result).to_contain_text("Inte incheckad än")
    assert_accessible(page)
    button = page.get_by_role("button", name=re.compile("Checka in.*Åsa Öström"))
    assert button.bounding_box()["height"] >= 44
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("Incheckad")
    expect(page.locator(".door-person")).to_contain_text("Incheckad kl.")
    assert_accessible(page)
    db.session.rollback()  # see what the live server committed
    assert db.session.scalar(select(CheckIn.registration_id)) == asa.id

    # The missing list counts the others, and its counts follow another door's scans.
    page.clock.install()
    page.goto(f"/checkin/{SLUG}/missing")
    expect(page.locator("main")).to_contain_text("Nils Karlsson")
    expect(page.locator(".door-progress")).to_have_text("Incheckade: 1 av 2")
    assert_accessible(page)
    scan(Door(event), nils.badge_token)
    db.session.commit()
    page.clock.run_for(16_000)
    expect(page.locator(".door-progress")).to_have_text("Incheckade: 2 av 2")
    expect(page.locator("[data-counts-doors]")).to_contain_text("Dora Door")

    page.set_viewport_size({"width": 320, "height": 640})
    for path in (f"/checkin/{SLUG}/search?q=ostrom", f"/checkin/{SLUG}/missing"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
