"""Read the store into feeds.build.SiteData: one snapshot for the feeds and the index page."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feeds.build import TOPIC, SiteData
from feeds.nrm_summary import is_quarter
from store import queries
from store.db import session_factory
from store.read import SeriesPoint


def load_site_data(engine: Engine) -> SiteData:
    """Every item (partitioned per source, statistics, topic), the latest release and the referrals series."""
    with session_factory(engine)() as session:
        return _snapshot(session)


def _snapshot(session: Session) -> SiteData:
    items = queries.feed_items(session)  # one query: the feeds are slices of it
    by_source: dict[str, list] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    return SiteData(
        items=items,
        by_source=by_source,
        statistics=[i for i in items if i.kind == "statistics"],
        topic=[i for i in items if TOPIC in i.topics],
        latest_release=queries.latest_release(session),
        referrals=referral_series(session),
        source_titles={s.name: s.title for s in queries.source_health(session)},
    )


def referral_series(session: Session) -> list[SeriesPoint]:
    """total_referrals by period: store.series when it exists, else derived from the releases."""
    try:
        from store.series import series
    except ModuleNotFoundError as exc:
        if exc.name != "store.series":
            raise
        return _series_from_releases(session, "total_referrals")
    return series(session, "total_referrals")


def _series_from_releases(session: Session, metric: str) -> list[SeriesPoint]:
    """The latest statement of `metric` for each quarter, the earlier statements as revisions."""
    statements: dict[str, list[tuple[str, object]]] = {}
    releases = sorted(queries.releases(session), key=lambda r: (r.published is None, r.published, r.period))
    for rel in releases:  # oldest publication first: later statements revise earlier ones
        for fig in rel.figures:
            if fig.metric == metric and is_quarter(fig.period):
                statements.setdefault(fig.period, []).append((rel.period, fig.value))
    return [
        SeriesPoint(period=period, value=said[-1][1], release_period=said[-1][0], revisions=tuple(said[:-1]))
        for period, said in sorted(statements.items())
    ]
