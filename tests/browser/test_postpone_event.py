"""Postponing in Chromium, on a phone and a desktop: the organiser previews the move and
confirms it, every page passes axe-core and nothing scrolls sideways; the public page strikes
the old date through; an attendee who paid cancels from their own link within the decision
window, told beforehand that they get everything back."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.orders.models import Order
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import DAY
from tests.payments.test_invoices import invoice_order

SLUG = "varkonferensen-2027"
NEW_DAY = DAY + timedelta(days=56)


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 900)])
def test_the_organiser_postpones_and_an_attendee_cancels_with_a_full_refund(
        page, make_user, conference, db, mailbox, width, height):
    order = invoice_order(conference)
    db.session.commit()
    [attendee] = order.registrations
    make_user("arrangor@example.org", role="admin")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page)

    page.goto(f"/manage/e/{SLUG}/")
    page.get_by_role("link", name="Skjut upp evenemanget").click()
    page.get_by_label("Ny första dag").fill(NEW_DAY.isoformat())
    page.get_by_role("button", name="Förhandsgranskning").click()
    preview = page.locator("#before-after").locator("..")
    expect(preview.locator("del").first).to_contain_text("18 mars 2027")
    expect(preview).to_contain_text("13 maj 2027")
    expect(page.get_by_role("heading", name="Vilka som får besked: 2")).to_be_visible()
    assert_accessible(page)
    fits(page, width)

    confirm = page.get_by_role("button", name="Skjut upp och meddela alla")
    assert confirm.bounding_box()["height"] >= 44
    confirm.click()
    expect(page.locator(".message-success")).to_contain_text(
        "Evenemanget är uppskjutet till 2027-05-13")
    expect(page.locator("#kept")).to_have_text("1")
    assert_accessible(page)
    fits(page, width)

    # The public page: the old date struck through, the new one inserted.
    page.goto(f"/e/{SLUG}/")
    expect(page.locator("del").first).to_contain_text("18 mars 2027")
    expect(page.locator("ins").first).to_contain_text("13 maj 2027")
    assert_accessible(page)
    fits(page, width)

    # The attendee, from their own link: told they get everything back, then cancelling.
    page.goto(f"/r/{attendee.manage_token}")
    expect(page.locator("main")).to_contain_text("får du tillbaka allt du betalat")
    assert_accessible(page)
    fits(page, width)
    page.get_by_label("Ja, avanmäl mig").check()
    page.get_by_role("button", name="Avanmäl mig").click()
    expect(page.locator(".message-success")).to_contain_text("avanmäld")
    fits(page, width)
    db.session.rollback()  # see what the live server committed
    credited = db.session.get(Order, order.id)
    assert credited.payment_status == "credited" and credited.refunded_ore == 95000

    page.goto(f"/manage/e/{SLUG}/postpone")
    expect(page.locator("#kept")).to_have_text("0")
    expect(page.locator("#cancelled")).to_have_text("1")
