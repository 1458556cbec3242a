"""The PDFs a public buyer's bookkeeper files: a credit note beside the invoice it credits (the
invoice is never rewritten), F-tax stated, öre rounding shown, and a footer whose texts are all
there in full, none running into another or off the page, however long the seller's details."""

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.payments import credit_notes, documents
from app.registration import services
from tests.payments.test_documents import text as page_text
from tests.payments.test_peppol_invoices import order_of, seller, ticket
from tests.readback import attachment

FOOTER_TOP = 80  # points from the page's lower edge: below the content


def text(pdf: bytes) -> str:
    """The PDF's text with line breaks as spaces (table cells wrap)."""
    return " ".join(page_text(pdf).split())


def placed_strings(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every string drawn on the first page with its box (x0, y0, x1, y1) in points, read
    back with pypdf's text visitor."""
    found = []

    def visit(string, cm, tm, font, size):
        string = string.strip()
        if not string:
            return
        scale = tm[0] * cm[0] or 1
        x = tm[4] * cm[0] + cm[4]
        y = tm[5] * cm[3] + cm[5]
        height = size * scale
        width = stringWidth(string, "Helvetica", height)
        found.append((string, x, y, x + width, y + height))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def test_footer_texts_are_whole_and_apart_with_long_seller_details(conference, db):
    event = conference["event"]
    seller(event, db)
    event.organiser_name = ("Riksförbundet för Social och Mental Hälsa, Nationell Samverkan "
                            "för Psykisk Hälsa (NSPH) ideell förening")
    event.contact_email = "ekonomi.och.fakturafragor.konferenser@nationell-samverkan.example"
    db.session.commit()
    order = order_of(event, [conference["paid"]])
    pdf = documents.invoice_pdf(order)
    footer = [s for s in placed_strings(pdf) if s[2] < FOOTER_TOP]
    drawn = " ".join(s[0] for s in footer)
    for part in documents.footer_parts(event):
        assert part in drawn, part
    assert "Godkänd för F-skatt" in drawn and "Sida 1" in drawn
    for index, box in enumerate(footer):
        assert box[1] >= documents.MARGIN - 0.5 and box[3] <= A4[0] - documents.MARGIN + 0.5, box
        for other in footer[index + 1:]:
            assert not overlap(box, other), (box, other)
    # The content stays above the footer.
    body = [s for s in placed_strings(pdf) if s[2] >= FOOTER_TOP]
    assert min(s[2] for s in body) > max(s[4] for s in footer)


def test_invoice_states_f_tax_and_rounding(conference, db):
    event = conference["event"]
    seller(event, db)
    cheap = ticket(event, db, "Webbinarium", 9999, 25)
    invoice = text(documents.invoice_pdf(order_of(event, [cheap] * 3)))
    assert "Godkänd för F-skatt" in invoice
    assert "Öresavrundning" in invoice and "0,01 kr" in invoice
    assert "Att betala: 299,97 kr" in invoice


def test_credit_note_refers_to_the_invoice_and_lists_what_was_credited(conference, db):
    event = conference["event"]
    seller(event, db)
    order = order_of(event, [conference["paid"]] * 2)
    invoice_before = text(documents.invoice_pdf(order))
    services.cancel(order.registrations[1])
    [note] = credit_notes.of_order(order)
    credit = text(documents.credit_note_pdf(note))
    assert "Kreditfaktura" in credit and str(note.number) in credit
    assert f"Krediterar faktura {order.invoice_number} från" in credit
    assert "Deltagare 1 Åström" in credit and "Deltagare 0 Åström" not in credit
    assert "Krediterat belopp: 950 kr" in credit
    assert "Krediteras för avanmälda deltagare." in credit
    # The invoice is not rewritten.
    assert text(documents.invoice_pdf(order)) == invoice_before
    assert documents.credit_note_filename(note) == f"kreditfaktura-{note.number}.pdf"


def test_exempt_course_on_the_invoice_says_why(conference, db):
    event = conference["event"]
    seller(event, db)
    course = ticket(event, db, "Kurs", 450000, 0, "E", "Utbildning, undantagen från moms")
    invoice = text(documents.invoice_pdf(order_of(event, [course])))
    assert "Undantag från moms: Utbildning, undantagen från moms" in invoice


def credit_note_mails(mailbox, count: int) -> list:
    """The first `count` credit note emails, whatever else the cancellation sent."""
    for arrived in range(1, 30):
        mailbox.wait_for(arrived)
        found = [m for m in mailbox.messages if m["Subject"].startswith("Kreditfaktura")]
        if len(found) >= count:
            return found
    raise AssertionError("no credit note email")


def test_buyer_and_invoice_address_get_the_credit_note_by_email(conference, db, mailbox):
    event = conference["event"]
    seller(event, db)
    order = order_of(event, [conference["paid"]] * 2)
    mailbox.clear()
    services.cancel(order.registrations[0])
    [note] = credit_notes.of_order(order)
    mails = credit_note_mails(mailbox, 2)
    assert {m["To"] for m in mails} == {"eva.chef@regionorebrolan.example",
                                        "faktura@regionorebrolan.example"}
    mail = mails[0]
    assert mail["Subject"] == f"Kreditfaktura {note.number} för faktura {order.invoice_number}"
    body = mailbox.body(mail).replace("\u00a0", " ")
    assert "krediteras med 950 kr" in body and "Kvar att betala på faktura" in body
    attached = attachment(mail)
    assert f"Kreditfakturanummer {note.number}" in text(attached)
