"""Queries for the briefing's "In Parliament": a week's written questions and statements, and the
official NRM figures of the periods they quote (store/read.py's ParliamentWeek)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import models as m
from store import queries
from store.read import FeedItem, OfficialFigure, ParliamentWeek
from vocabulary.periods import period_order

ANSWERED = ("holding", "answered", "corrected")
LATEST_LOOKED_AT = 50  # the source's most recently changed items searched for the latest answer


def official_figures(session: Session, wanted: Iterable[tuple[str, str]]) -> tuple[OfficialFigure, ...]:
    """The published figure of each (metric, period) wanted, as the latest release stating it says it."""
    wanted = set(wanted)
    if not wanted:
        return ()
    rows = session.execute(
        select(m.Figure.metric, m.Figure.period, m.Figure.value, m.StatisticsRelease.period,
               m.StatisticsRelease.title, m.StatisticsRelease.bulletin_url, m.StatisticsRelease.page_url)
        .join(m.StatisticsRelease, m.Figure.release_id == m.StatisticsRelease.id)
        .where(m.Figure.metric.in_({metric for metric, _ in wanted}),
               m.Figure.period.in_({period for _, period in wanted}), m.Figure.withheld_reason.is_(None))
    ).all()
    latest: dict[tuple[str, str], tuple[tuple[int, int], OfficialFigure]] = {}
    for metric, period, value, release, title, bulletin, page in rows:
        if (metric, period) not in wanted:
            continue
        order = period_order(release)
        if (metric, period) not in latest or order > latest[(metric, period)][0]:
            latest[(metric, period)] = (order, OfficialFigure(metric, period, value, title, bulletin or page))
    return tuple(figure for _, figure in sorted(latest.values(), key=lambda pair: (pair[1].metric, pair[1].period)))


def _answered(item: FeedItem) -> bool:
    return item.parliament is not None and item.parliament.kind == "question" and item.parliament.state in ANSWERED


def parliament_week(session: Session, *, source: str, start: datetime, end: datetime, since: datetime,
                    attribution: str = "") -> ParliamentWeek:
    """The source's items around the week [start, end) (changes back to `since`), its latest answer
    before the week ended, and the official figures of the periods they quote."""
    items = tuple(i for i in queries.changed_between(session, start, end, since=since) if i.source == source)
    recent = queries.recently_changed(session, source=source, before=end, limit=LATEST_LOOKED_AT)
    latest = next((i for i in recent if _answered(i)), None)
    quoted = {(f.metric, f.period) for i in (*items, *([latest] if latest else [])) if i.parliament
              for f in i.parliament.figures}
    return ParliamentWeek(source=source, items=items, latest=latest, official=official_figures(session, quoted),
                          attribution=attribution)
