"""The briefing's chart: quarterly NRM referrals as a PNG bar chart, the latest quarter marked.

(feeds/charts.py is the project's chart module; this small one exists so the briefing does not
depend on work in progress there. Same input: SeriesPoint values in period order.)
"""

from __future__ import annotations

import io
import re
from typing import Sequence

from store.read import SeriesPoint

BAR = "#1d70b8"
LATEST = "#d4351c"  # the latest quarter: a colour no other bar uses (tests look for it)


def _label(period: str) -> str:
    match = re.match(r"^(\d{4})-Q([1-4])$", period)
    return f"Q{match[2]}\n{match[1]}" if match else period


def referrals_png(points: Sequence[SeriesPoint], *, width_px: int = 600, height_px: int = 260) -> bytes:
    """A PNG of `points` (oldest first) as bars, the last one in a contrasting colour and labelled."""
    if not points:
        raise ValueError("points is empty: the chart needs at least one period")
    bad = [p for p in points if isinstance(p.value, bool) or not isinstance(p.value, (int, float))]
    if bad:
        raise ValueError(f"series values must be numbers, got {bad[0].value!r} for {bad[0].period!r}")
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in threads

    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    ax = fig.add_subplot()
    xs = range(len(points))
    values = [p.value for p in points]
    colours = [BAR] * (len(points) - 1) + [LATEST]
    ax.bar(xs, values, color=colours, width=0.7)
    ax.set_xticks(list(xs), [_label(p.period) for p in points], fontsize=7)
    ax.tick_params(axis="y", labelsize=8)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    ax.set_ylim(0, max(values) * 1.18)
    ax.annotate(
        f"{values[-1]:,}", (len(points) - 1, values[-1]), xytext=(0, 3), textcoords="offset points",
        ha="center", va="bottom", fontsize=9, fontweight="bold", color=LATEST,
    )
    ax.set_title("Potential victims referred to the NRM, by quarter", fontsize=10, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
