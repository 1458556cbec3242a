"""The rest of registration in Chromium, each page checked by axe-core: joining the waiting
list when sold out, the attendee's own page and its edit form, and the organiser's pages for
tickets, the form, orders, invoices and the waiting list."""

from playwright.sync_api import expect
from sqlalchemy import select

from app.orders.models import Order
from app.registration import services
from app.registration.models import Registration
from app.waitlist.models import WaitingListEntry
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"


def test_a_sold_out_ticket_leads_to_the_waiting_list(page, conference, mailbox, db):
    ticket = conference["ticket"]
    ticket.capacity = 1
    db.session.commit()
    register(conference["event"], ticket)
    page.goto(f"/e/{SLUG}/register")
    expect(page.locator("main")).to_contain_text("Slutsåld")
    assert_accessible(page)
    page.get_by_role("link", name="Ställ dig på väntelistan").click()
    assert_accessible(page)
    page.get_by_label("För- och efternamn").fill("Nils Karlsson")
    page.get_by_label("E-post", exact=True).fill("nils@example.org")
    page.get_by_role("button", name="Ställ dig på väntelistan").click()
    expect(page.locator(".message-success")).to_contain_text("väntelistan")
    assert_accessible(page)
    db.session.rollback()  # see what the live server committed
    entry = db.session.scalar(select(WaitingListEntry))
    assert entry.email == "nils@example.org" and entry.status == "waiting"


def test_the_attendee_edits_their_answers_on_their_own_page(page, conference, mailbox, db):
    registration = register(conference["event"], conference["ticket"])
    page.goto(f"/r/{registration.manage_token}")
    expect(page.locator("main")).to_contain_text("Alva Persson")
    assert_accessible(page)
    page.goto(f"/r/{registration.manage_token}/edit")
    assert_accessible(page)
    page.get_by_label("Organisation", exact=False).first.fill("RSMH Göteborg")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".message-success")).to_be_visible()
    assert_accessible(page)
    db.session.rollback()  # see what the live server committed
    db.session.refresh(registration)
    assert registration.organisation == "RSMH Göteborg"


def test_the_organisers_registration_pages_pass_axe(page, conference, make_user, mailbox, db):
    event = conference["event"]
    order = services.place_order(
        event, "Eva Chef", "eva@region.example", "sv",
        [(conference["paid"], services.Attendee(name="Kim Ek", email="kim@region.example"))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1\n701 16 Örebro"))
    make_user("arrangor@example.org", role="admin")
    log_in(page)
    for path in (f"/manage/e/{SLUG}/tickets", f"/manage/e/{SLUG}/tickets/new",
                 f"/manage/e/{SLUG}/registration-settings", f"/manage/e/{SLUG}/questions",
                 f"/manage/e/{SLUG}/orders", f"/manage/e/{SLUG}/orders/{order.id}",
                 f"/manage/e/{SLUG}/invoices", f"/manage/e/{SLUG}/waiting-list",
                 f"/manage/e/{SLUG}/attendees"):
        response = page.goto(path)
        assert response.status == 200, path
        assert_accessible(page)
    assert db.session.scalar(select(Order)).invoice_number == order.invoice_number


def test_the_buyer_cancels_one_colleague_from_the_order_page(page, conference, mailbox, db):
    event, ticket = conference["event"], conference["ticket"]
    order = services.place_order(event, "Eva Chef", "eva@region.example", "sv", [
        (ticket, services.Attendee(name="Kim Ek", email="kim@region.example")),
        (ticket, services.Attendee(name="Lo Berg", email="lo@region.example"))])
    db.session.commit()
    kim, lo = order.registrations
    page.goto(f"/o/{order.manage_token}")
    expect(page.locator("main")).to_contain_text("Lo Berg")
    assert kim.manage_token not in page.content() and lo.manage_token not in page.content()
    assert_accessible(page)
    page.get_by_text("Avanmäl Kim Ek").first.click()  # opens the row's confirmation
    page.get_by_label("Ja, avanmäl Kim Ek").check()
    page.get_by_role("button", name="Avanmäl Kim Ek").click()
    expect(page.locator(".message-success")).to_contain_text("Kim Ek")
    assert_accessible(page)
    db.session.rollback()  # see what the live server committed
    assert db.session.get(Registration, kim.id).status == "cancelled"
    assert db.session.get(Registration, lo.id).status == "confirmed"
