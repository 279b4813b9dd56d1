"""What the store changed since a publish: the questions a publish asks before it rebuilds anything.

A publish keeps, beside its output, the keys below and the store's own latest recording time (a
watermark, never the wall clock). The next publish compares keys (a handful of aggregate queries),
and when they moved asks for the rows recorded since the watermark, so it rebuilds only the files
those rows appear in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store import models as m
from store.queries import last_reading_at
from vocabulary.periods import period_order


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@dataclass(frozen=True)
class PublishKeys:
    """Cheap summaries of each part of what the site shows: a part whose key did not move is as it was."""

    items: str  # publications, their releases and figures, the sources: the feeds and the index page
    tables: str  # the data tables and the figures their pages show: open data and release pages
    announcements: str  # the release calendar
    watermark: datetime | None  # the latest time the store recorded anything the site shows
    last_reading: datetime | None  # the briefing archive grows a week when a reading starts one
    releases: dict[str, list[Any]]  # release_states: which releases changed since the last publish


def publish_keys(session: Session) -> PublishKeys:
    """The keys of every part, in eight aggregate queries."""
    pubs = session.execute(select(
        func.count(), func.max(m.Publication.id), func.max(m.Publication.amended_at), func.max(m.Publication.updated),
        func.max(m.Publication.published), func.max(m.Publication.first_seen))).one()
    figures = session.execute(select(func.count(), func.max(m.Figure.id), func.max(m.Figure.value_num))).one()
    releases = session.execute(select(func.count(), func.max(m.StatisticsRelease.updated),
                                      func.max(m.StatisticsRelease.last_seen))).one()
    sources = session.execute(select(func.count(), func.max(m.Source.title), func.max(m.Source.last_strategy))).one()
    tables = session.execute(select(func.count(), func.max(m.DataTable.id))).one()
    calendar = session.execute(select(func.count(), func.max(m.StatisticsAnnouncement.first_seen),
                                      func.max(m.StatisticsAnnouncement.changed_at))).one()
    stamps = [_aware(at) for at in (pubs[2], pubs[5], releases[2], calendar[1], calendar[2])]
    return PublishKeys(
        items=repr((tuple(pubs), tuple(figures), tuple(releases), tuple(sources), tuple(tables))),
        tables=repr((tuple(tables), tuple(figures), tuple(releases))),
        announcements=repr(tuple(calendar)),
        watermark=max((at for at in stamps if at is not None), default=None),
        last_reading=last_reading_at(session),
        releases=release_states(session),
    )


@dataclass(frozen=True)
class ChangedItem:
    """A publication recorded (new or amended) since a time: the dates that place it in the archive."""

    id: int
    kind: str
    first_seen: datetime
    amended_at: datetime | None
    updated: datetime | None
    published: datetime | None


def changed_since(session: Session, since: datetime) -> list[ChangedItem]:
    """The publications first seen or amended at or after `since`."""
    rows = session.execute(
        select(m.Publication.id, m.Publication.kind, m.Publication.first_seen, m.Publication.amended_at,
               m.Publication.updated, m.Publication.published)
        .where(or_(m.Publication.first_seen >= since, m.Publication.amended_at >= since))
    ).all()
    return [ChangedItem(row.id, row.kind, _aware(row.first_seen) or since, _aware(row.amended_at),
                        _aware(row.updated), _aware(row.published)) for row in rows]


def release_states(session: Session) -> dict[str, list[Any]]:
    """Period -> [published, updated, figures, latest figure id] of every release, in one query: a
    publish compares them with its last ones to find the releases that changed."""
    rows = session.execute(
        select(m.StatisticsRelease.period, m.StatisticsRelease.published, m.StatisticsRelease.updated,
               func.count(m.Figure.id), func.max(m.Figure.id))
        .outerjoin(m.Figure, m.Figure.release_id == m.StatisticsRelease.id)
        .group_by(m.StatisticsRelease.id, m.StatisticsRelease.period, m.StatisticsRelease.published,
                  m.StatisticsRelease.updated)
    ).all()
    return {period: [_iso(published), _iso(updated), count, latest] for period, published, updated, count, latest in rows}


def _iso(at: datetime | None) -> str | None:
    aware = _aware(at)
    return aware.isoformat() if aware else None


def release_periods_with_tables(session: Session) -> list[str]:
    """The periods of the releases whose data tables are stored (each has a page), oldest first."""
    periods = session.execute(
        select(m.StatisticsRelease.period).where(m.StatisticsRelease.id.in_(select(m.DataTable.release_id)))
    ).scalars().all()
    return sorted(periods, key=period_order)
