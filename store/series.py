"""A metric's series by period: the latest statement of each period, with the revisions it made.

Every release's statement of a figure is stored: its bulletin's (store.models.Figure) and its data
tables' (store.models.Observation, read through vocabulary.tables.TABLE_METRICS). For a series,
each period takes the statement of the latest release whose tables give it, else the latest
release whose text states it; every other release's statement is kept as a revision. Releases
also restate earlier periods under other metric names (the 2023-Q2 release's
`previous_period_referrals` is its statement of 2023-Q1's `total_referrals`): those count as
statements of the metric they restate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from store import models as m
from store.read import SeriesPoint
from store.tables import Stored
from vocabulary.metrics import restated_by
from vocabulary.periods import PERIOD_KINDS, period_order
from vocabulary.tables import TableMetric, find, sheet_label, table_metrics

__all__ = ["SeriesPoint", "series", "PERIOD_KINDS", "table_statements"]


class Statement(NamedTuple):
    """One release's statement of a period: its order, the release, the value, where it came from."""

    order: tuple[Any, ...]
    release: str
    value: Any
    table: str  # 'Table 2', or '' for the bulletin's text
    cell: str
    evidence: str


def _kind_ok(period: str, periods: str) -> bool:
    if periods == "all":
        return True
    return period.endswith("year") if periods == "year" else "-Q" in period


def _order(release_period: str, published: datetime | None) -> tuple[Any, ...]:
    return (period_order(release_period), published.timestamp() if published else float("inf"))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def stored_tables(session: Session, keys: set[str], *, before: datetime | None = None
                  ) -> dict[tuple[str, str], tuple[Any, str, list[Stored]]]:
    """(release period, table key) -> (release published, sheet, observations), for tables `keys`."""
    rows = session.execute(
        select(m.StatisticsRelease.period, m.StatisticsRelease.published, m.DataTable.key, m.DataTable.sheet,
               m.Observation.period, m.Observation.dimensions, m.Observation.value, m.Observation.cell)
        .join(m.DataTable, m.DataTable.release_id == m.StatisticsRelease.id)
        .join(m.Observation, m.Observation.table_id == m.DataTable.id)
        .where(m.DataTable.key.in_(keys))
        .where(m.StatisticsRelease.published < before if before is not None else true())
        .order_by(m.Observation.id)
    ).all()
    found: dict[tuple[str, str], tuple[Any, str, list[Stored]]] = {}
    decoded: dict[str, tuple[tuple[str, str], ...]] = {}
    for release, published, key, sheet, period, dims, value, cell in rows:
        entry = found.setdefault((release, key), (published, sheet, []))
        pairs = decoded.get(dims)
        if pairs is None:
            pairs = decoded[dims] = tuple(json.loads(dims).items())
        entry[2].append(Stored(period, pairs, value, cell))
    return found


def _periods(spec: TableMetric, release: str, observations: list[Stored]) -> list[tuple[str, str | None]]:
    """(period stated, period to look up) for every period the table can give."""
    if spec.own_period:
        return [(release, None)] if any(o.period is None for o in observations) else []
    periods = {o.period for o in observations if o.period}
    years = {p[:4] + "-year" for p in periods if "-Q" in p}
    return [(p, p) for p in sorted(periods | years)]


def table_statements(session: Session, metric: str, *, before: datetime | None = None
                     ) -> dict[str, list[Statement]]:
    """Period -> every release's table statement of `metric` (none when no table gives it)."""
    specs = table_metrics(metric)
    if not specs:
        return {}
    tables = stored_tables(session, {s.table for s in specs}, before=before)
    found: dict[str, list[Statement]] = defaultdict(list)
    done: set[tuple[str, str]] = set()
    for spec in specs:
        for (release, key), (published, sheet, observations) in sorted(tables.items()):
            if key != spec.table:
                continue
            for period, look_up in _periods(spec, release, observations):
                if (release, period) in done:
                    continue  # an earlier table of the list already gives it for this release
                cell = find(observations, look_up, spec.labels)
                if cell is None:
                    continue
                done.add((release, period))
                found[period].append(Statement(_order(release, published), release, _number(cell.value),
                                               sheet_label(sheet), cell.cell, ""))
    return found


def text_statements(session: Session, metric: str, *, before: datetime | None = None) -> dict[str, list[Statement]]:
    """Period -> every release's published bulletin statement of `metric` (and its restatements)."""
    metrics = (metric, *restated_by(metric))
    rows = session.execute(
        select(m.Figure.period, m.Figure.value, m.Figure.evidence, m.StatisticsRelease.period,
               m.StatisticsRelease.published)
        .join(m.StatisticsRelease, m.Figure.release_id == m.StatisticsRelease.id)
        .where(m.Figure.metric.in_(metrics), m.Figure.withheld_reason.is_(None))
        .where(m.StatisticsRelease.published < before if before is not None else true())
    ).all()
    found: dict[str, list[Statement]] = defaultdict(list)
    for period, value, evidence, release_period, published in rows:
        found[period].append(Statement(_order(release_period, published), release_period, value, "", "", evidence))
    return found


def series(session: Session, metric: str, *, periods: str = "quarter",
           before: datetime | None = None) -> list[SeriesPoint]:
    """`metric` by period (oldest first): the latest release's table statement where a table gives
    it, else the latest release's text; every other statement as a revision (oldest first).

    `periods` is "quarter" (the default: the quarterly series), "year" or "all"; `before` keeps only
    releases published before that time (the series as it stood then).
    """
    if periods not in PERIOD_KINDS:
        raise ValueError(f"periods={periods!r}: expected one of {', '.join(PERIOD_KINDS)}")
    tables = table_statements(session, metric, before=before)
    texts = text_statements(session, metric, before=before)
    points = []
    for period in sorted(set(tables) | set(texts), key=period_order):
        if not _kind_ok(period, periods):
            continue
        said = sorted(tables.get(period, []) + texts.get(period, []), key=lambda s: (s.order, s.table != ""))
        chosen = max(tables[period], key=lambda s: s.order) if tables.get(period) else said[-1]
        earlier = [s for s in said if s is not chosen]
        points.append(SeriesPoint(period=period, value=chosen.value, release_period=chosen.release,
                                  revisions=tuple((s.release, s.value) for s in earlier),
                                  table=chosen.table, cell=chosen.cell, evidence=chosen.evidence))
    return points
