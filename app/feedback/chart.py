"""Where the bars of a question's chart go. templates/feedback/_chart.html writes the <svg> (and
the same figures as a table), with no script and no style attribute (the CSP refuses them):
colours come from classes in samla.css. Each bar has its label above it, so long choices fit a
phone's width."""

from dataclasses import dataclass

WIDTH = 320
ROW = 34  # a label line and a bar
BAR = 14
COUNT_ROOM = 44  # on the right, for "123"


@dataclass(frozen=True)
class DrawnBar:
    label: str
    count: int
    share: float
    label_y: float
    bar_y: float
    width: float
    count_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_height: int
    bars: list[DrawnBar]


def bar_chart(bars) -> BarChart:
    """Horizontal bars, the longest the most answered."""
    most = max((bar.count for bar in bars), default=0) or 1
    room = WIDTH - COUNT_ROOM
    drawn = []
    for index, bar in enumerate(bars):
        top = index * ROW
        width = room * bar.count / most
        drawn.append(DrawnBar(str(bar.label), bar.count, bar.share, top + 12, top + 16,
                              max(width, 1.0), max(width, 1.0) + 6))
    return BarChart(WIDTH, max(len(bars) * ROW, ROW), BAR, drawn)
