"""The registrations chart on an event's home page, drawn on the server as SVG. This module works
out where each line, point and label goes; templates/events/_registrations_chart.html writes
the <svg> (and the same figures as a table). No script and no style attribute, which the CSP
refuses: strokes and fills come from classes in samla.css."""

import math
from dataclasses import dataclass
from datetime import date

from .services import Day

WIDTH, HEIGHT = 400, 200
# The plot area inside the picture: room on the left for the counts, below for the days.
LEFT, RIGHT, TOP, BOTTOM = 52, 386, 16, 168
X_LABELS = 4


@dataclass(frozen=True)
class Tick:
    position: float  # y for a count, x for a day
    value: int | date
    anchor: str = "middle"  # where the label sits on its position (SVG text-anchor)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    line: str  # the running total, as SVG points "x,y x,y ..."
    area: str  # the same, closed along the bottom
    end: tuple[float, float]  # the last point, marked with a dot
    counts: list[Tick]  # the horizontal grid lines, from 0 up
    days: list[Tick]  # the days named along the bottom
    limit: Tick | None  # the event's seats, as a dashed line


def step_for(highest: int, most: int = 6) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that reaches `highest` in at most `most`
    steps."""
    scale = 1
    while True:
        for factor in (1, 2, 5):
            if highest <= scale * factor * most:
                return scale * factor
        scale *= 10


def registrations_chart(days: list[Day], capacity: int | None) -> Chart | None:
    """The running total of confirmed registrations, day by day, against the event's seats
    (None: no limit). None when nobody has registered."""
    if not days:
        return None
    highest = max(days[-1].total, capacity or 0, 1)
    step = step_for(highest)
    top_count = math.ceil(highest / step) * step

    def x(index: int) -> float:
        if len(days) == 1:
            return (LEFT + RIGHT) / 2
        return LEFT + (RIGHT - LEFT) * index / (len(days) - 1)

    def y(count: int) -> float:
        return BOTTOM - (BOTTOM - TOP) * count / top_count

    points = [(x(i), y(day.total)) for i, day in enumerate(days)]
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    area = f"{line} {points[-1][0]:.1f},{BOTTOM} {points[0][0]:.1f},{BOTTOM}"
    labelled = sorted({round(k * (len(days) - 1) / (X_LABELS - 1)) for k in range(X_LABELS)})
    if len(days) == 1:
        labelled = [0]
    return Chart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM,
        line=line, area=area, end=points[-1],
        counts=[Tick(y(count), count) for count in range(0, top_count + 1, step)],
        days=[Tick(x(i), days[i].day, _anchor(i, len(days))) for i in labelled],
        limit=Tick(y(capacity), capacity) if capacity else None,
    )


def _anchor(index: int, count: int) -> str:
    """The first day's label starts at its point and the last ends at it, inside the picture."""
    if count == 1:
        return "middle"
    if index == 0:
        return "start"
    return "end" if index == count - 1 else "middle"
