"""The chart of quarterly NRM referrals: a PNG for the email, an HTML bar chart for the index page.

The PNG is drawn with Pillow from the same ChartView as the page's chart (no global state, safe in
worker threads; Matplotlib's imports cost seconds a run on a small machine), byte-for-byte repeatable
(fixed Software string, no dates), with large type so it stays legible when a phone shrinks it. The
page's chart is plain HTML and CSS (`ChartView`, laid out by templates/chart.html.j2): its text is
real text at the page's own size at any width, and the bars stretch to the width of the screen.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.formatting import is_number, number, release_period_label
from store.read import SeriesPoint
from vocabulary.periods import is_period, is_quarter, parse_period

BAR = "#8fb3d9"
LATEST = "#1d4f91"
INK = "#1f2933"
MUTED = "#52606d"
CREATOR = "msbrief"
QUARTERS_SHOWN = 12  # three years: the bars stay wide enough for their labels on a phone

GRID = "#d9e2ec"


def quarterly(points: Sequence[SeriesPoint]) -> list[SeriesPoint]:
    """The quarterly points with a number, oldest first (year totals and gaps left out)."""
    return sorted((p for p in points if is_period(p.period) and is_quarter(p.period) and is_number(p.value)),
                  key=lambda p: p.period)


def _tick(point: SeriesPoint, first: bool) -> tuple[str, str]:
    """("Q3", "2023") under a year's first quarter or the first bar, ("Q4", "") otherwise."""
    year, quarter = parse_period(point.period)
    return f"Q{quarter}", str(year) if first or quarter == 1 else ""


def referrals_chart(points: Sequence[SeriesPoint]) -> bytes:
    """A PNG bar chart of the last QUARTERS_SHOWN quarters of referrals; the latest darker and labelled.

    Drawn from the same ChartView as the page's chart (same bars, grid lines and labels).
    """
    from PIL import Image, ImageDraw, ImageFont
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=TEXT_PX)
    view = chart_view(points)
    if view is None:
        draw.text((WIDTH / 2, HEIGHT / 2), "No quarterly referral figures yet", font=font, fill=MUTED, anchor="mm")
    else:
        _draw(draw, view, font)
    info = PngInfo()
    info.add_text("Software", CREATOR)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


WIDTH, HEIGHT = 1200, 720  # pixels: sharp on a phone's screen, shown at 600 x 360 or less
TEXT_PX = 44  # large type: shrunk to a 390px phone's ~350px, still about 13px (legible)
LEFT, RIGHT, TOP, BOTTOM = 170, 40, 110, 130  # the plot's margins: value labels, title, quarter and year


def _draw(draw, view: ChartView, font) -> None:
    draw.text((40, 30), view.title, font=font, fill=INK)
    bottom, height, width = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP, WIDTH - LEFT - RIGHT

    def y(pct: float) -> float:
        return bottom - height * pct / 100

    for pct, label in view.gridlines:
        if pct > 0:
            draw.line([(LEFT, y(pct)), (WIDTH - RIGHT, y(pct))], fill=GRID, width=2)
        draw.text((LEFT - 14, y(pct)), label, font=font, fill=MUTED, anchor="rm")
    slot = width / len(view.bars)
    for i, bar in enumerate(view.bars):
        centre = LEFT + slot * (i + 0.5)
        draw.rectangle([centre - slot * 0.375, y(bar.height_pct), centre + slot * 0.375, bottom],
                       fill=LATEST if bar.latest else BAR)
        draw.text((centre, bottom + 12), bar.quarter, font=font, fill=MUTED, anchor="ma")
        if bar.year:
            draw.text((centre, bottom + 66), bar.year, font=font, fill=MUTED, anchor="ma")
        if bar.latest:
            draw.text((centre + slot * 0.375, y(bar.height_pct) - 8), bar.value, font=font, fill=LATEST,
                      anchor="rd", stroke_width=1, stroke_fill=LATEST)
    draw.line([(LEFT, TOP), (LEFT, bottom), (WIDTH - RIGHT, bottom)], fill=MUTED, width=2)


@dataclass(frozen=True)
class ChartBar:
    """One quarter's bar: its height as a share of the plot, value and labels."""

    period: str
    value: str
    height_pct: float
    quarter: str  # "Q3"
    year: str  # "2023" under a year's first bar, else ""
    latest: bool


@dataclass(frozen=True)
class ChartView:
    """The page's bar chart: bars, horizontal grid lines (height %, label) and the latest value."""

    bars: tuple[ChartBar, ...]
    gridlines: tuple[tuple[float, str], ...]
    latest_label: str
    description: str
    title: str  # the PNG's: "Referrals by quarter; latest July to September 2023"


def _step(top: float) -> int:
    """A round grid step giving three to five lines under `top` (1, 2 or 5 times a power of ten)."""
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def chart_view(points: Sequence[SeriesPoint]) -> ChartView | None:
    """The last QUARTERS_SHOWN quarters as a ChartView; None when there are none."""
    series = quarterly(points)[-QUARTERS_SHOWN:]
    if not series:
        return None
    top = max(float(p.value) for p in series) * 1.15 or 1.0
    step = _step(top)
    gridlines = tuple((round(v / top * 100, 2), number(v)) for v in range(0, int(top) + 1, step))
    bars = tuple(
        ChartBar(p.period, number(p.value), round(float(p.value) / top * 100, 2), *_tick(p, i == 0),
                 latest=i == len(series) - 1)
        for i, p in enumerate(series)
    )
    last = series[-1]
    first_label, last_label = release_period_label(series[0].period), release_period_label(last.period)
    return ChartView(
        bars=bars,
        gridlines=gridlines,
        latest_label=f"Latest: {last_label}, {number(last.value)}",
        description=(f"Bar chart of potential victims referred to the NRM each quarter, from {first_label} to "
                     f"{last_label}. Latest quarter, {last_label}: {number(last.value)}."),
        title=f"Referrals by quarter; latest {last_label}",
    )
