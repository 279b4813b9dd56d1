"""The chart of quarterly NRM referrals: a PNG for the email, an HTML bar chart for the index page.

The PNG is drawn by Matplotlib (imported when the first chart is drawn; Agg canvas, no pyplot: no
global figure state, safe in worker threads), byte-for-byte repeatable (fixed Software string, no dates), with large type so it stays
legible when a phone shrinks it. The page's chart is plain HTML and CSS (`ChartView`, laid out by
templates/chart.html.j2): its text is real text at the page's own size at any width, and the bars
stretch to the width of the screen.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Sequence

from feeds.formatting import is_number, number, release_period_label
from store.read import SeriesPoint
from vocabulary.periods import is_period, is_quarter, parse_period

BAR = "#8fb3d9"
LATEST = "#1d4f91"
INK = "#1f2933"
MUTED = "#52606d"
CREATOR = "msbrief"
QUARTERS_SHOWN = 12  # three years: the bars stay wide enough for their labels on a phone

_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 13,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}


def quarterly(points: Sequence[SeriesPoint]) -> list[SeriesPoint]:
    """The quarterly points with a number, oldest first (year totals and gaps left out)."""
    return sorted((p for p in points if is_period(p.period) and is_quarter(p.period) and is_number(p.value)),
                  key=lambda p: p.period)


def _tick(point: SeriesPoint, first: bool) -> tuple[str, str]:
    """("Q3", "2023") under a year's first quarter or the first bar, ("Q4", "") otherwise."""
    year, quarter = parse_period(point.period)
    return f"Q{quarter}", str(year) if first or quarter == 1 else ""


def referrals_chart(points: Sequence[SeriesPoint]) -> bytes:
    """A PNG bar chart of the last QUARTERS_SHOWN quarters of referrals; the latest darker and labelled."""
    # Matplotlib is imported by the one function that draws with it: seconds of imports on a small
    # machine, which the feeds and the index page (an HTML chart) never need.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = quarterly(points)[-QUARTERS_SHOWN:]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(6, 3.6), dpi=200)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if series:
            _draw(ax, series)
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No quarterly referral figures yet", ha="center", va="center", color=MUTED,
                    transform=ax.transAxes)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": CREATOR})
    return out.getvalue()


def _draw(ax, series: list[SeriesPoint]) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    xs = range(len(series))
    values = [p.value for p in series]
    colours = [BAR] * (len(series) - 1) + [LATEST]
    ax.bar(xs, values, color=colours, width=0.75)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(int(v))))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#d9e2ec", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(["\n".join(_tick(p, i == 0)).strip() for i, p in enumerate(series)])
    ax.set_xlim(-0.6, len(series) - 0.4)
    ax.set_ylim(0, max(values) * 1.22)
    last = series[-1]
    ax.annotate(number(last.value), xy=(len(series) - 1, last.value), xytext=(0, 4), textcoords="offset points",
                ha="right", va="bottom", color=LATEST, fontweight="bold")
    ax.set_title(f"Referrals by quarter; latest {release_period_label(last.period)}", loc="left", color=INK,
                 fontsize=13, pad=10)


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
    )
