"""An employer pays by invoice and gets an invoice a Swedish bookkeeper accepts; a card buyer
gets a receipt, with refunds on it. The PDFs are read back as text and the numbers checked."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from app.orders import services as orders
from app.orders.models import Order
from app.payments import documents
from app.payments.models import Refund
from app.registration import services
from app.tickets.models import TicketType
from tests.readback import attachment, pdf_text

SLUG = "varkonferensen-2027"
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
BILLING = services.Billing(
    name="Region Örebro län", address="Box 1613\n701 16 Örebro", org_number="232100-0164",
    email="faktura@region.example", reference="Kst 4711 Anna Andersson",
    peppol_id="0007:2321000164",
)


def text(pdf: bytes) -> str:
    """All pages as one text, no-break spaces as plain ones."""
    return "\n".join(pdf_text(pdf)).replace("\u00a0", " ")


def seller(event, db):
    event.organiser_name = "NSPH"
    event.seller_org_number = "802426-1234"
    event.seller_vat_number = "SE802426123401"
    event.seller_address = "Box 123\n123 45 Stockholm"
    event.seller_bankgiro = "123-4567"
    event.contact_email = "info@nsph.example"
    event.invoice_due_days = 30
    db.session.commit()


def course_book(event, db):
    """Something sold at 6 % VAT, beside the 25 % conference ticket."""
    book = TicketType(event=event, name="Kursbok", name_en="Course book", price_ore=31800,
                      vat_percent=6, position=2)
    db.session.add(book)
    db.session.commit()
    return book


def mixed_invoice_order(conference, db, language="sv") -> Order:
    """Two conference tickets (950 kr, 25 %) and a course book (318 kr, 6 %)."""
    event = conference["event"]
    seller(event, db)
    book = course_book(event, db)
    return services.place_order(
        event, "Eva Chef", "eva.chef@region.example", language,
        [(conference["paid"], services.Attendee("Åsa Öberg", "asa@region.example")),
         (conference["paid"], services.Attendee("Bo Ek", "bo@region.example")),
         (book, services.Attendee("Cia Ärlig", "cia@region.example"))],
        payment_method="invoice", billing=BILLING, now=NOW,
    )


def paid_card_order(conference, app, db, language="sv") -> Order:
    """A card order whose payment Stripe reported: paid first, then confirmed (as the webhook
    does), so the confirmation carries the receipt."""
    seller(conference["event"], db)
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    try:
        order = services.place_order(
            conference["event"], "Kim Kort", "kim@example.org", language,
            [(conference["paid"], services.Attendee("Kim Kort", "kim@example.org")),
             (conference["paid"], services.Attendee("Lo Lund", "lo@example.org"))],
            payment_method="card")
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    db.session.execute(update(Order).where(Order.id == order.id).values(
        payment_status="paid", paid_at=NOW, stripe_payment_intent="pi_test_123",
        stripe_checkout_id="cs_test_123"))
    db.session.refresh(order)
    assert orders.confirm_order(order)
    db.session.commit()
    return order


def refund(order, db, amount_ore, status="succeeded", error=""):
    db.session.add(Refund(order_id=order.id, amount_ore=amount_ore, reason="attendee_cancelled",
                          status=status, error=error, created_at=datetime(2027, 2, 10, 12, 0,
                                                                           tzinfo=UTC)))
    if status == "succeeded":
        order.refunded_ore += amount_ore
        order.payment_status = ("refunded" if order.refunded_ore >= order.total_ore
                                else "partially_refunded")
    db.session.commit()


# --- the invoice -------------------------------------------------------------------------------

def test_invoice_shows_vat_per_rate_for_a_mixed_order(client, conference, db, mailbox):
    order = mixed_invoice_order(conference, db, language="en")
    response = client.get(f"/o/{order.manage_token}/invoice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="invoice-{order.invoice_number}.pdf"' in response.headers[
        "Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    invoice = text(response.data)

    # One line per attendee: ticket (in the order's language), attendee, rate, excl., incl.
    assert "Ordinarie\nÅsa Öberg\n25 %\nSEK 760\nSEK 950" in invoice
    assert "Ordinarie\nBo Ek\n25 %\nSEK 760\nSEK 950" in invoice
    assert "Course book\nCia Ärlig\n6 %\nSEK 300\nSEK 318" in invoice
    # VAT per rate: excl. VAT, VAT, incl. VAT; then the totals.
    assert "25 %\nSEK 1,520\nSEK 380\nSEK 1,900" in invoice
    assert "6 %\nSEK 300\nSEK 18\nSEK 318" in invoice
    assert "Total\nSEK 1,820\nSEK 398\nSEK 2,218" in invoice
    assert "Amount due: SEK 2,218" in invoice

    assert re.search(rf"Invoice number\n{order.invoice_number}\n", invoice)
    assert "Invoice date\n2027-02-01" in invoice and "Due date\n2027-03-03" in invoice
    assert "Payment terms\n30 days net" in invoice
    assert f"Order\n{order.code}" in invoice
    # The seller, as Swedish law wants them on an invoice.
    assert "NSPH" in invoice and "Box 123\n123 45 Stockholm" in invoice
    assert "Organisation number 802426-1234" in invoice
    assert "VAT registration number SE802426123401" in invoice
    assert "Pay to bankgiro 123-4567 by 2027-03-03" in invoice
    assert f"Quote invoice number {order.invoice_number}" in invoice
    # The buyer.
    assert "Bill to\nRegion Örebro län\nBox 1613\n701 16 Örebro" in invoice
    assert "Organisation number\n232100-0164" in invoice
    assert "Your reference\nKst 4711 Anna Andersson" in invoice
    assert "Peppol ID\n0007:2321000164" in invoice
    assert "Vårkonferensen, 2027-03-18, Folkets hus, Göteborg" in invoice


def test_a_swedish_order_gets_its_invoice_in_swedish(conference, db, mailbox):
    order = mixed_invoice_order(conference, db, language="sv")
    invoice = text(documents.invoice_pdf(order))
    assert "Faktura" in invoice and "Fakturanummer" in invoice
    assert "Förfallodatum\n2027-03-03" in invoice and "Fakturadatum\n2027-02-01" in invoice
    assert "Momsregistreringsnummer SE802426123401" in invoice
    assert "Organisationsnummer 802426-1234" in invoice
    assert "Er referens\nKst 4711 Anna Andersson" in invoice
    assert "Betalningsvillkor\n30 dagar netto" in invoice
    assert "Att betala: 2 218 kr" in invoice
    assert "25 %\n1 520 kr\n380 kr\n1 900 kr" in invoice
    assert "6 %\n300 kr\n18 kr\n318 kr" in invoice
    assert "Kursbok\nCia Ärlig" in invoice
    assert "Course book" not in invoice and "Amount due" not in invoice


def test_an_invoice_without_peppol_or_reference_leaves_those_lines_out(conference, db, mailbox):
    seller(conference["event"], db)
    order = services.place_order(
        conference["event"], "Eva Chef", "eva@example.org", "en",
        [(conference["paid"], services.Attendee("Eva Chef", "eva@example.org"))],
        payment_method="invoice",
        billing=services.Billing(name="Lilla Föreningen", address="Storgatan 1\n123 45 Ort"),
        now=NOW)
    invoice = text(documents.invoice_pdf(order))
    assert "Lilla Föreningen\nStorgatan 1" in invoice
    assert "Peppol ID" not in invoice and "Your reference" not in invoice
    assert "25 %\nSEK 760\nSEK 190\nSEK 950" in invoice


# --- the receipt -------------------------------------------------------------------------------

def test_a_card_buyer_gets_a_receipt_by_email(app, conference, db, mailbox):
    order = paid_card_order(conference, app, db, language="en")
    messages = mailbox.wait_for(3)
    [to_buyer] = [m for m in messages if m["To"] == "kim@example.org" and order.code in
                  m["Subject"]]
    body = mailbox.body(to_buyer)
    assert "paid by card" in body and "receipt is attached" in body
    assert mailbox.link(to_buyer, "/o/") == f"/o/{order.manage_token}"
    [part] = [p for p in to_buyer.iter_attachments()]
    assert part.get_filename() == f"receipt-{order.code}.pdf"
    receipt = text(attachment(to_buyer))
    assert "Receipt" in receipt and f"Order\n{order.code}" in receipt
    assert "Paid\n2027-02-01" in receipt
    assert "Paid 2027-02-01 by card: SEK 1,900" in receipt
    assert "25 %\nSEK 1,520\nSEK 380\nSEK 1,900" in receipt
    assert "Kim Kort" in receipt and "Lo Lund" in receipt
    assert "Refunds" not in receipt


def test_refunds_show_on_the_receipt(app, client, conference, db, mailbox):
    order = paid_card_order(conference, app, db, language="en")
    refund(order, db, 95000)
    refund(order, db, 20000, status="failed", error="card expired")
    response = client.get(f"/o/{order.manage_token}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    receipt = text(response.data)
    assert "Refunds" in receipt
    assert "Refund date\nAmount\n2027-02-10\n-SEK 950" in receipt
    assert "Paid after refunds\nSEK 950" in receipt
    assert "SEK 200" not in receipt  # the failed refund paid nothing back


def test_a_swedish_receipt(app, conference, db, mailbox):
    order = paid_card_order(conference, app, db, language="sv")
    refund(order, db, 95000)
    receipt = text(documents.receipt_pdf(order))
    assert "Kvitto" in receipt and "Betald 2027-02-01 med kort: 1 900 kr" in receipt
    assert "Återbetalningar" in receipt and "-950 kr" in receipt
    assert "Momsregistreringsnummer SE802426123401" in receipt


# --- what is attached, and who may download what -----------------------------------------------

def test_the_buyer_gets_the_invoice_attached_and_can_download_it_again(client, conference, db,
                                                                       mailbox):
    seller(conference["event"], db)
    paid = conference["paid"]
    form = {"buyer_name": "Eva Chef", "buyer_email": "eva.chef@region.example",
            "payment_method": "invoice", "billing_name": "Region Örebro län",
            "billing_org_number": "232100-0164", "billing_address": "Box 1613\n701 16 Örebro",
            "invoice_reference": "Kst 4711", "peppol_id": "0007:2321000164"}
    for i in range(2):
        form.update({f"a{i}-name": f"Kollega {i}", f"a{i}-email": f"kollega{i}@region.example"})
    response = client.post(f"/e/{SLUG}/register?t{paid.id}=2", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    order = db.session.scalar(select(Order))

    mailbox.wait_for(3)
    [to_buyer] = mailbox.to("eva.chef@region.example")
    body = mailbox.body(to_buyer).replace("\u00a0", " ")
    assert order.code in body and str(order.invoice_number) in body
    assert "Kollega 0" in body and "Kollega 1" in body and "Ordinarie" in body
    assert "1 900 kr" in body
    attached = attachment(to_buyer)
    assert [p.get_filename() for p in to_buyer.iter_attachments()] == [
        f"faktura-{order.invoice_number}.pdf"]
    assert "Kst 4711" in text(attached) and "1 900 kr" in text(attached)

    link = mailbox.link(to_buyer, "/o/")
    again = client.get(f"{link}/invoice.pdf")
    assert again.status_code == 200 and text(again.data) == text(attached)
    assert client.get(f"{link}/receipt.pdf").status_code == 404  # not paid yet


def test_free_orders_get_no_document(client, conference, db, mailbox):
    order = services.place_order(
        conference["event"], "Eva Chef", "eva@example.org", "sv",
        [(conference["ticket"], services.Attendee("A", "a@example.org")),
         (conference["ticket"], services.Attendee("B", "b@example.org"))])
    db.session.commit()
    assert documents.attachments_for(order) == []
    [to_buyer] = [m for m in mailbox.wait_for(3) if m["To"] == "eva@example.org"]
    assert list(to_buyer.iter_attachments()) == []
    assert client.get(f"/o/{order.manage_token}/invoice.pdf").status_code == 404
    assert client.get(f"/o/{order.manage_token}/receipt.pdf").status_code == 404


@pytest.mark.parametrize("document", ["invoice.pdf", "receipt.pdf"])
def test_unknown_order_links_find_nothing(client, conference, document):
    response = client.get(f"/o/finns-inte/{document}")
    assert response.status_code == 404 and not response.data.startswith(b"%PDF")
    assert client.get(f"/o/{'x' * 80}/{document}").status_code == 404


def test_a_card_order_has_no_invoice_and_an_unpaid_one_no_receipt(app, client, conference, db):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    try:
        pending = services.place_order(
            conference["event"], "Kim", "kim@example.org", "sv",
            [(conference["paid"], services.Attendee("Kim", "kim@example.org"))],
            payment_method="card")
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    assert documents.attachments_for(pending) == []
    assert client.get(f"/o/{pending.manage_token}/invoice.pdf").status_code == 404
    assert client.get(f"/o/{pending.manage_token}/receipt.pdf").status_code == 404
