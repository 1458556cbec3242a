"""A paid registration in Chromium: choose a ticket, fill in the form, pay on the (stand-in)
Stripe page, land on the confirmed order; every registration page passes axe-core."""

from playwright.sync_api import expect
from sqlalchemy import select

from app.orders.models import Order
from tests.browser.conftest import assert_accessible

SLUG = "varkonferensen-2027"


def test_attendee_pays_by_card_and_gets_the_confirmed_order(
    page, browser, live_app, base_url, stripe_standin, conference, mailbox, db
):
    # Stripe sends the browser back to the address Samla gives it: the live server's.
    saved = {key: live_app.config.get(key) for key in (
        "BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
        "STRIPE_MAX_NETWORK_RETRIES", "STRIPE_CHECKOUT_ORIGIN")}
    live_app.config.update(
        BASE_URL=base_url, STRIPE_SECRET_KEY=stripe_standin.api_key,
        STRIPE_WEBHOOK_SECRET=stripe_standin.webhook_secret,
        STRIPE_API_BASE=stripe_standin.base_url, STRIPE_MAX_NETWORK_RETRIES=0,
        STRIPE_CHECKOUT_ORIGIN=stripe_standin.base_url)
    try:
        # The form with card and invoice, checked by axe-core.
        page.goto(f"/e/{SLUG}/register?t{conference['paid'].id}=1")
        expect(page.get_by_label("Kort", exact=False)).to_be_visible()
        assert_accessible(page)

        # The payment itself in a browser that enforces Samla's Content-Security-Policy, as a
        # real one does (its form-action must let the redirect on to Stripe's page).
        strict = browser.new_context(base_url=base_url, locale="sv-SE").new_page()
        strict.goto(f"/e/{SLUG}/register")
        strict.get_by_label("Antal biljetter: Ordinarie").select_option("1")
        strict.get_by_role("button", name="Fortsätt").click()
        expect(strict.get_by_role("heading", level=1)).to_have_text(
            "Anmäl dig till Vårkonferensen")
        strict.get_by_label("För- och efternamn").fill("Bo Ek")
        strict.get_by_label("E-post", exact=True).fill("bo@example.org")
        strict.get_by_label("Kort", exact=False).check()
        expect(strict.locator(".order-summary")).to_contain_text("950\u00a0kr")
        strict.get_by_role("button", name="Beställ").click()

        # Stripe's hosted page (the stand-in), in Swedish with the right amount.
        expect(strict.get_by_role("button", name="Betala")).to_be_visible()
        expect(strict.locator("body")).to_contain_text("950.00 SEK")
        strict.get_by_role("button", name="Betala").click()

        # Back at Samla: the webhook has confirmed the order.
        expect(strict.get_by_role("heading", level=1)).to_contain_text("Beställning")
        strict.reload()
        expect(strict.locator("main")).to_contain_text("Betald")
        expect(strict.get_by_role("link", name="Namnbricka för Bo Ek (PDF)")).to_be_visible()
        page.goto(strict.url)
        assert_accessible(page)
        db.session.rollback()  # see what the live server committed
        order = db.session.scalar(select(Order))
        assert order.status == "confirmed" and order.payment_status == "paid"
        messages = mailbox.wait_for(2)
        assert {m["To"] for m in messages} == {"bo@example.org"}
    finally:
        live_app.config.update(saved)


def test_the_ticket_page_and_the_order_page_in_english_pass_axe(page, conference, mailbox):
    page.goto(f"/e/{SLUG}/")
    page.get_by_role("link", name="In English").click()
    page.goto(f"/e/{SLUG}/register")
    assert_accessible(page)
    page.get_by_label("Number of tickets: Fri entré").select_option("2")
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page)
    for i, (name, email) in enumerate((("Ann Al", "ann@example.org"),
                                       ("Per Berg", "per@example.org"))):
        page.locator(f"#a{i}-name").fill(name)
        page.locator(f"#a{i}-email").fill(email)
    page.get_by_role("button", name="Register").click()
    # A group needs the buyer: the form comes back with the errors announced.
    expect(page.locator("#buyer_name-error")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Eva Chef")
    page.get_by_label("Your email").fill("eva@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".message-success")).to_contain_text("each attendee")
    expect(page.get_by_role("link", name="Badge for Per Berg (PDF)")).to_be_visible()
    assert_accessible(page)
    assert len(mailbox.wait_for(3)) == 3
