"""Receipts and invoices as PDF (A4), in the order's language.

What a Swedish invoice must say (mervärdesskattelagen 17 kap. 24 §) is all here: the date, a
unique number from a gap-free series, the seller's name, address, organisation number and VAT
registration number, the buyer's name and address, what was sold and when (the event's dates),
the price excluding VAT, the VAT rate and the VAT per rate, and the total. Amounts are worked out
by app.payments.invoicing, so the PDF, the CSV and the pages agree."""

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from stdnum import iban as stdnum_iban

from app import money
from app.mail.outbox import attachment_renderer
from app.orders.models import Order

from . import einvoice, invoicing
from .models import CreditNote

FONT, BOLD = "Helvetica", "Helvetica-Bold"  # the PDF standard fonts carry å, ä, ö and é
MARGIN = 18 * mm
PADDING = 6  # points: SimpleDocTemplate's frame keeps this inside the margins
WIDTH = A4[0] - 2 * MARGIN - 2 * PADDING
BRAND = colors.Color(0.09, 0.27, 0.45)

TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9.5, leading=12.5)
SMALL = ParagraphStyle("small", parent=TEXT, fontSize=8, leading=10, textColor=colors.grey)
HEADING = ParagraphStyle("heading", parent=TEXT, fontName=BOLD, fontSize=10, leading=13,
                         spaceAfter=2)
SELLER = ParagraphStyle("seller", parent=TEXT, fontName=BOLD, fontSize=14, leading=18)
TITLE = ParagraphStyle("title", parent=TEXT, fontName=BOLD, fontSize=20, leading=24,
                       alignment=TA_RIGHT, textColor=BRAND)
RIGHT = ParagraphStyle("right", parent=TEXT, alignment=TA_RIGHT)


def _p(text: str, style=TEXT) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _money(order, ore: int) -> str:
    """In the order's currency; app.money writes only what the standard fonts draw."""
    return money.format(ore, order.currency)


def _date(day) -> str:
    return day.isoformat() if day else ""


def _event_dates(event) -> str:
    if event.ends_on and event.ends_on != event.starts_on:
        return f"{event.starts_on.isoformat()} – {event.ends_on.isoformat()}"
    return event.starts_on.isoformat()


def _facts(rows) -> Table:
    """Label and value pairs; rows without a value are left out."""
    data = [[_p(label, HEADING), _p(value)] for label, value in rows if value not in (None, "")]
    table = Table(data or [[""]], colWidths=[42 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return table


def _seller(event) -> list:
    lines = [_p(event.organiser_name or event.name, SELLER)]
    if event.seller_address:
        lines.append(_p(event.seller_address))
    details = []
    if event.seller_org_number:
        details.append(_("Organisation number %(number)s", number=event.seller_org_number))
    if event.seller_vat_number:
        details.append(_("VAT registration number %(number)s", number=event.seller_vat_number))
    if event.seller_f_tax:
        details.append(einvoice.F_TAX)
    if event.contact_email:
        details.append(event.contact_email)
    if details:
        lines.append(_p("\n".join(details)))
    return lines


def _buyer(order) -> list:
    if order.billing_name:
        parts = [_p(_("Bill to") if order.payment_method == "invoice" else _("Buyer"), HEADING),
                 _p(order.billing_name)]
        if order.billing_address:
            parts.append(_p(order.billing_address))
        country = invoicing.foreign_country(order)
        if country:
            parts.append(_p(country))
        rows = [
            (_("Organisation number"), order.billing_org_number),
            (_("Your reference"), order.invoice_reference),
            (_("Peppol ID"), order.peppol_id),
            (_("Email"), order.billing_email),
        ]
        parts.append(_facts(rows))
        return parts
    return [_p(_("Buyer"), HEADING), _p(order.buyer_name), _p(order.buyer_email)]


def _grid(data, widths, money_columns, bold_last=False) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, BRAND),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for column in money_columns:
        style.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    if bold_last:
        style.append(("FONTNAME", (0, -1), (-1, -1), BOLD))
    table.setStyle(TableStyle(style))
    return table


def _lines_table(order, order_lines) -> Table:
    data = [[_("Ticket"), _("Attendee"), _("VAT"), _("Excl. VAT"), _("Incl. VAT")]]
    for line in order_lines:
        data.append([
            _p(line.ticket), _p(line.attendee), f"{line.vat_percent} %",
            _money(order, line.net_ore), _money(order, line.gross_ore),
        ])
    amount = (WIDTH - 112 * mm) / 2
    return _grid(data, [56 * mm, 42 * mm, 14 * mm, amount, amount], (2, 3, 4))


def _rate_label(row) -> Paragraph | str:
    if row.category == "E":
        return _p(_("Exempt from VAT: %(reason)s", reason=row.exemption_reason))
    if row.category == "Z":
        return f"0 % ({_('zero rated')})"
    return f"{row.percent} %"


def _vat_table(order, order_lines) -> Table:
    """VAT per category and rate, worked out on each one's total (as the e-invoice does), and
    the öre rounding that leaves the total at the prices paid."""
    total = invoicing.totals(order_lines)
    data = [[_("VAT rate"), _("Excl. VAT"), _("VAT"), _("Incl. VAT")]]
    for row in invoicing.vat_summary(order_lines):
        data.append([_rate_label(row), _money(order, row.net_ore), _money(order, row.vat_ore),
                     _money(order, row.gross_ore)])
    if total.rounding_ore:
        data.append([_("Rounding"), "", "", _money(order, total.rounding_ore)])
    data.append([_("Total"), _money(order, total.net_ore), _money(order, total.vat_ore),
                 _money(order, total.gross_ore)])
    return _grid(data, [50 * mm, 32 * mm, 28 * mm, 32 * mm], (1, 2, 3), bold_last=True)


def _header(order, title: str, facts) -> Table:
    event = order.event
    table = Table(
        [[_seller(event), [_p(title, TITLE), Spacer(0, 3 * mm), _facts(facts)]]],
        colWidths=[WIDTH * 0.5, WIDTH * 0.5],
    )
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


FOOTER_SIZE, FOOTER_LEADING = 7.5, 9.5
FOOTER_BASE = 10 * mm  # the last footer line's baseline
FOOTER_GAP = 6 * mm  # between the page number column and the text, and above the footer
SEPARATOR = " · "


def footer_parts(event) -> list[str]:
    """The seller's facts in the footer of every page."""
    parts = [event.organiser_name or event.name]
    if event.seller_org_number:
        parts.append(_("Organisation number %(number)s", number=event.seller_org_number))
    if event.seller_vat_number:
        parts.append(_("VAT registration number %(number)s", number=event.seller_vat_number))
    if event.seller_f_tax:
        parts.append(einvoice.F_TAX)
    if event.seller_bankgiro:
        parts.append(_("Bankgiro %(number)s", number=event.seller_bankgiro))
    if event.seller_iban:
        parts.append(f"IBAN {stdnum_iban.format(event.seller_iban)}")
    if event.contact_email:
        parts.append(event.contact_email)
    return parts


def _footer_lines(parts: list[str], width: float) -> list[str]:
    """The parts on as few lines as fit `width`, a part broken only when it is longer than a
    line: nothing runs off the page or under the page number."""
    lines: list[str] = []
    for part in parts:
        pieces = simpleSplit(part, FONT, FOOTER_SIZE, width) or [""]
        candidate = f"{lines[-1]}{SEPARATOR}{pieces[0]}" if lines else pieces[0]
        if lines and len(pieces) == 1 and stringWidth(candidate, FONT, FOOTER_SIZE) <= width:
            lines[-1] = candidate
        else:
            lines.extend(pieces)
    return lines


def _footer(event):
    """Draws the footer; returns it and the height it takes above the page's lower edge."""
    page_label = _("Page")
    # Room for the widest page number a long invoice could have.
    number_width = stringWidth(f"{page_label} 999", FONT, FOOTER_SIZE)
    text_width = A4[0] - 2 * MARGIN - number_width - FOOTER_GAP
    lines = _footer_lines(footer_parts(event), text_width)

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillColor(colors.grey)
        top = FOOTER_BASE + (len(lines) - 1) * FOOTER_LEADING
        for index, line in enumerate(lines):
            canvas.drawString(MARGIN, top - index * FOOTER_LEADING, line)
        canvas.drawRightString(A4[0] - MARGIN, top, f"{page_label} {doc.page}")
        canvas.restoreState()

    height = FOOTER_BASE + (len(lines) - 1) * FOOTER_LEADING + FOOTER_SIZE + FOOTER_GAP
    return draw, height


def _build(order, title: str, story: list) -> bytes:
    out = io.BytesIO()
    footer, footer_height = _footer(order.event)
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=max(20 * mm, footer_height), title=title,
        author=order.event.organiser_name or "Samla", creator="Samla", pageCompression=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _event_line(order) -> Paragraph:
    event = order.event
    where = ", ".join(part for part in (event.venue, event.city) if part)
    return _p(", ".join(part for part in (event.name, _event_dates(event), where) if part))


def _body(order, title, facts, order_lines) -> list:
    """What an invoice and a receipt share: header with the facts, buyer, event, one line per
    attendee and the VAT per rate."""
    return [
        _header(order, title, facts),
        Spacer(0, 8 * mm),
        *_buyer(order),
        Spacer(0, 6 * mm),
        _p(_("Event"), HEADING),
        _event_line(order),
        Spacer(0, 4 * mm),
        _lines_table(order, order_lines),
        Spacer(0, 5 * mm),
        _vat_table(order, order_lines),
        Spacer(0, 5 * mm),
    ]


def invoice_pdf(order) -> bytes:
    """The invoice, in the order's language."""
    if not invoicing.has_invoice(order):
        raise ValueError("not an invoice order")
    event = order.event
    with force_locale(order.language):
        order_lines = invoicing.lines(order)
        total = invoicing.totals(order_lines)
        days = event.invoice_due_days
        title = _("Invoice")
        story = [
            *_body(order, title, [
                (_("Invoice number"), str(order.invoice_number)),
                (_("Invoice date"), _date(invoicing.invoice_date(order))),
                (_("Due date"), _date(invoicing.due_date(order))),
                (_("Payment terms"), _("%(days)d days net", days=days)),
                (_("Order"), order.code),
            ], order_lines),
            _p(_("Amount due: %(amount)s", amount=_money(order, total.gross_ore)), SELLER),
            Spacer(0, 2 * mm),
        ]
        pay = []
        if event.seller_bankgiro:
            pay.append(_("Pay to bankgiro %(bankgiro)s by %(date)s.",
                         bankgiro=event.seller_bankgiro,
                         date=_date(invoicing.due_date(order))))
        else:
            pay.append(_("Pay by %(date)s.", date=_date(invoicing.due_date(order))))
        if event.seller_iban:
            pay.append(_("From abroad, pay to IBAN %(iban)s.",
                         iban=stdnum_iban.format(event.seller_iban)))
        pay.append(_("Quote invoice number %(number)s with your payment.",
                     number=order.invoice_number))
        story.append(_p(" ".join(pay)))
        if order.payment_status in invoicing.PAID_STATUSES:
            story += [Spacer(0, 3 * mm), _p(_("Paid %(date)s", date=_date(
                invoicing.paid_date(order))), HEADING)]
        if event.contact_email:
            story += [Spacer(0, 3 * mm), _p(_("Questions about this invoice: %(email)s",
                                               email=event.contact_email), SMALL)]
        return _build(order, f"{title} {order.invoice_number}", story)


def receipt_pdf(order) -> bytes:
    """The receipt for what was paid, with any refunds, in the order's language."""
    if not invoicing.has_receipt(order):
        raise ValueError("nothing paid")
    with force_locale(order.language):
        order_lines = invoicing.lines(order)
        total = invoicing.totals(order_lines)
        title = _("Receipt")
        method = {"card": _("by card"), "invoice": _("by invoice")}.get(order.payment_method, "")
        facts = [
            (_("Order"), order.code),
            (_("Order date"), _date(invoicing.local_date(order, order.created_at))),
            (_("Paid"), _date(invoicing.paid_date(order))),
        ]
        if order.payment_method == "invoice":
            facts.append((_("Invoice number"), str(order.invoice_number or "")))
        settled = [r for r in invoicing.refunds_of(order) if r.status == "succeeded"]
        # Seats credited on the invoice before it was paid were never paid for.
        credited = sum(r.amount_ore for r in settled if r.reason == "credit_note")
        paid = total.gross_ore - credited
        story = _body(order, title, facts, order_lines)
        if credited:
            story += [_p(_("Credited for cancelled seats: %(amount)s",
                           amount=_money(order, credited))), Spacer(0, 2 * mm)]
        story.append(_p(_("Paid %(date)s %(method)s: %(amount)s",
                          date=_date(invoicing.paid_date(order)), method=method,
                          amount=_money(order, paid)), SELLER))
        refunds = [r for r in settled if r.reason in ("attendee_cancelled", "event_cancelled",
                                                       "organiser", "late_payment")]
        if refunds:
            data = [[_("Refund date"), _("Amount")]]
            for refund in refunds:
                data.append([_date(invoicing.local_date(order, refund.created_at)),
                             "-" + _money(order, refund.amount_ore)])
            refunded = sum(r.amount_ore for r in refunds)
            data.append([_("Paid after refunds"), _money(order, paid - refunded)])
            story += [Spacer(0, 5 * mm), _p(_("Refunds"), HEADING),
                      _grid(data, [60 * mm, 40 * mm], (1,), bold_last=True)]
        return _build(order, f"{title} {order.code}", story)


def credit_note_pdf(credit_note) -> bytes:
    """The credit note, in the order's language: the invoice it credits and the credited
    lines, as they were when credited. The invoice itself is never rewritten."""
    order = credit_note.order
    with force_locale(order.language):
        order_lines = einvoice.credit_note_lines(credit_note)
        total = invoicing.totals(order_lines)
        title = _("Credit note")
        facts = [
            (_("Credit note number"), str(credit_note.number)),
            (_("Date"), _date(invoicing.local_date(order, credit_note.issued_at))),
            (_("Credits invoice"), _("%(number)s of %(date)s", number=order.invoice_number,
                                     date=_date(invoicing.invoice_date(order)))),
            (_("Order"), order.code),
        ]
        why = {
            "cancelled": _("Credited for cancelled registrations."),
            "postponed": _("Credited because the event was postponed."),
            "refunded": _("Paid back by the organiser."),
        }.get(credit_note.reason, _("Credited by the organiser."))
        story = [
            *_body(order, title, facts, order_lines),
            _p(_("Amount credited: %(amount)s", amount=_money(order, total.gross_ore)), SELLER),
            Spacer(0, 2 * mm),
            _p(_("%(why)s Quote credit note number %(number)s in your bookkeeping with invoice "
                 "%(invoice)s.", why=why, number=credit_note.number,
                 invoice=order.invoice_number)),
        ]
        if order.event.contact_email:
            story += [Spacer(0, 3 * mm), _p(_("Questions about this invoice: %(email)s",
                                               email=order.event.contact_email), SMALL)]
        return _build(order, f"{title} {credit_note.number}", story)


def credit_note_filename(credit_note) -> str:
    order = credit_note.order
    prefix = "kreditfaktura" if order.language == "sv" else "credit-note"
    return f"{prefix}-{credit_note.number}.pdf"


def invoice_filename(order) -> str:
    return f"{'faktura' if order.language == 'sv' else 'invoice'}-{order.invoice_number}.pdf"


def receipt_filename(order) -> str:
    return f"{'kvitto' if order.language == 'sv' else 'receipt'}-{order.code}.pdf"


def attachments_for(order) -> list[tuple[str, str, bytes]]:
    """The receipt (paid orders) or invoice (invoice orders) to attach to the order email."""
    if invoicing.has_invoice(order):
        return [(invoice_filename(order), "application/pdf", invoice_pdf(order))]
    if order.payment_method == "card" and invoicing.has_receipt(order):
        return [(receipt_filename(order), "application/pdf", receipt_pdf(order))]
    return []


@attachment_renderer("credit_note")
def _credit_note_attachment(note_id: str, session) -> bytes | None:
    """The credit note attached to its email, drawn when the email is sent."""
    note = session.get(CreditNote, int(note_id))
    return credit_note_pdf(note) if note is not None else None


@attachment_renderer("invoice")
def _invoice_attachment(order_id: str, session) -> bytes | None:
    """The invoice attached to a reminder, drawn when the email is sent; none if the order is
    gone or no longer an invoice."""
    order = session.get(Order, int(order_id))
    return invoice_pdf(order) if order is not None and invoicing.has_invoice(order) else None
