"""The organiser's event home and events list in Chromium, on a 320 px phone, a 390 px phone
and a desktop: axe-core finds nothing, nothing scrolls sideways, the chart is one image with a
name and a description, and its table opens with a tap."""

import re
from datetime import time as clock
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.db_types import utcnow
from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import DAY, bulk_registrations, publish_programme, register

SLUG = "varkonferensen-2027"


@pytest.fixture
def selling_event(conference, make_user, mailbox, db):
    """Three weeks of sales: 120 registrations for the paid ticket (cards, invoices paid,
    unpaid and overdue, check-ins, a waiting list) and a workshop one attendee signed up for;
    the page signed in as an organiser."""
    event, paid = conference["event"], conference["paid"]
    paid.capacity = 150
    workshop = create_item(event, title="Workshop om återhämtning och egenmakt i vardagen",
                           kind="workshop", description="", signup=(True, 12),
                           placement=ItemPlacement(DAY, clock(14, 0), clock(15, 30),
                                                   conference["side"]))
    db.session.commit()
    publish_programme(event)
    bulk_registrations(event, paid, 120, until=utcnow() - timedelta(hours=1), days=21)
    alva = register(event, conference["ticket"], name="Alva Persson-Wikström")
    signups.sign_up(alva, workshop)
    db.session.commit()
    make_user("arrangor@example.org", role="admin")
    return conference


@pytest.mark.parametrize("width,height", [(320, 640), (390, 844), (1280, 900)])
def test_the_event_home_and_the_events_list_fit_and_pass_axe(page, selling_event, width,
                                                              height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page)
    page.goto("/manage/")
    expect(page.locator(".event-list")).to_contain_text("Vårkonferensen")
    expect(page.locator(".event-list")).to_contain_text("Incheckade nu")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="Vårkonferensen").click()
    expect(page.locator("h1")).to_have_text("Vårkonferensen")
    expect(page.locator(".key-figures")).to_contain_text("Anmälningar")
    chart = page.get_by_role("img", name="Bekräftade anmälningar över tid")
    expect(chart).to_be_visible()
    assert re.search(r"summerat dag för dag: \d+ den .*, 115 den ",
                     chart.evaluate("svg => svg.querySelector('desc').textContent"))
    assert chart.bounding_box()["width"] <= width
    table = page.get_by_role("table", name="Bekräftade anmälningar per dag")
    expect(table).to_be_hidden()
    summary = page.get_by_text("Siffrorna som tabell")
    assert summary.bounding_box()["height"] >= 44
    summary.click()
    expect(table).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for link in ("Programmet", "Hantera biljetter", "Beställningar", "Fakturor"):
        assert page.get_by_role("link", name=link, exact=True).bounding_box()["height"] >= 44

    page.get_by_role("link", name="Programmet", exact=True).click()
    expect(page.locator("h1")).to_have_text("Programmet")
    assert_accessible(page)
