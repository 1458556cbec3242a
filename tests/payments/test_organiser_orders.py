"""The organiser looks through the orders of an event: finds one by code, name or email,
filters by status, and opens it to see its attendees, payment, invoice, refunds and documents."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from app.orders import services as order_services
from app.orders.models import Order
from app.payments.models import Refund
from app.registration import services
from tests.conftest import login
from tests.factories import build_conference
from tests.readback import pdf_text

SLUG = "varkonferensen-2027"
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def free_order(conference, buyer="fri@example.org", people=("Fia Fri",)):
    return services.place_order(
        conference["event"], "Frida Köpare", buyer, "sv",
        [(conference["ticket"], services.Attendee(name, f"{name.split()[0].lower()}@example.org"))
         for name in people])


def invoice_order(conference, buyer="eva.chef@region.example"):
    return services.place_order(
        conference["event"], "Eva Chef", buyer, "sv",
        [(conference["paid"], services.Attendee("Åke Anställd", "ake@region.example")),
         (conference["paid"], services.Attendee("Bea Anställd", "bea@region.example"))],
        payment_method="invoice", now=NOW,
        billing=services.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro",
                                 org_number="232100-0164", reference="Kst 4711",
                                 peppol_id="0007:2321000164"))


def card_order(conference, app, db, paid=True):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    try:
        order = services.place_order(
            conference["event"], "Kim Kort", "kim@example.org", "en",
            [(conference["paid"], services.Attendee("Kim Kort", "kim@example.org"))],
            payment_method="card")
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    db.session.execute(update(Order).where(Order.id == order.id).values(
        stripe_checkout_id="cs_test_a1b2c3"))
    if paid:
        db.session.execute(update(Order).where(Order.id == order.id).values(
            payment_status="paid", paid_at=NOW, stripe_payment_intent="pi_test_d4e5f6"))
        db.session.refresh(order)
        order_services.confirm_order(order)
    db.session.commit()
    db.session.refresh(order)
    return order


def english(client):
    """Pages in English, so the test reads the same before and after translation."""
    client.get("/language/en")
    return client


def codes(page: str) -> list[str]:
    return re.findall(r'/manage/e/[^/]+/orders/\d+">([A-Z0-9]{8})</a>', page)


@pytest.fixture
def orders(app, conference, db):
    made = {
        "free": free_order(conference, people=("Fia Fri", "Gus Gratis")),
        "invoice": invoice_order(conference),
        "card": card_order(conference, app, db),
    }
    cancelled = free_order(conference, buyer="avbokad@example.org", people=("Ulf Avbokad",))
    services.cancel_order(cancelled)
    made["cancelled"] = cancelled
    return made


# --- the list ----------------------------------------------------------------------------------

def test_the_list_shows_every_order_with_its_payment(organiser, orders):
    english(organiser)
    response = organiser.get(f"/manage/e/{SLUG}/orders")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sorted(codes(page)) == sorted(o.code for o in orders.values())
    assert "4 orders" in page
    invoice_row = re.search(rf"{orders['invoice'].code}</a>.*?</tr>", page, re.S).group(0)
    assert "Eva Chef" in invoice_row and "eva.chef@region.example" in invoice_row
    assert "<td>2</td>" in invoice_row  # two attendees
    assert "SEK\u00a01,900" in invoice_row and "Invoice not paid" in invoice_row
    assert f" {orders['invoice'].invoice_number}<br>" in invoice_row


@pytest.mark.parametrize(("query", "expected"), [
    ("status=cancelled", ["cancelled"]),
    ("payment_status=to_invoice", ["invoice"]),
    ("payment_status=paid", ["card"]),
    ("status=confirmed&payment_status=none", ["free"]),
    ("q=gus", ["free"]),  # an attendee's name, any case
    ("q=BEA@REGION.EXAMPLE", ["invoice"]),  # an attendee's email
    ("q=eva.chef", ["invoice"]),  # the buyer's email
    ("q=örebro län", ["invoice"]),  # the invoice recipient
    ("q=%25", []),  # a LIKE wildcard is just a character
    ("q=_", []),
    ("status=nonsense", ["free", "invoice", "card", "cancelled"]),  # ignored
])
def test_orders_can_be_filtered_and_searched(organiser, orders, query, expected):
    page = organiser.get(f"/manage/e/{SLUG}/orders?{query}").get_data(as_text=True)
    assert sorted(codes(page)) == sorted(orders[name].code for name in expected)


def test_an_order_is_found_by_its_code(organiser, orders):
    code = orders["card"].code
    page = organiser.get(f"/manage/e/{SLUG}/orders?q={code.lower()}").get_data(as_text=True)
    assert codes(page) == [code]


def test_no_orders_yet(organiser, conference):
    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/orders").get_data(as_text=True)
    assert codes(page) == [] and "No orders yet." in page


# --- one order ---------------------------------------------------------------------------------

def test_an_invoice_order_in_detail(organiser, orders, db):
    order = orders["invoice"]
    services.cancel(order.registrations[1])
    english(organiser)
    response = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in ("Eva Chef", "eva.chef@region.example", "Åke Anställd", "Bea Anställd",
                  "Region Örebro län", "232100-0164", "Kst 4711", "0007:2321000164",
                  str(order.invoice_number)):
        assert shown in page
    bea = re.search(r"Bea Anställd.*?</tr>", page, re.S).group(0)
    assert "Registration cancelled" in bea
    ake = re.search(r"Åke Anställd.*?</tr>", page, re.S).group(0)
    assert "Registered" in ake
    assert f"/manage/e/{SLUG}/orders/{order.id}/invoice.pdf" in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/receipt.pdf" not in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/mark-paid" in page

    pdf = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The issued invoice still lists both attendees: a cancellation needs a credit note.
    assert "Bea Anställd" in "".join(pdf_text(pdf.data))
    assert organiser.get(
        f"/manage/e/{SLUG}/orders/{order.id}/receipt.pdf").status_code == 404


def test_a_card_order_shows_stripe_ids_refunds_and_the_refund_form(organiser, orders, db):
    order = orders["card"]
    db.session.add_all([
        Refund(order_id=order.id, amount_ore=20000, reason="organiser", status="succeeded",
               stripe_refund_id="re_test_ok", note="Goodwill"),
        Refund(order_id=order.id, amount_ore=10000, reason="organiser", status="failed",
               error="charge_already_refunded"),
    ])
    db.session.execute(update(Order).where(Order.id == order.id).values(
        refunded_ore=20000, payment_status="partially_refunded"))
    db.session.commit()

    page = english(organiser).get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "cs_test_a1b2c3" in page and "pi_test_d4e5f6" in page
    assert "re_test_ok" in page and "Goodwill" in page
    assert "charge_already_refunded" in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/receipt.pdf" in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/invoice.pdf" not in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/mark-paid" not in page
    # The refund form posts to the payments blueprint's route, with what is left to refund.
    assert f'action="/manage/e/{SLUG}/orders/{order.id}/refund"' in page
    assert 'name="amount"' in page and 'name="seen_refunded_ore" type="hidden" value="20000"' \
        in page
    assert "At most SEK\u00a0750 can be refunded; it goes back to the card" in page
    assert "Did not go through" in page and "Partly refunded" in page

    receipt = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")


def test_an_unpaid_or_free_order_offers_no_refund(app, organiser, conference, db, mailbox):
    pending = card_order(conference, app, db, paid=False)
    free = free_order(conference)
    for order in (pending, free):
        page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
        assert "/refund\"" not in page and order.code in page


def test_unknown_orders_and_orders_of_other_events_are_not_found(organiser, orders, db):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    theirs = free_order(other, buyer="annan@example.org", people=("Annan Person",))
    for order_id in (theirs.id, 999999):
        for suffix in ("", "/invoice.pdf", "/receipt.pdf"):
            response = organiser.get(f"/manage/e/{SLUG}/orders/{order_id}{suffix}")
            assert response.status_code == 404
    assert organiser.get(f"/manage/e/{SLUG}/orders/abc").status_code == 404
    assert organiser.get("/manage/e/finns-inte/orders").status_code == 404
    assert theirs.code not in organiser.get(f"/manage/e/{SLUG}/orders").get_data(as_text=True)


def test_orders_are_for_organisers_only(app, client, make_user, conference, orders):
    order = orders["invoice"]
    urls = [f"/manage/e/{SLUG}/orders", f"/manage/e/{SLUG}/orders/{order.id}",
            f"/manage/e/{SLUG}/orders/{order.id}/invoice.pdf",
            f"/manage/e/{SLUG}/orders/{orders['card'].id}/receipt.pdf"]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    for url in urls:
        response = door.get(url)
        assert response.status_code == 403 and not response.data.startswith(b"%PDF")
        assert "Eva Chef" not in response.get_data(as_text=True)


def test_a_paid_invoice_can_be_refunded_by_hand(organiser, conference, db, mailbox):
    order = invoice_order(conference)
    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "/refund\"" not in page  # nothing paid yet
    organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert f'action="/manage/e/{SLUG}/orders/{order.id}/refund"' in page
    assert "At most SEK\u00a01,900 can be refunded. Pay it back yourself" in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/receipt.pdf" in page


def test_money_paid_back_on_a_paid_invoice_comes_with_a_credit_note(organiser, conference, db,
                                                                    mailbox):
    """Swedish VAT law wants a credit note for every reduction of an invoiced price: paying
    back part of a paid invoice by bank writes one, mails it to the buyer and lists it."""
    order = invoice_order(conference)
    organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    mailbox.clear()
    response = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/refund",
                              data={"amount": "400", "note": "Bankgiro",
                                    "seen_refunded_ore": "0"})
    assert response.status_code == 303
    [message] = mailbox.wait_for(1)
    assert message["To"] == order.buyer_email
    text = mailbox.body(message)
    assert "krediteras med 400" in text and "du får tillbaka 400" in text
    [(name, pdf)] = [(part.get_filename(), part.get_content())
                     for part in message.iter_attachments()]
    assert name.endswith(".pdf")
    credit_note = "\n".join(pdf_text(pdf))
    assert "Återbetalning" in credit_note and "Återbetalt av arrangören." in credit_note
    page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert re.search(r"Kreditfaktura \d+ \(PDF\)", page)
    db.session.refresh(order)
    assert order.payment_status == "partially_refunded"
