"""Read the store into feeds.build.SiteData: one snapshot for the feeds and the index page."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feeds.build import TOPIC, SiteData
from store import queries
from store.db import session_factory
from store.series import series


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
        latest_release=queries.latest_release(session, with_figures=True),  # headline numbers
        referrals=series(session, "total_referrals"),
        source_titles={s.name: s.title for s in queries.source_health(session)},
    )
