"""Badges on print sheets: many badges per page, each drawn by services.draw_badge.

Paper layouts (A6 pages, four A6 on A4, eight on A4) are cut by hand or with a guillotine, so
they get cut marks: short lines at the paper's edges where each cut goes and small crosses
where cuts meet. Label sheets are die-cut already and get none. The label layouts are two
common A4 sheets sold in Sweden (measurements as the makers publish them):

- Avery L4785 self-adhesive name badges: 80 x 50 mm, 2 x 5 on A4, first label 18 mm from the
  left and 13 mm from the top, 95 mm and 55 mm from one label to the next;
- Avery Zweckform 3475 address labels: 70 x 36 mm, 3 x 8 on A4 edge to edge, 4.5 mm from the
  top."""

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .services import DrawnBadge, draw_badge

MARK_LENGTH = 6 * mm
MARK_GREY = 0.45


@dataclass(frozen=True)
class SheetLayout:
    key: str
    label: str
    page: tuple[float, float]
    badge: tuple[float, float]
    columns: int
    rows: int
    # The first badge's top left corner, from the page's top left corner, and the distance
    # from one badge to the next across and down.
    first: tuple[float, float]
    pitch: tuple[float, float]
    cut_marks: bool

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def box(self, index: int) -> tuple[float, float, float, float]:
        """The badge box of place `index` on a page (left to right, top to bottom), in PDF
        points from the page's lower left corner."""
        row, column = divmod(index, self.columns)
        width, height = self.badge
        x = self.first[0] + column * self.pitch[0]
        top = self.first[1] + row * self.pitch[1]
        return x, self.page[1] - top - height, width, height


_A4_HALF = (A4[0] / 2, A4[1] / 2)

LAYOUTS = {
    layout.key: layout for layout in (
        SheetLayout("a6", _l("A6, one badge per page"), A6, A6, 1, 1, (0, 0), A6, False),
        SheetLayout("a6x4", _l("Four A6 badges on A4 (cut marks)"), A4, _A4_HALF, 2, 2,
                    (0, 0), _A4_HALF, True),
        SheetLayout("a7x8", _l("Eight badges on A4, 105 × 74 mm (cut marks)"), A4,
                    (A4[0] / 2, A4[1] / 4), 2, 4, (0, 0), (A4[0] / 2, A4[1] / 4), True),
        SheetLayout("l4785", _l("Avery L4785 name badge labels, 80 × 50 mm, 10 per A4"), A4,
                    (80 * mm, 50 * mm), 2, 5, (18 * mm, 13 * mm), (95 * mm, 55 * mm), False),
        SheetLayout("z3475", _l("Avery Zweckform 3475 labels, 70 × 36 mm, 24 per A4"), A4,
                    (70 * mm, 36 * mm), 3, 8, (0, 4.5 * mm), (70 * mm, 36 * mm), False),
    )
}


def _cut_marks(canvas: Canvas, layout: SheetLayout) -> None:
    """Where the cuts go between badges that tile the page: a short line in from each edge
    and a small cross where two cuts meet (both fall on the cut and go with it)."""
    page_width, page_height = layout.page
    xs = [layout.first[0] + column * layout.pitch[0] for column in range(1, layout.columns)]
    ys = [page_height - layout.first[1] - row * layout.pitch[1] for row in range(1, layout.rows)]
    canvas.saveState()
    canvas.setStrokeGray(MARK_GREY)
    canvas.setLineWidth(0.5)
    for x in xs:
        canvas.line(x, 0, x, MARK_LENGTH)
        canvas.line(x, page_height - MARK_LENGTH, x, page_height)
    for y in ys:
        canvas.line(0, y, MARK_LENGTH, y)
        canvas.line(page_width - MARK_LENGTH, y, page_width, y)
    arm = 2 * mm
    for x in xs:
        for y in ys:
            canvas.line(x - arm, y, x + arm, y)
            canvas.line(x, y - arm, x, y + arm)
    canvas.restoreState()


def badge_sheets(registrations, layout: SheetLayout) -> tuple[bytes, list[list[DrawnBadge]]]:
    """Every registration's badge on sheets of `layout`, in the order given, filling each page
    left to right and top to bottom. Returns the PDF and what was drawn on each page."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=layout.page, pageCompression=1)
    canvas.setTitle("Namnbrickor")
    canvas.setAuthor("Samla")
    pages: list[list[DrawnBadge]] = []
    for start in range(0, len(registrations), layout.per_page):
        drawn = [draw_badge(canvas, registration, *layout.box(index))
                 for index, registration in enumerate(
                     registrations[start:start + layout.per_page])]
        if layout.cut_marks:
            _cut_marks(canvas, layout)
        canvas.showPage()
        pages.append(drawn)
    canvas.save()
    return out.getvalue(), pages
