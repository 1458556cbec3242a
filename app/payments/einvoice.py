"""E-invoices: every invoice as a UBL 2.1 Invoice and every credit note as a UBL 2.1 CreditNote,
following Peppol BIS Billing 3.0 (EN 16931), which Swedish public buyers must be able to
receive (lag 2018:1277) and which the Agency for Digital Government recommends.

Only the XML is written here; what the documents say (lines, VAT per category, totals,
dates) comes from app.payments.invoicing, so the PDF, the CSV and the e-invoice agree. Amounts
are integer öre until they are written, as decimals with two decimals (app.money.for_xml).
Prices include VAT, so a line's amount excluding VAT is its price less the VAT it contains;
the VAT of each category is worked out on the category's total, and the öre that leaves
between the prices and net + VAT is the payable rounding amount, so the buyer is asked to pay
exactly the prices they saw."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import money, validators
from app.orders.models import Order

from . import invoicing
from .models import CreditNote

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
F_TAX = "Godkänd för F-skatt"
UNIT = "EA"  # UN/ECE recommendation 20: "each", one seat

ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


# --- reading the parties ----------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    street: str = ""
    additional: str = ""
    more: tuple[str, ...] = ()
    postal_zone: str = ""
    city: str = ""
    country: str = "SE"


_SWEDISH_POSTCODE = re.compile(r"(?:SE-?\s?)?(\d{3})\s?(\d{2})\s+(\S.*)", re.IGNORECASE)
_OTHER_POSTCODE = re.compile(r"([A-Z]{0,2}-?\d[\dA-Z -]{1,8}\d)\s+(\D.*)", re.IGNORECASE)


def address(text: str, country: str = "SE") -> Address:
    """An address as people write it ("Box 1613\\n701 16 Örebro") in its parts: the line with
    the postcode and the city, and the lines before it as street lines."""
    parts = [part.strip() for part in (text or "").splitlines() if part.strip()]
    if len(parts) == 1 and "," in parts[0]:
        parts = [part.strip() for part in parts[0].split(",") if part.strip()]
    postal_zone = city = ""
    if parts:
        pattern = _SWEDISH_POSTCODE if country == "SE" else _OTHER_POSTCODE
        found = pattern.fullmatch(parts[-1])
        if found:
            parts.pop()
            if country == "SE":
                postal_zone, city = f"{found.group(1)} {found.group(2)}", found.group(3).strip()
            else:
                postal_zone, city = found.group(1).strip(), found.group(2).strip()
    return Address(
        street=parts[0] if parts else "", additional=parts[1] if len(parts) > 1 else "",
        more=tuple(parts[2:]), postal_zone=postal_zone, city=city, country=country or "SE",
    )


def buyer_endpoint(order: Order) -> tuple[str, str] | None:
    """Where the buyer receives e-invoices: their Peppol ID, or else their Swedish
    organisation number (scheme 0007); None when neither is known."""
    if order.peppol_id:
        found = validators.peppol_id(order.peppol_id)
        if found:
            return found
    if order.billing_country == "SE":
        number = validators.org_number(order.billing_org_number)
        if number:
            return "0007", number
    return None


def buyer_problems(*, country: str, org_number: str, address_text: str, reference: str,
                   peppol_id: str) -> dict[str, object]:
    """Checked where the invoice is made (the registration form and place_order): field name
    -> what to fix. A Swedish organisation number must be a real one (its check digit); an
    invoice to a buyer with a Peppol ID is sent as an e-invoice, so it must carry what the
    rules and the buyer's system need: the organisation number of a Swedish buyer, the
    buyer's reference (it routes the invoice to the right person) and the postcode and city."""
    found: dict[str, object] = {}
    if country == "SE" and org_number.strip() and not validators.org_number(org_number):
        found["billing_org_number"] = validators.ORG_NUMBER_MESSAGE
    if peppol_id.strip() and not validators.peppol_id(peppol_id):
        found["peppol_id"] = validators.PEPPOL_ID_MESSAGE
    if not peppol_id.strip():
        return found
    if country == "SE" and not org_number.strip():
        found["billing_org_number"] = _l("An e-invoice to a Swedish organisation needs its "
                                         "organisation number.")
    if not reference.strip():
        found["invoice_reference"] = _l("An e-invoice needs your reference: the code or name "
                                        "your organisation uses to send the invoice to the "
                                        "right person.")
    parsed = address(address_text, country or "SE")
    if not (parsed.postal_zone and parsed.city):
        found["billing_address"] = _l("Write the postcode and the city on the last line of "
                                      "the address, like 701 16 Örebro. An e-invoice needs "
                                      "them.")
    return found


def seller_problems(event) -> list:
    """What the seller's details lack for an e-invoice the rules accept."""
    problems = []
    if not validators.org_number(event.seller_org_number):
        problems.append(_l("a valid organisation number for the seller"))
    if not validators.swedish_vat_number(event.seller_vat_number):
        problems.append(_l("a valid VAT registration number for the seller"))
    if not validators.bankgiro(event.seller_bankgiro):
        problems.append(_l("a valid bankgiro number"))
    if not (event.organiser_name or "").strip():
        problems.append(_l("the organiser's name"))
    if not (event.seller_address or "").strip():
        problems.append(_l("the seller's address"))
    return problems


def problems(order: Order) -> list:
    """Why no e-invoice can be made for this invoice (empty when one can)."""
    found = seller_problems(order.event)
    if buyer_endpoint(order) is None:
        found.append(_l("the buyer's Peppol ID or Swedish organisation number"))
    return found


def can_make(order: Order) -> bool:
    return invoicing.has_invoice(order) and not problems(order)


# --- writing XML ------------------------------------------------------------------------------

def _el(parent, namespace: str, name: str, text=None, **attributes):
    element = ET.SubElement(parent, f"{{{namespace}}}{name}",
                            {key: str(value) for key, value in attributes.items()})
    if text is not None:
        element.text = str(text)
    return element


def _cbc(parent, name: str, text=None, **attributes):
    return _el(parent, CBC, name, text, **attributes)


def _cac(parent, name: str):
    return _el(parent, CAC, name)


def _amount(parent, name: str, ore: int, currency: str):
    return _cbc(parent, name, money.for_xml(ore), currencyID=currency)


def _postal_address(party, found: Address) -> None:
    element = _cac(party, "PostalAddress")
    if found.street:
        _cbc(element, "StreetName", found.street)
    if found.additional:
        _cbc(element, "AdditionalStreetName", found.additional)
    if found.city:
        _cbc(element, "CityName", found.city)
    if found.postal_zone:
        _cbc(element, "PostalZone", found.postal_zone)
    if found.more:
        _cbc(_cac(element, "AddressLine"), "Line", ", ".join(found.more))
    _cbc(_cac(element, "Country"), "IdentificationCode", found.country)


def _seller(root, event) -> None:
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    org_number = validators.org_number(event.seller_org_number)
    _cbc(party, "EndpointID", org_number, schemeID="0007")
    _cbc(_cac(party, "PartyName"), "Name", event.organiser_name)
    _postal_address(party, address(event.seller_address, "SE"))
    vat = _cac(party, "PartyTaxScheme")
    _cbc(vat, "CompanyID", validators.swedish_vat_number(event.seller_vat_number))
    _cbc(_cac(vat, "TaxScheme"), "ID", "VAT")
    if event.seller_f_tax:
        f_tax = _cac(party, "PartyTaxScheme")
        _cbc(f_tax, "CompanyID", F_TAX)
        _cbc(_cac(f_tax, "TaxScheme"), "ID", "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", event.organiser_name)
    _cbc(legal, "CompanyID", org_number)
    if event.contact_email:
        _cbc(_cac(party, "Contact"), "ElectronicMail", event.contact_email)


def _buyer(root, order: Order) -> None:
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    scheme, value = buyer_endpoint(order)
    _cbc(party, "EndpointID", value, schemeID=scheme)
    _cbc(_cac(party, "PartyName"), "Name", order.billing_name)
    _postal_address(party, address(order.billing_address, order.billing_country or "SE"))
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", order.billing_name)
    org_number = (validators.org_number(order.billing_org_number)
                  if order.billing_country == "SE" else None)
    if org_number:
        _cbc(legal, "CompanyID", org_number, schemeID="0007")
    elif order.billing_org_number:
        _cbc(legal, "CompanyID", order.billing_org_number)
    contact = _cac(party, "Contact")
    _cbc(contact, "Name", order.buyer_name)
    _cbc(contact, "ElectronicMail", order.billing_email or order.buyer_email)


def _tax_category(parent, name: str, category: str, percent: int, reason: str = "") -> None:
    element = _cac(parent, name)
    _cbc(element, "ID", category)
    _cbc(element, "Percent", percent if category == "S" else 0)
    if category == "E" and reason:
        _cbc(element, "TaxExemptionReason", reason)
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")


def _taxes_and_totals(root, order_lines, currency: str) -> None:
    total = invoicing.totals(order_lines)
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", total.vat_ore, currency)
    for row in invoicing.vat_summary(order_lines):
        subtotal = _cac(tax_total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", row.net_ore, currency)
        _amount(subtotal, "TaxAmount", row.vat_ore, currency)
        _tax_category(subtotal, "TaxCategory", row.category, row.percent, row.exemption_reason)
    monetary = _cac(root, "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", total.net_ore, currency)
    _amount(monetary, "TaxExclusiveAmount", total.net_ore, currency)
    _amount(monetary, "TaxInclusiveAmount", total.with_vat_ore, currency)
    if total.rounding_ore:
        _amount(monetary, "PayableRoundingAmount", total.rounding_ore, currency)
    _amount(monetary, "PayableAmount", total.gross_ore, currency)


def _lines(root, order_lines, currency: str, line_name: str, quantity_name: str) -> None:
    for number, line in enumerate(order_lines, start=1):
        element = _cac(root, line_name)
        _cbc(element, "ID", number)
        if line.attendee:  # a refund's line is for no one in particular
            _cbc(element, "Note", _("Attendee: %(name)s", name=line.attendee))
        _cbc(element, quantity_name, 1, unitCode=UNIT)
        _amount(element, "LineExtensionAmount", line.net_ore, currency)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.ticket)
        _tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_percent)
        price = _cac(element, "Price")
        _amount(price, "PriceAmount", line.net_ore, currency)


def _event_period(root, event) -> None:
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", event.starts_on.isoformat())
    _cbc(period, "EndDate", (event.ends_on or event.starts_on).isoformat())


def _note(order: Order) -> str:
    event = order.event
    return _("%(event)s, order %(code)s", event=event.name, code=order.code)


def _payment(root, order: Order, number: int, due: date | None) -> None:
    event = order.event
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", "30")
    _cbc(means, "PaymentID", number)
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", validators.bankgiro(event.seller_bankgiro))
    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", "SE:BANKGIRO")
    account_iban = validators.iban(event.seller_iban)
    if account_iban:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30")
        _cbc(means, "PaymentID", number)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", account_iban)
    if due is not None:
        terms = _cac(root, "PaymentTerms")
        _cbc(terms, "Note", _("%(days)d days net. Pay by %(date)s, quoting invoice number "
                              "%(number)s.",
                              days=event.invoice_due_days, date=due.isoformat(), number=number))


def _document(kind: str, order: Order, number: int, issued: date, order_lines,
              credited: tuple[int, date | None] | None = None) -> bytes:
    namespace = INVOICE_NS if kind == "Invoice" else CREDIT_NOTE_NS
    # The document's own namespace as the default one (<Invoice xmlns="...">), as every
    # example writes it; ElementTree would invent a prefix for it.
    root = ET.Element(kind, {"xmlns": namespace})
    currency = order.currency
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", number)
    _cbc(root, "IssueDate", issued.isoformat())
    due = invoicing.due_date(order) if kind == "Invoice" else None
    if due is not None:
        _cbc(root, "DueDate", due.isoformat())
    _cbc(root, "InvoiceTypeCode" if kind == "Invoice" else "CreditNoteTypeCode",
         "380" if kind == "Invoice" else "381")
    _cbc(root, "Note", _note(order))
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", order.invoice_reference or order.buyer_name)
    _event_period(root, order.event)
    if credited is not None:
        invoice_number, invoice_issued = credited
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", invoice_number)
        if invoice_issued is not None:
            _cbc(reference, "IssueDate", invoice_issued.isoformat())
    _seller(root, order.event)
    _buyer(root, order)
    _payment(root, order, number if kind == "Invoice" else credited[0], due)
    _taxes_and_totals(root, order_lines, currency)
    if kind == "Invoice":
        _lines(root, order_lines, currency, "InvoiceLine", "InvoicedQuantity")
    else:
        _lines(root, order_lines, currency, "CreditNoteLine", "CreditedQuantity")
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


class EInvoiceUnavailable(ValueError):
    """The invoice lacks what an e-invoice must carry (see problems())."""


def invoice_xml(order: Order) -> bytes:
    """The invoice as a UBL 2.1 Invoice (Peppol BIS Billing 3.0), in the order's language."""
    if not invoicing.has_invoice(order):
        raise EInvoiceUnavailable("not an invoice order")
    if problems(order):
        raise EInvoiceUnavailable("details missing")
    with force_locale(order.language):
        return _document("Invoice", order, order.invoice_number,
                         invoicing.invoice_date(order), invoicing.lines(order))


def credit_note_lines(credit_note: CreditNote) -> list[invoicing.Line]:
    return [
        invoicing.Line(ticket=line.ticket, attendee=line.attendee, vat_percent=line.vat_percent,
                       gross_ore=line.gross_ore, vat_category=line.vat_category,
                       exemption_reason=line.exemption_reason,
                       registration_id=line.registration_id)
        for line in credit_note.lines
    ]


def credit_note_xml(credit_note: CreditNote) -> bytes:
    """The credit note as a UBL 2.1 CreditNote referring to the invoice it credits."""
    order = credit_note.order
    if problems(order):
        raise EInvoiceUnavailable("details missing")
    with force_locale(order.language):
        return _document(
            "CreditNote", order, credit_note.number,
            invoicing.local_date(order, credit_note.issued_at), credit_note_lines(credit_note),
            credited=(order.invoice_number, invoicing.invoice_date(order)),
        )


def invoice_filename(order: Order) -> str:
    return f"invoice-{order.invoice_number}.xml"


def credit_note_filename(credit_note: CreditNote) -> str:
    return f"creditnote-{credit_note.number}.xml"
