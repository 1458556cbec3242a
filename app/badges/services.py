"""Badges as PDF: one A6 page per attendee, with a QR code that holds only the badge token."""

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.i18n import fmt_date
from app.mail.outbox import attachment_renderer
from app.registration.models import Registration

WIDTH, HEIGHT = A6
MARGIN = 8 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"


@lru_cache(maxsize=4096)
def qr_png(token: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(token)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def _fitted(text: str, font: str, largest: float, smallest: float, width: float) -> float:
    size = largest
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 1
    # Longer than the smallest size allows: smaller still, rather than cut off at the edge.
    measured = stringWidth(text, font, size)
    return size * width / measured if measured > width else size


def spaced(token: str) -> str:
    """Groups of four, easier to read aloud or type by hand; spaces are ignored at the door."""
    return " ".join(token[i:i + 4] for i in range(0, len(token), 4))


def _draw_badge(canvas: Canvas, registration) -> None:
    event = registration.event
    usable = WIDTH - 2 * MARGIN
    canvas.setFillColorRGB(0.09, 0.27, 0.45)
    canvas.rect(0, HEIGHT - 24 * mm, WIDTH, 24 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    size = _fitted(event.name, BOLD, 14, 8, usable)
    canvas.setFont(BOLD, size)
    canvas.drawString(MARGIN, HEIGHT - 11 * mm, event.name)
    canvas.setFont(FONT, 9)
    dates = fmt_date(event.starts_on)
    if event.ends_on != event.starts_on:
        dates = f"{dates} – {fmt_date(event.ends_on)}"
    where = ", ".join(part for part in (event.venue, event.city) if part)
    canvas.drawString(MARGIN, HEIGHT - 18 * mm, " · ".join(p for p in (dates, where) if p))

    canvas.setFillColorRGB(0, 0, 0)
    size = _fitted(registration.name, BOLD, 24, 10, usable)
    canvas.setFont(BOLD, size)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 40 * mm, registration.name)
    if registration.organisation:
        size = _fitted(registration.organisation, FONT, 13, 7, usable)
        canvas.setFont(FONT, size)
        canvas.drawCentredString(WIDTH / 2, HEIGHT - 48 * mm, registration.organisation)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 56 * mm, registration.ticket_type.name)

    side = 52 * mm
    canvas.drawImage(
        ImageReader(io.BytesIO(qr_png(registration.badge_token))),
        (WIDTH - side) / 2, 16 * mm, side, side,
    )
    canvas.setFont("Courier", 9)
    canvas.drawCentredString(WIDTH / 2, 11 * mm, spaced(registration.badge_token))


def badge_pdf(registrations) -> bytes:
    """One PDF, one page per badge, so an organiser can print a whole event at once."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A6, pageCompression=1)
    canvas.setTitle("Namnbricka" if len(registrations) == 1 else "Namnbrickor")
    canvas.setAuthor("Samla")
    for registration in registrations:
        _draw_badge(canvas, registration)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@attachment_renderer("badge")
def _badge_attachment(registration_id: str, session) -> bytes | None:
    """The badge of a confirmation email, drawn when the email is sent (with the attendee's
    name as it is then); a registration that is gone sends no badge."""
    registration = session.get(Registration, int(registration_id))
    return badge_pdf([registration]) if registration is not None else None
