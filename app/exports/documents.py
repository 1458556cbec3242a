"""Name lists on A4 paper: the door list and the workshops' sign-up lists. Each list is a
section starting on a new page, with its heading and column titles repeated on every page, a
box to tick per person and the page number at the foot. Drawn straight on a reportlab canvas
(a fixed row height, so 5,000 people take as long as 5,000 lines) in the PDF standard fonts,
which draw å, ä and ö."""

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.badges.services import BOLD, FONT, fit

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE, TOP, BOTTOM = 15 * mm, 15 * mm, 14 * mm
ROW = 7.5 * mm
BOX = 4.2 * mm
BOX_COLUMN = 9 * mm
HEADING = 22 * mm  # heading, subheading and column titles above the first row
ROWS_PER_PAGE = int((PAGE_HEIGHT - TOP - BOTTOM - HEADING - 6 * mm) // ROW)


@dataclass(frozen=True)
class ListRow:
    cells: tuple[str, ...]
    ticked: bool = False


@dataclass(frozen=True)
class Section:
    heading: str
    subheading: str
    # Column titles with their share of the width left after the tick box.
    columns: tuple[tuple[str, float], ...]
    rows: tuple[ListRow, ...]
    empty: str = ""


def _pages(section: Section) -> list[tuple[ListRow, ...]]:
    rows = section.rows
    return [rows[start:start + ROWS_PER_PAGE]
            for start in range(0, len(rows), ROWS_PER_PAGE)] or [()]


def _tick_box(canvas: Canvas, x: float, y: float, ticked: bool) -> None:
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, BOX, BOX, stroke=1, fill=0)
    if ticked:  # already checked in when the list was printed
        canvas.setLineWidth(1.2)
        canvas.lines([(x + 0.8 * mm, y + 2.2 * mm, x + 1.8 * mm, y + 1.0 * mm),
                      (x + 1.8 * mm, y + 1.0 * mm, x + 3.6 * mm, y + 3.6 * mm)])


def _head(canvas: Canvas, section: Section, widths: list[float], continued: bool) -> float:
    """The section's heading and column titles; returns the top of the first row."""
    usable = PAGE_WIDTH - 2 * SIDE
    y = PAGE_HEIGHT - TOP
    heading = (_("%(heading)s (continued)", heading=section.heading) if continued
               else section.heading)
    title = fit(heading, BOLD, 15, 9, usable)
    canvas.setFont(BOLD, title.size)
    canvas.drawString(SIDE, y - title.size, title.lines[0])
    subheading = fit(section.subheading, FONT, 9.5, 6, usable)
    canvas.setFont(FONT, subheading.size)
    canvas.drawString(SIDE, y - 8.5 * mm, subheading.lines[0])
    y -= HEADING
    x = SIDE + BOX_COLUMN
    for (label, _share), width in zip(section.columns, widths, strict=True):
        text = fit(label, BOLD, 9.5, 6, width - 2 * mm)
        canvas.setFont(BOLD, text.size)
        canvas.drawString(x, y + 2 * mm, text.lines[0])
        x += width
    canvas.setLineWidth(1)
    canvas.line(SIDE, y + 0.5 * mm, PAGE_WIDTH - SIDE, y + 0.5 * mm)
    return y


def _rows(canvas: Canvas, rows, widths: list[float], top: float) -> None:
    y = top
    for number, row in enumerate(rows):
        if number % 2:
            canvas.setFillGray(0.93)
            canvas.rect(SIDE, y - ROW, PAGE_WIDTH - 2 * SIDE, ROW, stroke=0, fill=1)
            canvas.setFillGray(0)
        _tick_box(canvas, SIDE + 1.5 * mm, y - ROW + (ROW - BOX) / 2, row.ticked)
        x = SIDE + BOX_COLUMN
        for column, (text, width) in enumerate(zip(row.cells, widths, strict=True)):
            if text:
                font = BOLD if column == 0 else FONT  # the name
                fitted = fit(text, font, 10, 6.5, width - 2 * mm)
                canvas.setFont(font, fitted.size)
                canvas.drawString(x, y - ROW / 2 - fitted.size * 0.35, fitted.lines[0])
            x += width
        y -= ROW


def name_lists_pdf(title: str, sections: list[Section]) -> bytes:
    """Every section from a new page; `title` is the PDF's title."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Samla")
    planned = [(section, _pages(section)) for section in sections]
    total = sum(len(pages) for _section, pages in planned)
    page_number = 0
    for section, pages in planned:
        shares = sum(share for _label, share in section.columns)
        widths = [(PAGE_WIDTH - 2 * SIDE - BOX_COLUMN) * share / shares
                  for _label, share in section.columns]
        for index, rows in enumerate(pages):
            page_number += 1
            top = _head(canvas, section, widths, continued=index > 0)
            if rows:
                _rows(canvas, rows, widths, top)
            elif section.empty:
                canvas.setFont(FONT, 10)
                canvas.drawString(SIDE, top - ROW / 2 - 3.5, section.empty)
            canvas.setFont(FONT, 8)
            canvas.drawRightString(PAGE_WIDTH - SIDE, BOTTOM - 6 * mm,
                                   _("Page %(number)d of %(pages)d", number=page_number,
                                     pages=total))
            canvas.showPage()
    canvas.save()
    return out.getvalue()
