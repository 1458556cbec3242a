"""Where the e-invoices go: a region's invoice and credit notes can be downloaded per order and
for a period, are listed with their state, and are handed to the folder the access point
picks them up from, once each. And an invoice to a Peppol ID cannot be made without what the
rules require: the form says what is missing, in Swedish and in English."""

import io
import zipfile

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.orders.models import Order
from app.payments import credit_notes, documents
from app.registration import services
from tests.core.test_html_valid import Pages, vnu_errors
from tests.payments.peppol_rules import validator
from tests.payments.test_peppol_invoices import REGION, order_of, seller
from tests.readback import pdf_text

SLUG = "varkonferensen-2027"
MANAGE = f"/manage/e/{SLUG}"


def invoice_with_credit(conference, db):
    """A group of three, one of whom cancelled in time: an invoice and a credit note."""
    event = conference["event"]
    seller(event, db)
    order = order_of(event, [conference["paid"]] * 3)
    services.cancel(order.registrations[2])
    return order, credit_notes.of_order(order)[0]


def test_organiser_downloads_the_e_invoice_and_credit_note_of_an_order(
        organiser, conference, db):
    order, note = invoice_with_credit(conference, db)
    page = organiser.get(f"{MANAGE}/orders/{order.id}").get_data(as_text=True)
    assert f"Kreditfaktura {note.number} (PDF)" in page and "E-fakturan är inte skickad än." in page

    xml = organiser.get(f"{MANAGE}/orders/{order.id}/invoice.xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert validator().fatal(xml.data) == []
    credit = organiser.get(f"{MANAGE}/orders/{order.id}/credit-notes/{note.number}.xml")
    assert credit.status_code == 200 and b"<cbc:CreditNoteTypeCode>381" in credit.data
    assert validator().fatal(credit.data) == []
    pdf = organiser.get(f"{MANAGE}/orders/{order.id}/credit-notes/{note.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert organiser.get(f"{MANAGE}/orders/{order.id}/credit-notes/99999.pdf").status_code == 404


def test_buyer_gets_the_credit_note_with_the_order_link(client, conference, db):
    order, note = invoice_with_credit(conference, db)
    page = client.get(f"/o/{order.manage_token}").get_data(as_text=True)
    assert f"/o/{order.manage_token}/credit-notes/{note.number}.pdf" in page
    pdf = client.get(f"/o/{order.manage_token}/credit-notes/{note.number}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert client.get(f"/o/{order.manage_token}/credit-notes/{note.number + 7}.pdf"
                      ).status_code == 404
    xml = client.get(f"/o/{order.manage_token}/invoice.xml")
    assert xml.status_code == 200 and validator().fatal(xml.data) == []


def test_no_e_invoice_without_an_electronic_address(organiser, conference, db):
    event = conference["event"]
    seller(event, db)
    abroad = services.Billing(name="Helsingin kaupunki", address="PL 1\n00099 Helsinki",
                              country="FI")
    order = order_of(event, [conference["paid"]], billing=abroad)
    assert organiser.get(f"{MANAGE}/orders/{order.id}/invoice.xml").status_code == 404
    page = organiser.get(f"{MANAGE}/invoices").get_data(as_text=True)
    assert "Ingen e-faktura. Det saknas köparens Peppol-id" in page


def test_invoices_page_lists_credit_notes_and_states(organiser, conference, db):
    order, note = invoice_with_credit(conference, db)
    page = organiser.get(f"{MANAGE}/invoices").get_data(as_text=True)
    assert f'id="credit-note-{note.number}"' in page
    assert "Inte skickad" in page and "E-fakturor och bokföring" in page
    # Without a folder there is no pretend sending.
    assert "Skicka e-fakturor" not in page
    refused = organiser.post(f"{MANAGE}/invoices/send-einvoices")
    assert refused.status_code == 409 and "EINVOICE_FOLDER" in refused.get_data(as_text=True)


def test_a_periods_invoices_and_credit_notes_in_one_zip(organiser, conference, db):
    order, note = invoice_with_credit(conference, db)
    response = organiser.post(f"{MANAGE}/invoices.zip",
                              data={"start": "2026-01-01", "end": "2027-12-31"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == {
        f"faktura-{order.invoice_number}.pdf", f"invoice-{order.invoice_number}.xml",
        f"kreditfaktura-{note.number}.pdf", f"creditnote-{note.number}.xml"}
    for name in (f"invoice-{order.invoice_number}.xml", f"creditnote-{note.number}.xml"):
        assert validator().fatal(archive.read(name)) == [], name

    before = organiser.post(f"{MANAGE}/invoices.zip", data={"start": "2020-01-01",
                                                            "end": "2020-01-31"})
    assert zipfile.ZipFile(io.BytesIO(before.data)).namelist() == []
    backwards = organiser.post(f"{MANAGE}/invoices.zip", data={"start": "2027-02-10",
                                                               "end": "2027-02-01"})
    assert backwards.status_code == 400
    assert "Perioden måste sluta" in backwards.get_data(as_text=True)


def test_sending_writes_each_document_to_the_folder_once(organiser, conference, db, app,
                                                         tmp_path):
    order, note = invoice_with_credit(conference, db)
    app.config["EINVOICE_FOLDER"] = str(tmp_path / "outbox")
    try:
        page = organiser.get(f"{MANAGE}/invoices").get_data(as_text=True)
        assert "Väntar på att skickas: 2" in page
        sent = organiser.post(f"{MANAGE}/invoices/send-einvoices", follow_redirects=True)
        assert "Skickade e-fakturor: 2." in sent.get_data(as_text=True)
        files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
        assert files == [f"{SLUG}-creditnote-{note.number}.xml",
                         f"{SLUG}-invoice-{order.invoice_number}.xml"]
        for path in (tmp_path / "outbox").iterdir():
            assert validator().fatal(path.read_bytes()) == []
        db.session.expire_all()
        assert db.session.get(Order, order.id).einvoice_sent_at is not None
        [logged] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "einvoices.sent")).all()
        assert logged.detail["documents"] == 2
        log = organiser.get(f"{MANAGE}/audit").get_data(as_text=True)
        assert "Skickade e-fakturor" in log
        again = organiser.post(f"{MANAGE}/invoices/send-einvoices", follow_redirects=True)
        assert "Det fanns inga e-fakturor som väntade" in again.get_data(as_text=True)
        assert "Skickad" in organiser.get(f"{MANAGE}/invoices").get_data(as_text=True)
    finally:
        app.config["EINVOICE_FOLDER"] = ""


def test_command_line_sends_what_is_waiting(conference, db, app, tmp_path):
    order, note = invoice_with_credit(conference, db)
    app.config["EINVOICE_FOLDER"] = str(tmp_path)
    try:
        result = app.test_cli_runner().invoke(args=["send-einvoices"])
        assert result.exit_code == 0 and "sent: 2" in result.output
        assert app.test_cli_runner().invoke(args=["send-einvoices"]).output.strip() == "sent: 0"
    finally:
        app.config["EINVOICE_FOLDER"] = ""
    assert app.test_cli_runner().invoke(args=["send-einvoices"]).exit_code != 0


# --- checked at the source ------------------------------------------------------------------

def attendee(**extra):
    return {"a0-name": "Kollega Ett", "a0-email": "kollega@region.example",
            "a0-organisation": "Region Örebro län", **extra}


def peppol_order(**changes):
    data = {**attendee(), "payment_method": "invoice", "billing_name": "Region Örebro län",
            "billing_org_number": "232100-0164", "billing_address": "Box 1613\n701 16 Örebro",
            "invoice_reference": "Kst 4711", "peppol_id": "0007:2321000164"}
    data.update(changes)
    return data


def orders_count(db):
    return db.session.scalar(select(func.count()).select_from(Order))


def test_peppol_invoice_needs_reference_org_number_and_postcode(client, conference, db):
    url = f"/e/{SLUG}/register?t{conference['paid'].id}=1"
    response = client.post(url, data=peppol_order(invoice_reference="", billing_org_number="",
                                                  billing_address="Box 1613"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and orders_count(db) == 0
    assert "En e-faktura behöver en referens" in page
    assert "En e-faktura till en svensk organisation behöver organisationsnumret." in page
    assert "Skriv postnummer och ort på adressens sista rad" in page


def test_the_form_says_it_in_english_too(client, conference, db):
    client.get("/language/en")
    response = client.post(f"/e/{SLUG}/register?t{conference['paid'].id}=1",
                           data=peppol_order(invoice_reference="", billing_address="Box 1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "An e-invoice needs your reference" in page
    assert "Write the postcode and the city on the last line" in page


def test_wrong_check_digit_and_malformed_peppol_id_are_refused(client, conference, db):
    url = f"/e/{SLUG}/register?t{conference['paid'].id}=1"
    response = client.post(url, data=peppol_order(billing_org_number="232100-0165",
                                                  peppol_id="7:2321000164"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and orders_count(db) == 0
    assert "Den sista siffran är en kontrollsiffra" in page
    assert "Ett Peppol-id är ett schemanummer" in page


def test_a_complete_peppol_invoice_is_placed(client, conference, db):
    response = client.post(f"/e/{SLUG}/register?t{conference['paid'].id}=1",
                           data=peppol_order(billing_country="SE"))
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.peppol_id == "0007:2321000164" and order.billing_country == "SE"


def test_foreign_buyer_is_not_held_to_swedish_numbers(client, conference, db):
    response = client.post(f"/e/{SLUG}/register?t{conference['paid'].id}=1", data=peppol_order(
        billing_country="NO", billing_org_number="974760673", peppol_id="0192:974760673",
        billing_name="Oslo kommune", billing_address="Rådhuset\n0037 Oslo"))
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.billing_country == "NO"
    # The PDF names the country of a buyer abroad.
    assert "Norge" in " ".join(pdf_text(documents.invoice_pdf(order)))


def test_the_service_refuses_too(conference, db):
    """Whatever calls place_order, not only the form."""
    event = conference["event"]
    incomplete = services.Billing(name=REGION.name, address="Box 1613",
                                  org_number=REGION.org_number, peppol_id=REGION.peppol_id)
    try:
        order_of(event, [conference["paid"]], billing=incomplete)
    except services.RegistrationError as error:
        assert "e-faktura" in str(error)
    else:
        raise AssertionError("an incomplete Peppol invoice was placed")
    assert orders_count(db) == 0


def test_the_new_pages_are_valid_html(organiser, client, conference, db, app, tmp_path):
    """The Nu HTML Checker over every page this touches, with credit notes and states on."""
    order, note = invoice_with_credit(conference, db)
    app.config["EINVOICE_FOLDER"] = str(tmp_path / "outbox")
    pages = Pages(tmp_path / "pages")
    try:
        pages.get(organiser, "invoices", f"{MANAGE}/invoices")
        pages.get(organiser, "order", f"{MANAGE}/orders/{order.id}")
        pages.get(organiser, "settings", f"{MANAGE}/registration-settings")
        pages.get(organiser, "ticket", f"{MANAGE}/tickets/new")
        pages.get(client, "buyer-order", f"/o/{order.manage_token}")
        pages.get(client, "register", f"/e/{SLUG}/register?t{conference['paid'].id}=1")
        refused = client.post(f"/e/{SLUG}/register?t{conference['paid'].id}=1",
                              data=peppol_order(invoice_reference="", billing_address="Box 1"))
        pages.save("register-refused", refused, 400)
    finally:
        app.config["EINVOICE_FOLDER"] = ""
    assert vnu_errors(pages.files) == []
    assert pages.writes == []
