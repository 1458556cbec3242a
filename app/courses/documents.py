"""The certificate of attendance as a PDF (one A4 page, in the holder's language): the course,
its dates, the hours and sessions attended, the organiser, the signer, and a QR code of the
public check's address with the certificate's id spelled out beside it. Drawn when asked for
(the email's attachment is drawn when the email is sent), from the figures the certificate
kept when it was issued."""

import io

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from app.badges.services import fit, qr_modules, spaced
from app.i18n import fmt_date, fmt_decimal
from app.mail.outbox import attachment_renderer
from app.mail.render import absolute_url

from .models import Certificate, Course, CourseSession

WIDTH, HEIGHT = A4
MARGIN = 25 * mm
FONT, BOLD, MONO = "Helvetica", "Helvetica-Bold", "Courier"
BAND = (0.09, 0.27, 0.45)


def _dates(sessions) -> str:
    first, last = sessions[0], sessions[-1]
    event = first.event
    start, end = event.local_day(first.starts_at), event.local_day(last.ends_at)
    return fmt_date(start) if start == end else f"{fmt_date(start)} – {fmt_date(end)}"


def _centred(canvas: Canvas, text: str, font: str, largest: float, y: float) -> float:
    """Text centred on the page, shrunk or wrapped to fit; the baseline below the last line."""
    fitted = fit(text, font, largest, 9, WIDTH - 2 * MARGIN, max_lines=3)
    canvas.setFont(font, fitted.size)
    for line in fitted.lines:
        y -= fitted.size
        canvas.drawCentredString(WIDTH / 2, y, line)
        y -= fitted.size * 0.3
    return y


# Every certificate's code uses this mask: choosing the best of eight was most of the time a
# certificate took to draw (bench/certificates.py), and any mask scans.
QR_MASK = 2


def _qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    count, operators = qr_modules(text, QR_MASK)
    module = side / count
    canvas.saveState()
    canvas.transform(module, 0, 0, -module, x, y + side)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(operators)
    canvas.restoreState()


def certificate_pdf(certificate: Certificate, sessions: list[CourseSession],
                    course: Course | None) -> bytes:
    with force_locale(certificate.language):
        return _draw(certificate, sessions, course)


def _draw(certificate: Certificate, sessions, course) -> bytes:
    event = certificate.event
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Certificate of attendance"))
    canvas.setAuthor(event.organiser_name or "Samla")
    canvas.setFillColorRGB(*BAND)
    canvas.rect(0, HEIGHT - 18 * mm, WIDTH, 18 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(BOLD, 12)
    canvas.drawString(MARGIN, HEIGHT - 11 * mm, event.organiser_name or event.name)

    canvas.setFillColorRGB(0, 0, 0)
    y = _centred(canvas, _("Certificate of attendance"), BOLD, 28, HEIGHT - 50 * mm)
    y = _centred(canvas, _("This certifies that"), FONT, 13, y - 12 * mm)
    y = _centred(canvas, certificate.holder_name, BOLD, 26, y - 6 * mm)
    y = _centred(canvas, _("has taken part in the course"), FONT, 13, y - 6 * mm)
    y = _centred(canvas, event.name, BOLD, 20, y - 6 * mm)
    if sessions:
        y = _centred(canvas, _dates(sessions), FONT, 13, y - 3 * mm)

    hours = fmt_decimal(certificate.minutes_attended / 60, "0.#")
    facts = [
        (_("Sessions attended"), _("%(attended)d of %(total)d", attended=certificate
                                   .sessions_attended, total=certificate.sessions_total)),
        (_("Hours"), hours),
        (_("Organiser"), event.organiser_name),
        (_("Issued"), fmt_date(event.local_day(certificate.issued_at))),
    ]
    y -= 12 * mm
    for label, value in facts:
        if not value:
            continue
        canvas.setFont(FONT, 12)
        canvas.drawRightString(WIDTH / 2 - 3 * mm, y, f"{label}:")
        canvas.setFont(BOLD, 12)
        canvas.drawString(WIDTH / 2 + 3 * mm, y, value)
        y -= 7 * mm

    if course is not None and course.signer_name:
        y -= 14 * mm
        canvas.line(WIDTH / 2 - 45 * mm, y, WIDTH / 2 + 45 * mm, y)
        y = _centred(canvas, course.signer_name, FONT, 12, y - 2 * mm)
        if course.signer_title:
            _centred(canvas, course.signer_title, FONT, 10, y)

    url = absolute_url("courses.verify", code=certificate.code)
    side = 38 * mm
    _qr(canvas, url, MARGIN, 20 * mm, side)
    canvas.setFont(FONT, 10)
    text_x = MARGIN + side + 6 * mm
    canvas.drawString(text_x, 20 * mm + side - 12, _("Check this certificate:"))
    canvas.setFont(FONT, 8)
    canvas.drawString(text_x, 20 * mm + side - 26, url)
    canvas.setFont(FONT, 10)
    canvas.drawString(text_x, 20 * mm + side - 44, _("Certificate id"))
    canvas.setFont(MONO, 11)
    canvas.drawString(text_x, 20 * mm + side - 58, spaced(certificate.code))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _sessions(session, event_id: int) -> list[CourseSession]:
    return list(session.scalars(select(CourseSession).where(CourseSession.event_id == event_id)
                                .order_by(CourseSession.starts_at, CourseSession.id)))


def pdf_for(session, certificate: Certificate) -> bytes:
    """The certificate's PDF, read through `session` (a request's or the delivering one)."""
    course = session.scalar(select(Course).where(Course.event_id == certificate.event_id))
    return certificate_pdf(certificate, _sessions(session, certificate.event_id), course)


@attachment_renderer("certificate")
def _certificate_attachment(certificate_id: str, session) -> bytes | None:
    """The certificate of a certificate email, drawn when the email is sent."""
    certificate = session.get(Certificate, int(certificate_id))
    return pdf_for(session, certificate) if certificate is not None else None
