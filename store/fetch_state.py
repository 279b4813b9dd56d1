"""Fetch state: what one source knows about each URL it asked for (validators, robots.txt, failures).

Read once per source run (`load`: one query) and written once (`record`: one read of the rows the
run touched, one multi-row upsert), in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.records import FetchRecord
from store import models as m
from store.upsert import upsert_many

Validators = tuple[str | None, str | None]


@dataclass
class FetchSnapshot:
    """One source's fetch state as it stood when its run began."""

    validators: dict[str, Validators] = field(default_factory=dict)  # url -> (ETag, Last-Modified)
    robots: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # robots.txt url -> (text, fetched)

    def validators_of(self, url: str) -> Validators:
        """The (ETag, Last-Modified) to send back for `url`; (None, None) when there are none."""
        return self.validators.get(url, (None, None))

    def robots_text(self, url: str, *, max_age: timedelta, now: datetime) -> str | None:
        """The robots.txt kept for `url` when it was fetched within `max_age` of `now`."""
        kept = self.robots.get(url)
        return kept[0] if kept and now - kept[1] <= max_age else None


def load(session: Session, source: str) -> FetchSnapshot:
    """Everything `source` stored about the URLs it fetched, in one query."""
    snapshot = FetchSnapshot()
    rows = session.execute(
        select(m.FetchState.url, m.FetchState.etag, m.FetchState.last_modified, m.FetchState.cached_body,
               m.FetchState.last_success_at).where(m.FetchState.source == source)
    )
    for url, etag, last_modified, body, success_at in rows:
        if etag or last_modified:
            snapshot.validators[url] = (etag, last_modified)
        if body is not None and success_at is not None:
            snapshot.robots[url] = (body, success_at)
    return snapshot


_COLUMNS = ("source", "url", "etag", "last_modified", "last_status", "last_error", "consecutive_failures",
            "last_fetched_at", "last_success_at", "cached_body")


def record(session: Session, source: str, records: Sequence[FetchRecord], *, at: datetime) -> None:
    """Remember the outcome of each request. Validators are kept from a 304 and on errors; errors count up."""
    if not records:
        return
    urls = list(dict.fromkeys(r.url for r in records))
    stored = {
        row.url: row
        for row in session.execute(
            select(*(getattr(m.FetchState, c) for c in _COLUMNS)).where(
                m.FetchState.source == source, m.FetchState.url.in_(urls))
        )
    }
    rows: dict[str, dict[str, object]] = {}
    for rec in records:  # in request order: a later record of the same URL wins
        before = rows.get(rec.url) or (dict(stored[rec.url]._mapping) if rec.url in stored else
                                       {c: None for c in _COLUMNS} | {"source": source, "url": rec.url,
                                                                       "consecutive_failures": 0})
        row = dict(before, last_status=rec.status, last_fetched_at=at)
        if rec.error:
            row.update(last_error=rec.error, consecutive_failures=_count(before["consecutive_failures"]) + 1)
        else:
            row.update(last_error=None, consecutive_failures=0, last_success_at=at)
            if rec.cache_body is not None:
                row["cached_body"] = rec.cache_body
            if rec.status != 304:
                row.update(etag=rec.etag, last_modified=rec.last_modified)
        rows[rec.url] = row
    upsert_many(session, m.FetchState.__table__, list(rows.values()), conflict=("source", "url"),
                update=_COLUMNS[2:])


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0
