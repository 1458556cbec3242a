"""The organiser follows up invoices: a gap-free series of numbers, a CSV for the bookkeeping
system, and marking an invoice paid when the money arrives (once, however often it is clicked)."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.db_types import utcnow
from app.orders.models import Order
from app.payments.models import Refund
from app.registration import services
from app.tickets.models import TicketType
from tests.conftest import login
from tests.factories import build_conference
from tests.readback import pdf_text

SLUG = "varkonferensen-2027"
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def invoice_order(conference, email="eva@region.example", tickets=None, now=NOW, **billing):
    details = {"name": "Region Örebro län", "address": "Box 1613\n701 16 Örebro",
               "org_number": "232100-0164", "reference": "Kst 4711",
               "peppol_id": "0007:2321000164", **billing}
    tickets = tickets or [conference["paid"]]
    return services.place_order(
        conference["event"], "Eva Chef", email, "sv",
        [(ticket, services.Attendee(f"Person {i}", f"p{i}.{email}"))
         for i, ticket in enumerate(tickets)],
        payment_method="invoice", billing=services.Billing(**details), now=now)


def reload(db, order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def csv_rows(response) -> list[dict]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def english(client):
    """Pages in English, so the test reads the same before and after translation."""
    client.get("/language/en")
    return client


def door_client(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    return login(app.test_client(), "dorr@example.org")


# --- numbers -----------------------------------------------------------------------------------

def test_only_invoices_take_numbers_and_a_refused_order_takes_none(app, conference, db, mailbox):
    first = invoice_order(conference, "a@region.example")
    services.place_order(conference["event"], "Fri", "fri@example.org", "sv",
                         [(conference["ticket"], services.Attendee("Fri", "fri@example.org"))])
    conference["paid"].capacity = conference["paid"].seats_taken
    db.session.commit()
    try:
        invoice_order(conference, "b@region.example")
    except services.SoldOut:
        pass
    else:
        raise AssertionError("the ticket was sold out")
    conference["paid"].capacity = None
    db.session.commit()
    second = invoice_order(conference, "c@region.example")
    numbers = db.session.scalars(select(Order.invoice_number).order_by(Order.id)).all()
    assert numbers == [first.invoice_number, None, second.invoice_number]
    assert second.invoice_number == first.invoice_number + 1


# --- the CSV for bookkeeping -------------------------------------------------------------------

def test_invoices_csv_opens_in_swedish_excel_with_vat_per_rate(organiser, conference, db,
                                                              mailbox):
    book = TicketType(event=conference["event"], name="Kursbok", price_ore=31800, vat_percent=6)
    db.session.add(book)
    db.session.commit()
    mixed = invoice_order(conference, tickets=[conference["paid"], conference["paid"], book])
    plain = invoice_order(conference, "lilla@forening.example", name="=HYPERLINK(\"x\")",
                          address="Storgatan 1", org_number="", reference="", peppol_id="")
    services.place_order(conference["event"], "Fri", "fri@example.org", "sv",
                         [(conference["ticket"], services.Attendee("Fri", "fri@example.org"))])

    response = organiser.post(f"/manage/e/{SLUG}/invoices.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{SLUG}-invoices.csv"' in response.headers["Content-Disposition"]
    # It names buyers: the export is in the event's audit log, with who made it.
    [logged] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "export.invoices")).all()
    assert logged.actor.endswith("<arrangor@example.org>") and logged.detail["format"] == "CSV"
    rows = csv_rows(response)
    assert [row["invoice_number"] for row in rows] == [str(mixed.invoice_number),
                                                        str(plain.invoice_number)]
    first = rows[0]
    assert first["invoice_date"] == "2027-02-01" and first["due_date"] == "2027-03-03"
    assert first["order_code"] == mixed.code
    assert first["buyer_org_number"] == "232100-0164"
    assert first["billing_name"] == "Region Örebro län"
    assert first["billing_address"] == "Box 1613, 701 16 Örebro"
    assert first["reference"] == "Kst 4711" and first["peppol_id"] == "0007:2321000164"
    assert first["amount_excl_vat"] == "1820,00"
    assert first["excl_vat_25"] == "1520,00" and first["vat_25"] == "380,00"
    assert first["excl_vat_6"] == "300,00" and first["vat_6"] == "18,00"
    assert first["excl_vat_12"] == "0,00" and first["vat_12"] == "0,00"
    assert first["vat_total"] == "398,00" and first["total"] == "2218,00"
    assert first["currency"] == "SEK" and first["status"] == "unpaid"
    assert first["paid_date"] == "" and first["order_status"] == "confirmed"
    # A name a spreadsheet would run as a formula is defused.
    assert rows[1]["billing_name"] == "'=HYPERLINK(\"x\")"
    assert rows[1]["total"] == "950,00" and rows[1]["vat_25"] == "190,00"

    organiser.post(f"/manage/e/{SLUG}/orders/{mixed.id}/mark-paid")
    paid_row = csv_rows(organiser.post(f"/manage/e/{SLUG}/invoices.csv"))[0]
    today = datetime.now(UTC).astimezone().date()
    assert paid_row["status"] == "paid"
    assert abs(date.fromisoformat(paid_row["paid_date"]) - today) <= timedelta(days=1)


def test_an_event_without_invoices_has_a_csv_with_only_the_header(organiser, conference):
    response = organiser.post(f"/manage/e/{SLUG}/invoices.csv")
    assert response.status_code == 200 and csv_rows(response) == []
    header = response.data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("invoice_number;invoice_date;due_date;")


# --- the invoices page and marking paid --------------------------------------------------------

def test_organiser_marks_an_invoice_paid_once_however_often_it_is_clicked(organiser, conference,
                                                                        db, mailbox):
    order = invoice_order(conference)
    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert f'id="invoice-{order.invoice_number}"' in page and "Region Örebro län" in page
    assert f"/manage/e/{SLUG}/orders/{order.id}/mark-paid" in page

    first = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid",
                           data={"back": "invoices"})
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"/manage/e/{SLUG}/invoices")
    paid = reload(db, order)
    assert paid.payment_status == "paid" and paid.paid_at is not None
    paid_at = paid.paid_at

    second = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid",
                            follow_redirects=True)
    assert second.status_code == 200
    assert f"{order.invoice_number} was already marked paid" in second.get_data(as_text=True)
    again = reload(db, order)
    assert again.payment_status == "paid" and again.paid_at == paid_at

    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert f"/manage/e/{SLUG}/orders/{order.id}/mark-paid" not in page
    # Now there is a receipt too, for the buyer and for the organiser.
    assert organiser.get(f"/o/{order.manage_token}/receipt.pdf").status_code == 200


def test_only_invoices_can_be_marked_paid(organiser, conference, db, mailbox):
    free = services.place_order(
        conference["event"], "Fri", "fri@example.org", "sv",
        [(conference["ticket"], services.Attendee("Fri", "fri@example.org"))])
    response = english(organiser).post(f"/manage/e/{SLUG}/orders/{free.id}/mark-paid")
    assert response.status_code == 409
    assert "not paid by invoice" in response.get_data(as_text=True)
    assert reload(db, free).payment_status == "none" and reload(db, free).paid_at is None
    assert organiser.post(f"/manage/e/{SLUG}/orders/999999/mark-paid").status_code == 404


def test_an_invoice_of_another_event_is_not_found_here(organiser, conference, db, mailbox):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    order = invoice_order(other)
    response = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    assert response.status_code == 404
    assert reload(db, order).payment_status == "to_invoice"
    assert organiser.get(f"/manage/e/{SLUG}/orders/{order.id}/invoice.pdf").status_code == 404
    assert csv_rows(organiser.post(f"/manage/e/{SLUG}/invoices.csv")) == []
    assert order.code not in organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)


def test_marking_paid_needs_the_form_token(app, organiser, conference, db, mailbox):
    order = invoice_order(conference)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
        assert refused.status_code == 400
        assert reload(db, order).payment_status == "to_invoice"
        page = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        accepted = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid",
                                  data={"csrf_token": token})
        assert accepted.status_code == 303
        assert reload(db, order).payment_status == "paid"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_overdue_invoices_and_missing_seller_details_are_pointed_out(organiser, conference, db,
                                                                    mailbox):
    old = invoice_order(conference, now=utcnow() - timedelta(days=40))
    fresh = invoice_order(conference, "ny@region.example", now=utcnow())
    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    old_row = re.search(rf'id="invoice-{old.invoice_number}".*?</tr>', page, re.S).group(0)
    fresh_row = re.search(rf'id="invoice-{fresh.invoice_number}".*?</tr>', page, re.S).group(0)
    assert "Overdue" in old_row and "Overdue" not in fresh_row
    # The factory's event has every seller detail an invoice needs.
    assert "the VAT registration number" not in page

    event = conference["event"]
    event.seller_vat_number, event.seller_bankgiro = "", ""
    db.session.commit()
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert "the VAT registration number" in page and "the bankgiro number" in page


def test_invoices_are_for_organisers_only(app, client, make_user, conference, db, mailbox):
    order = invoice_order(conference)
    urls = [("get", f"/manage/e/{SLUG}/invoices"), ("post", f"/manage/e/{SLUG}/invoices.csv")]
    for method, url in urls:
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    door = door_client(app, make_user, conference)
    for method, url in urls:
        response = getattr(door, method)(url)
        assert response.status_code == 403 and order.billing_name not in response.get_data(
            as_text=True)
    assert door.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid").status_code == 403
    assert client.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid").status_code == 302
    assert reload(db, order).payment_status == "to_invoice"


def test_unknown_event_has_no_invoices(organiser):
    assert organiser.get("/manage/e/finns-inte/invoices").status_code == 404
    assert organiser.post("/manage/e/finns-inte/invoices.csv").status_code == 404


# --- cancelling an invoice order ---------------------------------------------------------------

def last_refund_day(db, conference, days_from_today):
    today = utcnow().astimezone(ZoneInfo("Europe/Stockholm")).date()
    conference["event"].refund_until = today + timedelta(days=days_from_today)
    db.session.commit()


def invoice_row(page, order):
    return re.search(rf'id="invoice-{order.invoice_number}".*?</tr>', page, re.S).group(0)


def test_an_unpaid_invoice_cancelled_by_the_last_refund_day_is_credited(
        client, organiser, conference, db, mailbox, stripe_standin):
    last_refund_day(db, conference, 0)  # today still counts
    order = invoice_order(conference, tickets=[conference["paid"], conference["paid"]])
    assert client.post(f"/o/{order.manage_token}/cancel",
                       data={"confirm": "y"}).status_code == 303

    order = reload(db, order)
    assert order.status == "cancelled" and order.payment_status == "credited"
    assert order.refunded_ore == 190000
    [credit] = db.session.scalars(select(Refund)).all()
    assert credit.reason == "credit_note" and credit.status == "succeeded"
    assert credit.amount_ore == 190000 and credit.stripe_refund_id is None
    assert stripe_standin.requests == []  # a credit note, not a card refund
    page = client.get(f"/o/{order.manage_token}").get_data(as_text=True)
    assert f"Faktura {order.invoice_number} är krediterad i sin helhet" in page

    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert "Awaiting payment (0)" in page and "Paid, refunded or credited (1)" in page
    row = invoice_row(page, order)
    assert "Invoice credited" in row and "Credited SEK\u00a01,900" in row
    assert "/mark-paid" not in row
    [csv_row] = csv_rows(organiser.post(f"/manage/e/{SLUG}/invoices.csv"))
    assert csv_row["status"] == "credited" and csv_row["credited"] == "1900,00"
    assert csv_row["total"] == "1900,00" and csv_row["order_status"] == "cancelled"
    detail = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "Credited: cancelled by the last refund day" in detail

    refused = organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid")
    assert refused.status_code == 409
    assert "credited in full: there is nothing to pay" in refused.get_data(as_text=True)
    assert reload(db, order).payment_status == "credited"
    assert reload(db, order).paid_at is None


def test_one_colleague_cancelling_in_time_credits_their_seat_and_the_rest_is_due(
        client, organiser, conference, db, mailbox):
    last_refund_day(db, conference, 30)
    order = invoice_order(conference, tickets=[conference["paid"], conference["paid"]])
    leaving = order.registrations[1]
    response = client.post(f"/r/{leaving.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code in (302, 303)

    order = reload(db, order)
    assert order.status == "confirmed" and order.payment_status == "to_invoice"
    assert order.refunded_ore == 95000
    [credit] = db.session.scalars(select(Refund)).all()
    assert credit.reason == "credit_note" and credit.amount_ore == 95000
    page = client.get(f"/o/{order.manage_token}").get_data(as_text=True)
    assert "av fakturan är krediterat för avbokade platser" in page
    assert "Kvar att betala:" in page

    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert "Awaiting payment (1)" in page
    row = invoice_row(page, order)
    assert "Credited SEK\u00a0950" in row and "still to be paid" not in row
    [csv_row] = csv_rows(organiser.post(f"/manage/e/{SLUG}/invoices.csv"))
    assert csv_row["status"] == "unpaid" and csv_row["credited"] == "950,00"

    # The rest is paid: the receipt shows what was credited and what was paid.
    assert organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid").status_code == 303
    assert reload(db, order).payment_status == "paid"
    receipt = "".join(pdf_text(client.get(f"/o/{order.manage_token}/receipt.pdf").data))
    assert "Krediterat för avbokade platser: 950 kr" in receipt
    detail = organiser.get(f"/manage/e/{SLUG}/orders/{order.id}").get_data(as_text=True)
    assert "At most SEK\u00a0950 can be refunded" in detail


def test_cancelling_after_the_last_refund_day_leaves_the_invoice_due_and_flags_it(
        client, organiser, conference, db, mailbox):
    last_refund_day(db, conference, -1)
    order = invoice_order(conference, tickets=[conference["paid"], conference["paid"]])
    client.post(f"/r/{order.registrations[1].manage_token}/cancel", data={"confirm": "y"})
    order = reload(db, order)
    assert order.payment_status == "to_invoice" and order.refunded_ore == 0

    english(organiser)
    page = organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True)
    assert "Cancelled without credit (after the last refund day): SEK\u00a0950 is still to be " \
        "paid" in invoice_row(page, order)

    assert client.post(f"/o/{order.manage_token}/cancel",
                       data={"confirm": "y"}).status_code == 303
    order = reload(db, order)
    assert order.status == "cancelled" and order.payment_status == "to_invoice"
    assert db.session.scalars(select(Refund)).all() == []
    row = invoice_row(organiser.get(f"/manage/e/{SLUG}/invoices").get_data(as_text=True), order)
    assert "Order cancelled" in row and "SEK\u00a01,900 is still to be paid" in row
    assert f"/manage/e/{SLUG}/orders/{order.id}/mark-paid" in row
    [csv_row] = csv_rows(organiser.post(f"/manage/e/{SLUG}/invoices.csv"))
    assert csv_row["status"] == "unpaid" and csv_row["credited"] == "0,00"
    # The attendee pays anyway.
    assert organiser.post(f"/manage/e/{SLUG}/orders/{order.id}/mark-paid").status_code == 303
    assert reload(db, order).payment_status == "paid"
