"""A metric's series by period: the latest statement of each period, with the revisions it made.

Every release's statement of a figure is stored (store.models.Figure). For a series, each period
takes the statement of the latest release that states it; earlier releases' statements are kept as
`revisions`. Releases also restate earlier periods under other metric names (the 2023-Q2 release's
`previous_period_referrals` is its statement of 2023-Q1's `total_referrals`): those count as
statements of the metric they restate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from store import models as m
from store.read import SeriesPoint
from vocabulary.metrics import restated_by
from vocabulary.periods import PERIOD_KINDS, period_order

__all__ = ["SeriesPoint", "series", "PERIOD_KINDS"]


def _kind_ok(period: str, periods: str) -> bool:
    if periods == "all":
        return True
    return period.endswith("year") if periods == "year" else "-Q" in period


def series(session: Session, metric: str, *, periods: str = "quarter",
           before: datetime | None = None) -> list[SeriesPoint]:
    """`metric` by period (oldest first), each the latest release's statement, earlier ones as revisions.

    `periods` is "quarter" (the default: the quarterly series), "year" or "all"; `before` keeps only
    releases published before that time (the series as it stood then).
    """
    if periods not in PERIOD_KINDS:
        raise ValueError(f"periods={periods!r}: expected one of {', '.join(PERIOD_KINDS)}")
    metrics = (metric, *restated_by(metric))
    rows = session.execute(
        select(m.Figure.period, m.Figure.value, m.StatisticsRelease.period, m.StatisticsRelease.published)
        .join(m.StatisticsRelease, m.Figure.release_id == m.StatisticsRelease.id)
        .where(m.Figure.metric.in_(metrics), m.Figure.withheld_reason.is_(None))
        .where(m.StatisticsRelease.published < before if before is not None else true())
    ).all()
    statements: dict[str, list[tuple[tuple[Any, ...], str, Any]]] = {}
    for period, value, release_period, published in rows:
        if _kind_ok(period, periods):
            order = (period_order(release_period), published.timestamp() if published else float("inf"))
            statements.setdefault(period, []).append((order, release_period, value))
    points = []
    for period in sorted(statements, key=period_order):
        said = sorted(statements[period], key=lambda s: s[0])
        *earlier, (_, release_period, value) = said
        points.append(SeriesPoint(period=period, value=value, release_period=release_period,
                                  revisions=tuple((rp, v) for _, rp, v in earlier)))
    return points
