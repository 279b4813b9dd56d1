"""Queries that build read models (store/read.py) for feeds, the index page and the briefing."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from store import models as m
from store.read import FeedItem, FigureView, ReleaseView, SourceHealth, Statement, UpcomingRelease


def _release_view(rel: m.StatisticsRelease) -> ReleaseView:
    return ReleaseView(
        period=rel.period,
        title=rel.title,
        page_url=rel.page_url,
        bulletin_url=rel.bulletin_url,
        published=rel.published,
        updated=rel.updated,
        figures=tuple(  # published figures only: a withheld one is for operators, never for readers
            FigureView(f.metric, f.value, f.unit, f.evidence, f.period, f.source_url) for f in rel.figures
            if f.withheld_reason is None
        ),
        warnings=tuple(rel.warnings or ()),
    )


def _amendment_note(pub: m.Publication) -> str | None:
    if not pub.amendments:
        return None
    last = pub.amendments[-1]
    parts = []
    for field, (old, new) in sorted(last.changes.items()):
        if field == "title":
            parts.append(f"title changed from {old!r}")
        elif field == "updated":
            parts.append(f"updated {(new or '')[:10]}")
        else:
            parts.append(f"{field} changed")
    note = "; ".join(parts)
    return f"{note}: {last.note}" if last.note else note


def _feed_item(pub: m.Publication, releases: dict[int, ReleaseView]) -> FeedItem:
    return FeedItem(
        id=pub.id,
        key=pub.key,
        source=pub.source.name,
        source_title=pub.source.title,
        url=pub.url,
        title=pub.title,
        kind=pub.kind,
        summary=pub.summary or "",
        topics=tuple(pub.topics or ()),
        published=pub.published,
        updated=pub.updated,
        date_estimated=pub.date_estimated,
        first_seen=pub.first_seen,
        amended_at=pub.amended_at,
        amendment_note=_amendment_note(pub),
        release=releases.get(pub.id),
    )


def _items(session: Session, stmt: Select) -> list[FeedItem]:
    pubs = session.execute(
        stmt.options(selectinload(m.Publication.source), selectinload(m.Publication.amendments))
    ).scalars().all()
    ids = [p.id for p in pubs]
    rels = session.execute(
        select(m.StatisticsRelease)
        .where(m.StatisticsRelease.publication_id.in_(ids))
        .options(selectinload(m.StatisticsRelease.figures))
    ).scalars().all() if ids else []
    releases = {r.publication_id: _release_view(r) for r in rels if r.publication_id is not None}
    return [_feed_item(p, releases) for p in pubs]


def feed_items(
    session: Session,
    *,
    source: str | None = None,
    kind: str | None = None,
    topic: str | None = None,
    limit: int | None = None,
) -> list[FeedItem]:
    """Publications newest first (by publication date, then id), optionally filtered."""
    stmt = select(m.Publication).join(m.Source)
    if source:
        stmt = stmt.where(m.Source.name == source)
    if kind:
        stmt = stmt.where(m.Publication.kind == kind)
    stmt = stmt.order_by(m.Publication.published.desc(), m.Publication.id.desc())
    if topic is None:
        return _items(session, stmt.limit(limit) if limit else stmt)
    # Topics are a JSON list (portable across SQLite and PostgreSQL): filter in Python.
    items = [i for i in _items(session, stmt) if topic in i.topics]
    return items[:limit] if limit else items


def changed_between(session: Session, start: datetime, end: datetime) -> list[FeedItem]:
    """Publications first seen or amended in [start, end), newest first."""
    stmt = (
        select(m.Publication)
        .join(m.Source)
        .where(
            or_(
                and_(m.Publication.first_seen >= start, m.Publication.first_seen < end),
                and_(m.Publication.amended_at >= start, m.Publication.amended_at < end),
            )
        )
        .order_by(m.Publication.published.desc(), m.Publication.id.desc())
    )
    return _items(session, stmt)


def latest_release(
    session: Session, *, before: datetime | None = None, with_figures: bool = False
) -> ReleaseView | None:
    """The most recently published statistics release (published before `before`; having figures)."""
    stmt = select(m.StatisticsRelease).options(selectinload(m.StatisticsRelease.figures))
    if before is not None:
        stmt = stmt.where(m.StatisticsRelease.published < before)
    if with_figures:
        stmt = stmt.where(m.StatisticsRelease.figures.any(m.Figure.withheld_reason.is_(None)))
    rel = session.execute(
        stmt.order_by(m.StatisticsRelease.published.desc(), m.StatisticsRelease.id.desc()).limit(1)
    ).scalar_one_or_none()
    return _release_view(rel) if rel else None


def releases(session: Session) -> list[ReleaseView]:
    """Every statistics release, oldest period first."""
    rels = session.execute(
        select(m.StatisticsRelease).options(selectinload(m.StatisticsRelease.figures)).order_by(m.StatisticsRelease.period)
    ).scalars().all()
    return [_release_view(r) for r in rels]


def statements(session: Session, metrics: Iterable[str]) -> list[Statement]:
    """Every published statement of `metrics` by every release (withheld ones are not statements)."""
    rows = session.execute(
        select(m.StatisticsRelease.period, m.Figure.metric, m.Figure.period, m.Figure.value)
        .join(m.StatisticsRelease, m.Figure.release_id == m.StatisticsRelease.id)
        .where(m.Figure.metric.in_(list(metrics)), m.Figure.withheld_reason.is_(None))
    )
    return [Statement(*row) for row in rows]


def upcoming_releases(session: Session, *, after: datetime) -> list[UpcomingRelease]:
    """Announced releases due at or after `after` (and undated provisional ones), soonest first."""
    rows = session.execute(
        select(m.StatisticsAnnouncement)
        .where(or_(m.StatisticsAnnouncement.release_at >= after, m.StatisticsAnnouncement.release_at.is_(None)))
        .order_by(m.StatisticsAnnouncement.release_at, m.StatisticsAnnouncement.id)
    ).scalars().all()
    return [
        UpcomingRelease(
            title=a.title,
            url=a.url,
            state=a.state,
            release_at=a.release_at,
            release_date_text=a.release_date_text,
            previous_dates=tuple(a.previous_dates or ()),
            cancellation_reason=a.cancellation_reason,
        )
        for a in rows
    ]


def confirmed_releases(session: Session, source: str, *, after: datetime) -> list[tuple[str, datetime]]:
    """(announcement URL, release time) of every confirmed release `source` announced, due after `after`."""
    rows = session.execute(
        select(m.StatisticsAnnouncement.url, m.StatisticsAnnouncement.release_at).join(m.Source).where(
            m.Source.name == source, m.StatisticsAnnouncement.state == "confirmed",
            m.StatisticsAnnouncement.release_at > after)
    ).all()
    return [(url, at) for url, at in rows]


def source_health(session: Session) -> list[SourceHealth]:
    """Every source with the outcome of its latest run, by name."""
    rows = session.execute(select(m.Source).order_by(m.Source.name)).scalars().all()
    return [
        SourceHealth(
            name=s.name,
            title=s.title,
            last_status=s.last_status,
            last_error=s.last_error,
            last_run_at=s.last_run_at,
            last_success_at=s.last_success_at,
            consecutive_failures=s.consecutive_failures or 0,
            last_strategy=s.last_strategy,
        )
        for s in rows
    ]


def failed_sources_between(session: Session, start: datetime, end: datetime) -> dict[str, str]:
    """Sources that failed in some run in [start, end): name -> the latest error."""
    rows = session.execute(
        select(m.SourceRun.source, m.SourceRun.error)
        .where(m.SourceRun.status == "failed", m.SourceRun.finished_at >= start, m.SourceRun.finished_at < end)
        .order_by(m.SourceRun.id)
    ).all()
    return {name: error or "failed" for name, error in rows}


def change_fingerprint(session: Session) -> str:
    """A cheap summary of everything the feeds and index page show; it moves whenever they would."""
    parts = [
        session.execute(select(func.count(), func.max(m.Publication.id), func.max(m.Publication.amended_at),
                               func.max(m.Publication.updated), func.max(m.Publication.published))).one(),
        session.execute(select(func.count(), func.max(m.Figure.id), func.max(m.Figure.value_num))).one(),
        session.execute(select(func.count(), func.max(m.StatisticsRelease.updated),
                               func.max(m.StatisticsRelease.last_seen))).one(),
        session.execute(select(func.count(), func.max(m.Source.title))).one(),
    ]
    return repr(parts)
