"""The chart of quarterly NRM referrals, as PNG (email) or SVG (index page), byte-for-byte repeatable.

Matplotlib with the Agg canvas and no pyplot (no global figure state, safe in worker threads).
Repeatable output: a fixed SVG hash salt, no creation date in the metadata, a fixed Software /
Creator string, and glyphs drawn as paths so the SVG needs no fonts.
"""

from __future__ import annotations

import io
from typing import Literal, Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from feeds.formatting import is_number, number, release_period_label  # noqa: E402
from store.read import SeriesPoint  # noqa: E402
from vocabulary.periods import is_period, is_quarter  # noqa: E402

BAR = "#8fb3d9"
LATEST = "#1d4f91"
INK = "#1f2933"
MUTED = "#52606d"
CREATOR = "msbrief"

_RC = {
    "svg.hashsalt": "msbrief-referrals",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}


def quarterly(points: Sequence[SeriesPoint]) -> list[SeriesPoint]:
    """The quarterly points with a number, oldest first (year totals and gaps left out)."""
    return sorted((p for p in points if is_period(p.period) and is_quarter(p.period) and is_number(p.value)), key=lambda p: p.period)


def referrals_chart(points: Sequence[SeriesPoint], *, fmt: Literal["png", "svg"], mark_latest: bool = True) -> bytes:
    """A bar chart of quarterly NRM referrals; the latest quarter darker, its value and period labelled."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format {fmt!r}: expected 'png' or 'svg'")
    series = quarterly(points)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8, 3.6), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if series:
            _draw(ax, series, mark_latest=mark_latest)
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "No quarterly referral figures yet", ha="center", va="center", color=MUTED,
                    transform=ax.transAxes)
        fig.tight_layout()
        out = io.BytesIO()
        if fmt == "svg":
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": CREATOR})
        else:
            fig.savefig(out, format="png", metadata={"Software": CREATOR})
    return out.getvalue()


def _draw(ax, series: list[SeriesPoint], *, mark_latest: bool) -> None:  # type: ignore[no-untyped-def]
    xs = range(len(series))
    values = [p.value for p in series]
    colours = [BAR] * len(series)
    if mark_latest:
        colours[-1] = LATEST
    bars = ax.bar(xs, values, color=colours, width=0.75)
    for bar, point in zip(bars, series):
        bar.set_gid(f"bar-{point.period}")  # the SVG names each bar after its quarter
    ax.set_title("Potential victims referred to the NRM, by quarter", loc="left", color=INK, fontsize=11, pad=24 if mark_latest else 8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(int(v))))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#d9e2ec", linewidth=0.8)
    ax.set_axisbelow(True)
    # One tick per year, at its first quarter in the series; every quarter when the series is short.
    ticks = [(i, p) for i, p in enumerate(series) if len(series) <= 8 or p.period.endswith("Q1") or i == 0]
    ax.set_xticks([i for i, _ in ticks])
    ax.set_xticklabels([p.period.replace("-", " ") if len(series) <= 8 else p.period[:4] for _, p in ticks])
    ax.set_xlim(-0.6, len(series) - 0.4)
    top = max(values)
    ax.set_ylim(0, top * 1.18)
    if mark_latest:
        last = series[-1]
        ax.annotate(number(last.value), xy=(len(series) - 1, last.value), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", color=LATEST, fontweight="bold", gid="latest-value")
        ax.text(0.0, 1.03, f"Latest: {release_period_label(last.period)}, {number(last.value)}",
                transform=ax.transAxes, ha="left", va="bottom", color=LATEST, fontweight="bold", gid="latest-label")
