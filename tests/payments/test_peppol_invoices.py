"""A region registers staff and pays by invoice: the invoice and every credit note are also
e-invoices (UBL 2.1, Peppol BIS Billing 3.0), valid against the OASIS UBL 2.1 XML schemas, that
the official EN 16931 and Peppol rules accept with no fatal finding, whatever the VAT rates,
group size, credits and buyer."""

import itertools
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.payments import credit_notes, einvoice
from app.payments import services as payments
from app.registration import services
from app.tickets.models import TicketType
from tests.payments.peppol_rules import validator

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
PEOPLE = itertools.count()
NS = {"cbc": einvoice.CBC, "cac": einvoice.CAC}
REGION = services.Billing(
    name="Region Örebro län", address="Box 1613\n701 16 Örebro", org_number="232100-0164",
    email="faktura@regionorebrolan.example", reference="Kst 4711 Anna Andersson",
    peppol_id="0007:2321000164",
)


def seller(event, db, f_tax=True):
    event.organiser_name = "NSPH"
    event.seller_org_number = "556732-1707"
    event.seller_vat_number = "SE556732170701"
    event.seller_address = "Box 3040\n169 03 Solna"
    event.seller_bankgiro = "5555-1234"
    event.contact_email = "kansli@nsph.example"
    event.seller_f_tax = f_tax
    event.refund_until = date(2027, 4, 1)
    db.session.commit()


def ticket(event, db, name, price_ore, percent, category="S", reason="", name_en=""):
    made = TicketType(event=event, name=name, name_en=name_en, price_ore=price_ore,
                      vat_percent=percent, vat_category=category, vat_exemption_reason=reason,
                      position=5)
    db.session.add(made)
    db.session.commit()
    return made


def order_of(event, tickets, billing=REGION, language="sv"):
    """One attendee per ticket given."""
    first = next(PEOPLE)
    return services.place_order(
        event, "Eva Chef", "eva.chef@regionorebrolan.example", language,
        [(t, services.Attendee(f"Deltagare {i} Åström", f"d{first}-{i}@regionorebrolan.example"))
         for i, t in enumerate(tickets)],
        payment_method="invoice", billing=billing, now=NOW,
    )


def passes(document: bytes) -> ET.Element:
    """The document is valid UBL 2.1 and passes both official rule sets; its tree for further
    checks. (The validator's findings include the schemas', see peppol_rules.)"""
    fatal = validator().fatal(document)
    assert fatal == [], "\n".join(str(f) for f in fatal)
    return ET.fromstring(document)


def amount(root, path) -> Decimal:
    return Decimal(root.find(path, NS).text)


@pytest.fixture
def event(conference, db):
    seller(conference["event"], db)
    return conference["event"]


@pytest.mark.parametrize("percent", [25, 12, 6])
def test_each_swedish_vat_rate(event, db, percent):
    order = order_of(event, [ticket(event, db, "Konferensdag", 106000, percent)])
    root = passes(einvoice.invoice_xml(order))
    vat = amount(root, "cac:TaxTotal/cbc:TaxAmount")
    net = amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    assert net + vat == Decimal("1060.00")
    assert root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", NS).text == str(
        percent)


def test_zero_rated_line(event, db):
    order = order_of(event, [ticket(event, db, "Material", 20000, 0, "Z")])
    root = passes(einvoice.invoice_xml(order))
    assert root.find(".//cac:TaxCategory/cbc:ID", NS).text == "Z"
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("200.00")


def test_exempt_course_says_why(event, db):
    reason = "Utbildning, undantagen från moms enligt mervärdesskattelagen"
    order = order_of(event, [ticket(event, db, "Kurs i peer support", 450000, 0, "E", reason)])
    root = passes(einvoice.invoice_xml(order))
    assert root.find(".//cac:TaxCategory/cbc:TaxExemptionReason", NS).text == reason


def test_exempt_without_a_reason_given_gets_a_plain_one(event, db):
    order = order_of(event, [ticket(event, db, "Kurs", 100000, 0, "E")])
    root = passes(einvoice.invoice_xml(order))
    assert root.find(".//cac:TaxCategory/cbc:TaxExemptionReason", NS).text


def test_mixed_rates_and_exempt_in_one_order(event, db, conference):
    book = ticket(event, db, "Kursbok", 31800, 6)
    dinner = ticket(event, db, "Middag", 44800, 12)
    course = ticket(event, db, "Kurs", 250000, 0, "E", "Utbildning, undantagen")
    order = order_of(event, [conference["paid"], book, dinner, course])
    root = passes(einvoice.invoice_xml(order))
    categories = {(s.find("cac:TaxCategory/cbc:ID", NS).text,
                   s.find("cac:TaxCategory/cbc:Percent", NS).text)
                  for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)}
    assert categories == {("S", "25"), ("S", "12"), ("S", "6"), ("E", "0")}
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("4216.00")


def test_group_of_ten(event, db, conference):
    order = order_of(event, [conference["paid"]] * 10)
    root = passes(einvoice.invoice_xml(order))
    assert len(root.findall("cac:InvoiceLine", NS)) == 10
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("9500.00")
    notes = [line.find("cbc:Note", NS).text for line in root.findall("cac:InvoiceLine", NS)]
    assert "Deltagare: Deltagare 9 Åström" in notes


def test_ore_rounding_vat_worked_out_on_the_category_total(event, db):
    """Three seats at 99,99 kr with 25 % VAT: each contains 20,00 kr VAT, but 25 % of the
    total excluding VAT (239,97 kr) is 59,99 kr; the öre left over is the rounding amount,
    so the buyer still pays 299,97 kr."""
    cheap = ticket(event, db, "Webbinarium", 9999, 25)
    root = passes(einvoice.invoice_xml(order_of(event, [cheap, cheap, cheap])))
    assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == Decimal("59.99")
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount") == Decimal("0.01")
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("299.97")


def test_ore_rounding_at_six_per_cent(event, db):
    odd = ticket(event, db, "Bok", 1795, 6)
    passes(einvoice.invoice_xml(order_of(event, [odd] * 7)))


def test_foreign_buyer_without_a_swedish_organisation_number(event, db, conference):
    oslo = services.Billing(name="Oslo kommune", address="Rådhuset\n0037 Oslo",
                            reference="Ref 88", peppol_id="0192:974760673", country="NO")
    order = order_of(event, [conference["paid"]], billing=oslo)
    root = passes(einvoice.invoice_xml(order))
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert buyer.find("cbc:EndpointID", NS).attrib["schemeID"] == "0192"
    assert buyer.find("cac:PostalAddress/cac:Country/cbc:IdentificationCode", NS).text == "NO"
    assert buyer.find("cac:PostalAddress/cbc:CityName", NS).text == "Oslo"


def test_buyer_with_a_gln(event, db, conference):
    billing = services.Billing(name="Region Test", address="Storgatan 1\n111 22 Stockholm",
                               org_number="232100-0164", reference="4711",
                               peppol_id="0088:7300010000001")
    root = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]], billing=billing)))
    assert root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).text == (
        "7300010000001")


def test_swedish_buyer_without_peppol_id_is_addressed_by_organisation_number(
        event, db, conference):
    billing = services.Billing(name="Föreningen Hopp", address="Box 1\n222 33 Lund",
                               org_number="212000-1355")
    root = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]], billing=billing)))
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.attrib["schemeID"], endpoint.text) == ("0007", "2120001355")
    # No reference given: the person who ordered is the buyer's reference.
    assert root.find("cbc:BuyerReference", NS).text == "Eva Chef"


def test_f_tax_statement_only_when_the_organiser_says_so(event, db, conference):
    with_f_tax = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]])))
    schemes = with_f_tax.findall(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", NS)
    assert [s.text for s in schemes] == ["SE556732170701", "Godkänd för F-skatt"]
    event.seller_f_tax = False
    db.session.commit()
    without = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]])))
    assert len(without.findall("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme",
                               NS)) == 1


def test_english_order_in_english(event, db):
    english = ticket(event, db, "Konferensdag", 95000, 25, name_en="Conference day")
    root = passes(einvoice.invoice_xml(order_of(event, [english], language="en")))
    assert root.find("cac:InvoiceLine/cac:Item/cbc:Name", NS).text == "Conference day"


def test_event_over_several_days_is_the_invoice_period(event, db, conference):
    event.ends_on = date(event.starts_on.year, event.starts_on.month, event.starts_on.day + 1)
    db.session.commit()
    root = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]])))
    assert root.find("cac:InvoicePeriod/cbc:EndDate", NS).text == event.ends_on.isoformat()


def test_address_with_more_lines(event, db, conference):
    billing = services.Billing(
        name="Region Örebro län", address="Ekonomiservice\nc/o Lönecentrum\nBox 1613\n"
        "SE-701 16 Örebro", org_number="232100-0164", reference="4711",
        peppol_id="0007:2321000164")
    root = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]], billing=billing)))
    address = root.find("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", NS)
    assert address.find("cbc:PostalZone", NS).text == "701 16"
    assert address.find("cac:AddressLine/cbc:Line", NS).text == "Box 1613"


# --- credit notes -----------------------------------------------------------------------------

def test_credit_of_one_colleague(event, db, conference):
    order = order_of(event, [conference["paid"]] * 3)
    services.cancel(order.registrations[1])
    [note] = credit_notes.of_order(order)
    assert note.amount_ore == 95000 and note.number > order.invoice_number
    root = passes(einvoice.credit_note_xml(note))
    assert root.tag == f"{{{einvoice.CREDIT_NOTE_NS}}}CreditNote"
    assert root.find("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS).text == str(
        order.invoice_number)
    assert len(root.findall("cac:CreditNoteLine", NS)) == 1
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("950.00")


def test_full_credit_of_a_cancelled_order(event, db, conference):
    book = ticket(event, db, "Kursbok", 31800, 6)
    order = order_of(event, [conference["paid"], conference["paid"], book])
    services.cancel_order(order)
    [note] = credit_notes.of_order(order)
    root = passes(einvoice.credit_note_xml(note))
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("2218.00")
    db.session.refresh(order)
    assert order.payment_status == "credited"


def test_one_colleague_then_the_rest(event, db, conference):
    order = order_of(event, [conference["paid"]] * 4)
    services.cancel(order.registrations[0])
    services.cancel_order(order)
    first, rest = credit_notes.of_order(order)
    assert (first.amount_ore, rest.amount_ore) == (95000, 3 * 95000)
    assert {line.registration_id for line in rest.lines}.isdisjoint(
        {line.registration_id for line in first.lines})
    for note in (first, rest):
        passes(einvoice.credit_note_xml(note))


def test_credit_of_an_exempt_course(event, db):
    course = ticket(event, db, "Kurs", 450000, 0, "E", "Utbildning")
    order = order_of(event, [course, course])
    services.cancel(order.registrations[0])
    [note] = credit_notes.of_order(order)
    root = passes(einvoice.credit_note_xml(note))
    assert root.find(".//cac:TaxCategory/cbc:ID", NS).text == "E"


def test_credit_with_ore_rounding(event, db):
    cheap = ticket(event, db, "Webbinarium", 9999, 25)
    order = order_of(event, [cheap] * 3)
    services.cancel_order(order)
    [note] = credit_notes.of_order(order)
    root = passes(einvoice.credit_note_xml(note))
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("299.97")


def test_postponement_credit_through_the_service(event, db, conference):
    """What a postponement refund calls: credit these seats, with the reason."""
    order = order_of(event, [conference["paid"]] * 2)
    note = payments.credit_invoice(order, order.registrations, reason="postponed")
    db.session.commit()
    assert note.reason == "postponed" and note.amount_ore == 190000
    assert payments.credit_invoice(order, order.registrations) is None  # nothing left
    passes(einvoice.credit_note_xml(note))


def test_an_iban_for_buyers_abroad_is_a_second_way_to_pay(event, db, conference):
    event.seller_iban = "SE4550000000058398257466"
    db.session.commit()
    oslo = services.Billing(name="Oslo kommune", address="Rådhuset\n0037 Oslo", reference="88",
                            peppol_id="0192:974760673", country="NO")
    root = passes(einvoice.invoice_xml(order_of(event, [conference["paid"]], billing=oslo)))
    accounts = [m.find("cac:PayeeFinancialAccount/cbc:ID", NS).text
                for m in root.findall("cac:PaymentMeans", NS)]
    assert accounts == ["55551234", "SE4550000000058398257466"]


def test_money_paid_back_on_a_paid_invoice_gets_a_credit_note_per_vat_rate(
        event, db, conference, make_user):
    """A refund by bank of part of a paid invoice with three VAT rates: one line per rate, in
    proportion to what each came to, adding up to the öre; the credit note passes both rule
    sets and refers to the invoice."""
    book = ticket(event, db, "Kursbok", 31800, 6)
    dinner = ticket(event, db, "Middag", 44800, 12)
    order = order_of(event, [conference["paid"], book, dinner])  # 950 + 318 + 448 kr
    order.payment_status = "paid"
    db.session.commit()
    organiser = make_user("ekonomi@nsph.example", role="admin")
    payments.refund_by_hand(order, 50001, organiser, note="Bankgiro")
    [note] = credit_notes.of_order(order)
    assert note.reason == "refunded" and note.amount_ore == 50001
    shares = {line.vat_percent: line.gross_ore for line in note.lines}
    assert shares == {25: 27681, 6: 9266, 12: 13054}  # 50001 shared as 95000:31800:44800
    assert {line.ticket for line in note.lines} == {"Återbetalning"}
    root = passes(einvoice.credit_note_xml(note))
    assert root.find("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS).text == str(
        order.invoice_number)
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("500.01")
    assert len(root.findall("cac:CreditNoteLine", NS)) == 3
    assert root.find("cac:CreditNoteLine/cbc:Note", NS) is None  # for no one attendee


def test_shares_add_up_to_the_amount():
    assert credit_notes.shares(100, [1, 1, 1]) == [34, 33, 33]
    assert credit_notes.shares(50001, [95000, 31800, 44800]) == [27681, 9266, 13054]
    assert sum(credit_notes.shares(99999, [3, 7, 11, 13])) == 99999
