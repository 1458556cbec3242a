"""Badges as PDF, with a QR code that holds only the badge token.

`draw_badge(canvas, registration, x, y, width, height)` draws one badge into any box on a
canvas: the attendee's own badge (one A6 page, `badge_pdf`) and every print sheet
(app/badges/sheets.py: four A6 on A4, eight on A4, label sheets) use it. A box taller than
wide gets the A6 design (band with the event, the name, organisation, ticket type, a large
QR code and the code spelled out), scaled to fit; a wider box puts the text on the left and
the QR code on the right. A long name first shrinks, then wraps onto more lines, and only
then shrinks further; `draw_badge` returns what it drew so a caller can check that it fits."""

import io
import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from flask_babel import force_locale
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.i18n import fmt_date, localized
from app.mail.outbox import attachment_renderer
from app.registration.models import Registration

WIDTH, HEIGHT = A6
MARGIN = 8 * mm
FONT, BOLD, MONO = "Helvetica", "Helvetica-Bold", "Courier"
BAND = (0.09, 0.27, 0.45)
LEADING = 1.15


@lru_cache(maxsize=4096)
def qr_modules(token: str, mask_pattern: int | None = None) -> tuple[int, str]:
    """The QR code of `token` as the printer gets it: its width in modules (the quiet zone of
    four included) and the PDF operators that fill its dark modules, one rectangle per run of
    dark modules in a row, in module units from the top left corner. Each run reaches a hair
    into the row below, so no seam shows between rows when the page is rendered. A fixed
    `mask_pattern` (0-7) spares the library trying all eight for the best, most of its time;
    any mask scans."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=mask_pattern)
    code.add_data(token)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append(f"{start} {row} {column - start} 1.02 re")
                start = None
    return len(matrix), " ".join(runs) + " f"


def spaced(token: str) -> str:
    """Groups of four, easier to read aloud or type by hand; spaces are ignored at the door."""
    return " ".join(token[i:i + 4] for i in range(0, len(token), 4))


# --- fitting text into a box -------------------------------------------------------------------

@dataclass(frozen=True)
class Fitted:
    """Text set to fit a box: its lines and their font size (points)."""

    lines: tuple[str, ...]
    size: float

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The places a line may break: between words, and after a hyphen inside a name
    ("Öberg-" "Lindqvist"). Each piece with whether a space goes before it."""
    pieces = []
    for number, word in enumerate(text.split()):
        for part_number, part in enumerate(re.findall(r"[^-]+-*|-+", word)):
            pieces.append((part, number > 0 and part_number == 0))
    return pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking at word ends and hyphens; a piece wider than the width gets a
    line of its own (the caller shrinks it)."""
    lines, current = [], ""
    for piece, space in _pieces(text):
        candidate = current + (" " if space and current else "") + piece
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = piece
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def fit(text: str, font: str, largest: float, smallest: float, width: float,
        height: float | None = None, max_lines: int = 1) -> Fitted:
    """Shrink on one line from `largest` to where wrapping starts (two thirds of the largest,
    not below `smallest`); then wrap onto up to `max_lines` lines, shrinking to `smallest`
    while the lines and their height (`height`, if given) do not fit; then, for a word longer
    than the width, smaller still rather than cut off at the edge."""
    text = " ".join(text.split())
    wrap_below = max(smallest, largest * 2 / 3) if max_lines > 1 else smallest
    size = largest
    while size >= wrap_below:
        if stringWidth(text, font, size) <= width and (height is None or
                                                       size * LEADING <= height):
            return Fitted((text,), size)
        size -= 0.5
    size = min(size + 0.5, wrap_below)
    lines = [text]
    while max_lines > 1 and size >= smallest:
        lines = wrap(text, font, size, width)
        fits = all(stringWidth(line, font, size) <= width for line in lines)
        if fits and len(lines) <= max_lines and (height is None or
                                                 len(lines) * size * LEADING <= height):
            return Fitted(tuple(lines), size)
        size -= 0.5
    size = smallest
    if max_lines > 1:
        lines = _at_most(wrap(text, font, size, width), max_lines)
    widest = max(stringWidth(line, font, size) for line in lines) or 1
    size = min(size, size * width / widest)
    if height is not None:
        size = min(size, height / (len(lines) * LEADING))
    return Fitted(tuple(lines), size)


def _at_most(lines: list[str], count: int) -> list[str]:
    """The lines, the last ones joined so there are no more than `count`."""
    return lines if len(lines) <= count else lines[:count - 1] + [" ".join(lines[count - 1:])]


def _lines(canvas: Canvas, fitted: Fitted, font: str, centre: float | None, left: float,
           top: float) -> None:
    """Draw fitted lines from `top` down (the first baseline one size below it), centred on
    `centre` or starting at `left`."""
    canvas.setFont(font, fitted.size)
    baseline = top - fitted.size
    for line in fitted.lines:
        if centre is None:
            canvas.drawString(left, baseline, line)
        else:
            canvas.drawCentredString(centre, baseline, line)
        baseline -= fitted.size * LEADING


# --- one badge -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DrawnBadge:
    """What draw_badge put where: the box, the name as fitted, and the QR code's square."""

    box: tuple[float, float, float, float]
    name: Fitted
    qr: tuple[float, float, float]


def _dates(event) -> str:
    dates = fmt_date(event.starts_on)
    if event.ends_on != event.starts_on:
        dates = f"{dates} – {fmt_date(event.ends_on)}"
    where = ", ".join(part for part in (event.venue, event.city) if part)
    return " · ".join(part for part in (dates, where) if part)


def _qr(canvas: Canvas, token: str, x: float, y: float, side: float) -> None:
    """The code drawn as filled rectangles in module units: sharp at any size and on any
    printer, and no image to encode, so a thousand badges print in seconds."""
    count, operators = qr_modules(token)
    module = side / count
    canvas.saveState()
    canvas.transform(module, 0, 0, -module, x, y + side)  # rows run downwards
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(operators)
    canvas.restoreState()


def _portrait(canvas: Canvas, registration) -> tuple[Fitted, tuple]:
    """The A6 design in A6 units (the caller has scaled the canvas)."""
    event = registration.event
    usable = WIDTH - 2 * MARGIN
    canvas.setFillColorRGB(*BAND)
    canvas.rect(0, HEIGHT - 24 * mm, WIDTH, 24 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    title = fit(localized(event, "name"), BOLD, 14, 8, usable)
    _lines(canvas, title, BOLD, None, MARGIN, HEIGHT - 11 * mm + title.size)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, HEIGHT - 18 * mm, _dates(event))

    canvas.setFillColorRGB(0, 0, 0)
    # The name's box: under the band, above the organisation; one line sits where it always
    # has (baseline 40 mm from the top), more lines share the box.
    box_top, box_bottom = HEIGHT - 27 * mm, HEIGHT - 45 * mm
    name = fit(registration.name, BOLD, 24, 10, usable, height=box_top - box_bottom,
               max_lines=3)
    if len(name.lines) == 1:
        top = HEIGHT - 40 * mm + name.size
    else:
        top = box_top - (box_top - box_bottom - name.height) / 2
    _lines(canvas, name, BOLD, WIDTH / 2, 0, top)
    if registration.organisation:
        organisation = fit(registration.organisation, FONT, 13, 7, usable)
        _lines(canvas, organisation, FONT, WIDTH / 2, 0, HEIGHT - 51 * mm + organisation.size)
    ticket = fit(localized(registration.ticket_type, "name"), FONT, 10, 7, usable)
    _lines(canvas, ticket, FONT, WIDTH / 2, 0, HEIGHT - 58 * mm + ticket.size)

    side = 52 * mm
    _qr(canvas, registration.badge_token, (WIDTH - side) / 2, 16 * mm, side)
    canvas.setFont(MONO, 9)
    canvas.drawCentredString(WIDTH / 2, 11 * mm, spaced(registration.badge_token))
    return name, ((WIDTH - side) / 2, 16 * mm, side)


def _landscape(canvas: Canvas, registration, x: float, y: float, width: float,
               height: float) -> tuple[Fitted, tuple]:
    """Text on the left, the QR code on the right, the event in a band across the top."""
    event = registration.event
    pad = max(2.5 * mm, min(width, height) * 0.06)
    band = max(6 * mm, height * 0.2)
    canvas.setFillColorRGB(*BAND)
    canvas.rect(x, y + height - band, width, band, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    two_lines = band >= 11 * mm
    title = fit(localized(event, "name"), BOLD, min(13, band / mm * (1.0 if two_lines else 1.9)), 5,
                width - 2 * pad)
    _lines(canvas, title, BOLD, None, x + pad,
           y + height - (band - title.size * (2.2 if two_lines else 1)) / 2)
    if two_lines:
        dates = fit(_dates(event), FONT, 8, 5, width - 2 * pad)
        _lines(canvas, dates, FONT, None, x + pad,
               y + height - (band - title.size * 2.2) / 2 - title.size * 1.3)

    body_top, body_bottom = y + height - band - pad, y + pad
    body = body_top - body_bottom
    token_space = 4.5 * mm if body >= 30 * mm else 0
    side = min(body - token_space, width * 0.42)
    qr_x = x + width - pad - side
    qr_y = body_bottom + token_space + (body - token_space - side) / 2
    _qr(canvas, registration.badge_token, qr_x, qr_y, side)
    canvas.setFillColorRGB(0, 0, 0)
    if token_space:
        token = fit(spaced(registration.badge_token), MONO, 8, 4, side)
        _lines(canvas, token, MONO, qr_x + side / 2, 0, body_bottom + token.size * 1.2)

    text_width = qr_x - pad - (x + pad)
    small = max(6, min(11, body / mm * 0.45))
    organisation = (fit(registration.organisation, FONT, small, 5, text_width, max_lines=2)
                    if registration.organisation else None)
    ticket = fit(localized(registration.ticket_type, "name"), FONT,
                 organisation.size if organisation else small, 5, text_width)
    below = ticket.height + (organisation.height if organisation else 0) + 1.5 * mm
    name = fit(registration.name, BOLD, min(22, body / mm * 0.9), 7, text_width,
               height=body - below, max_lines=3)
    top = body_top - max(0, (body - below - name.height) / 3)
    _lines(canvas, name, BOLD, None, x + pad, top)
    top -= name.height + 1.5 * mm
    if organisation:
        _lines(canvas, organisation, FONT, None, x + pad, top)
        top -= organisation.height
    _lines(canvas, ticket, FONT, None, x + pad, top)
    return name, (qr_x, qr_y, side)


def draw_badge(canvas: Canvas, registration, x: float = 0, y: float = 0,
               width: float = WIDTH, height: float = HEIGHT) -> DrawnBadge:
    """Draw `registration`'s badge in the box (x, y, width, height), in points from the
    canvas's lower left corner. Returns what was drawn where (in the canvas's units). In the
    attendee's language: the event's and the ticket's English names where there are, and
    English dates."""
    with force_locale(registration.language or "sv"):
        return _draw_badge(canvas, registration, x, y, width, height)


def _draw_badge(canvas: Canvas, registration, x: float, y: float, width: float,
                height: float) -> DrawnBadge:
    canvas.saveState()
    if height >= width:
        scale = min(width / WIDTH, height / HEIGHT)
        left, bottom = x + (width - WIDTH * scale) / 2, y + (height - HEIGHT * scale) / 2
        canvas.translate(left, bottom)
        canvas.scale(scale, scale)
        name, (qr_x, qr_y, side) = _portrait(canvas, registration)
        name = Fitted(name.lines, name.size * scale)
        qr = (left + qr_x * scale, bottom + qr_y * scale, side * scale)
    else:
        name, qr = _landscape(canvas, registration, x, y, width, height)
    canvas.restoreState()
    return DrawnBadge((x, y, width, height), name, qr)


def badge_pdf(registrations) -> bytes:
    """One PDF, one A6 page per badge: the attendee's own badge, printed at home."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A6, pageCompression=1)
    if registrations and all(r.language == "en" for r in registrations):
        canvas.setTitle("Badge" if len(registrations) == 1 else "Badges")
    else:
        canvas.setTitle("Namnbricka" if len(registrations) == 1 else "Namnbrickor")
    canvas.setAuthor("Samla")
    for registration in registrations:
        draw_badge(canvas, registration)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@attachment_renderer("badge")
def _badge_attachment(registration_id: str, session) -> bytes | None:
    """The badge of a confirmation email, drawn when the email is sent (with the attendee's
    name as it is then); a registration that is gone sends no badge."""
    registration = session.get(Registration, int(registration_id))
    return badge_pdf([registration]) if registration is not None else None
