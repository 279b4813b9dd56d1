"""Queries that build read models (store/read.py) for feeds, the index page and the briefing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from store import models as m
from store import tables
from store.read import (
    Change,
    CheckView,
    FeedItem,
    FigureView,
    ReleaseTables,
    ReleaseView,
    Revision,
    SourceHealth,
    Statement,
    UpcomingRelease,
    parliament_record,
)
from vocabulary.metrics import RESTATEMENTS
from vocabulary.periods import period_order
from vocabulary.tables import TABLE_METRICS, sheet_label
from vocabulary.weeks import week_of


def _revisions(session: Session, rel: m.StatisticsRelease, figures: tuple[FigureView, ...] = ()
               ) -> tuple[Revision, ...]:
    """The earlier periods `rel` restates differently from what their own releases said: in its
    bulletin, and in its tables (`figures` that a table gives for another period)."""
    restating: list[Any] = [f for f in _published(rel) if f.metric in RESTATEMENTS and f.period != rel.period
                            and isinstance(f.value_num, float)]
    restating += [_Restated(f.period, f.metric, f.value) for f in figures
                  if f.table and f.period != rel.period and f.metric in RESTATED and f.metric not in RESTATEMENTS]
    if not restating:
        return ()
    own = session.execute(
        select(m.StatisticsRelease.period, m.Figure.metric, m.Figure.value)
        .join(m.Figure, m.Figure.release_id == m.StatisticsRelease.id)
        .where(m.StatisticsRelease.period.in_({f.period for f in restating}),
               m.Figure.period == m.StatisticsRelease.period,
               m.Figure.metric.in_({RESTATEMENTS.get(f.metric, f.metric) for f in restating}),
               m.Figure.withheld_reason.is_(None))
    ).all()
    said = {(period, metric): value for period, metric, value in own}
    found = []
    for f in restating:
        metric = RESTATEMENTS.get(f.metric, f.metric)
        was = said.get((f.period, metric))
        if isinstance(was, (int, float)) and not isinstance(was, bool) and was != f.value:
            found.append(Revision(f.period, metric, was, f.value))
    return tuple(dict.fromkeys(found))


class _Restated(NamedTuple):
    """A table's statement of an earlier period, restated like a bulletin's restatement."""

    period: str
    metric: str
    value: Any


RESTATED = frozenset(RESTATEMENTS.values())  # the metrics later releases restate (total_referrals, dtn_count)


def _has_figures() -> ColumnElement[bool]:
    """A release with published figures: its bulletin's, or a data table that gives some."""
    return or_(m.StatisticsRelease.figures.any(m.Figure.withheld_reason.is_(None)),
               m.StatisticsRelease.id.in_(select(m.DataTable.release_id)
                                          .where(m.DataTable.key.in_({t.table for t in TABLE_METRICS}))))


def _latest_period_with_figures(session: Session) -> tuple[int, int] | None:
    periods = session.execute(select(m.StatisticsRelease.period).where(_has_figures())).scalars().all()
    return max((period_order(p) for p in periods), default=None)


def _published(rel: m.StatisticsRelease) -> list[m.Figure]:
    """A release's figures readers may see: a withheld one is for operators only."""
    return [f for f in rel.figures if f.withheld_reason is None]


def _check(row: dict[str, Any]) -> CheckView:
    return CheckView(**{k: row.get(k) for k in CheckView.__dataclass_fields__})  # type: ignore[arg-type]


def _figure_views(rel: m.StatisticsRelease, session: Session | None) -> tuple[FigureView, ...]:
    """The release's bulletin figures (the table's value where its table contradicts one), then the
    figures only its tables give (with a session)."""
    checks = {(c.metric, c.period): c for c in map(_check, rel.table_checks or [])}
    views = []
    for f in _published(rel):
        c = checks.get((f.metric, f.period))
        if c is None:
            views.append(FigureView(f.metric, f.value, f.unit, f.evidence, f.period, f.source_url))
        elif c.outcome == "matches":
            views.append(FigureView(f.metric, f.value, f.unit, f.evidence, f.period, f.source_url,
                                    table=sheet_label(c.sheet), cell=c.cell, check=c.note))
        else:
            views.append(FigureView(f.metric, c.found, f.unit, f.evidence, f.period, f.source_url,
                                    table=sheet_label(c.sheet), cell=c.cell, note=c.note))
    if session is not None:
        stated = {(v.metric, v.period) for v in views}
        views += [FigureView(t.metric, t.value, "count", "", t.period, rel.page_url, table=t.table, cell=t.cell)
                  for t in tables.release_figures(session, rel.id, rel.period) if (t.metric, t.period) not in stated]
    return tuple(views)


def _release_view(rel: m.StatisticsRelease, session: Session | None = None) -> ReleaseView:
    """The read model of `rel`; with a session, also its revisions, the figures only its tables
    give, and whether figures are awaited."""
    figures = _figure_views(rel, session)
    awaiting = False
    if session is not None and not figures:
        latest = _latest_period_with_figures(session)
        awaiting = latest is None or period_order(rel.period) > latest
    return ReleaseView(
        period=rel.period,
        title=rel.title,
        page_url=rel.page_url,
        bulletin_url=rel.bulletin_url,
        published=rel.published,
        updated=rel.updated,
        figures=figures,
        warnings=tuple(str(w) for w in rel.warnings or ()),
        revisions=_revisions(session, rel, figures) if session is not None else (),
        awaiting_figures=awaiting,
        checks=tuple(map(_check, rel.table_checks or [])),
        has_tables=session is not None and tables.has_tables(session, rel.id),
    )


def _what_changed(changes: dict) -> str:
    """What msbrief saw change, in plain words ("title changed from 'Old'", "withdrawn")."""
    parts = []
    for field, values in sorted((changes or {}).items()):
        old = values[0] if isinstance(values, (list, tuple)) and values else None
        if field == "title":
            parts.append(f"title changed from \u201c{old}\u201d" if old else "title changed")
        elif field == "updated":
            parts.append("page updated")
        elif field == "withdrawn":
            parts.append("withdrawn")
        elif field == "document_type":
            parts.append("document type changed")
        else:
            parts.append(f"{field.replace('_', ' ')} changed")
    return "; ".join(parts)


def _changes(pub: m.Publication) -> tuple[Change, ...]:
    """The publication's changes, newest first: its amendments, and the source's latest change note
    when no amendment carries it (the history a document came with on its first sight)."""
    found = [Change(at=a.at, note=(a.note or "").strip(), what=_what_changed(a.changes),
                    seen=a.recorded_at or a.at)
             for a in pub.amendments]
    note = (pub.change_note or "").strip()
    if note and pub.updated and not any(c.note == note for c in found):
        found.append(Change(at=pub.updated, note=note, what="", seen=pub.first_seen))
    return tuple(sorted(found, key=lambda c: c.at, reverse=True))


def first_readings(session: Session) -> dict[str, datetime]:
    """When each source's first successful reading finished (its backfill): source name -> time."""
    rows = session.execute(
        select(m.SourceRun.source, func.min(m.SourceRun.finished_at))
        .where(m.SourceRun.status == "ok").group_by(m.SourceRun.source)
    ).all()
    return {name: at.replace(tzinfo=UTC) if at.tzinfo is None else at for name, at in rows if at}


def _feed_item(pub: m.Publication, releases: dict[int, ReleaseView], readings: dict[str, datetime]) -> FeedItem:
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
        published=pub.published or pub.first_seen,  # stored for every item; undated: first seen
        updated=pub.updated,
        date_estimated=pub.date_estimated,
        first_seen=pub.first_seen,
        amended_at=pub.amended_at,
        changes=_changes(pub),
        archive=_archive(pub.date_estimated, pub.source.name, pub.first_seen, readings),
        release=releases.get(pub.id),
        parliament=parliament_record(pub.parliament),
    )


def _archive(date_estimated: bool, source: str, first_seen: datetime, readings: dict[str, datetime]) -> bool:
    """An undated item found in its source's first reading (it sorts after every dated entry)."""
    return bool(date_estimated) and source in readings and first_seen <= readings[source]


def feed_stubs(session: Session) -> list[FeedItem]:
    """Every publication as a FeedItem with only what files it in a feed and orders it there (source,
    kind, topics, dates; no summary, changes or release), in one query: to choose the items a
    publish loads in full (`feed_items_by_id`) when feeds show only their newest entries."""
    readings = first_readings(session)
    rows = session.execute(
        select(m.Publication.id, m.Publication.key, m.Source.name, m.Publication.kind, m.Publication.topics,
               m.Publication.published, m.Publication.updated, m.Publication.date_estimated, m.Publication.first_seen,
               m.Publication.amended_at).join(m.Source)
    ).all()
    return [FeedItem(id=r.id, key=r.key, source=r.name, source_title="", url="", title="", kind=r.kind, summary="",
                     topics=tuple(r.topics or ()), published=r.published or r.first_seen, updated=r.updated,
                     date_estimated=r.date_estimated, first_seen=r.first_seen, amended_at=r.amended_at,
                     archive=_archive(r.date_estimated, r.name, r.first_seen, readings))
            for r in rows]


def feed_items_by_id(session: Session, ids: Iterable[int]) -> list[FeedItem]:
    """The publications `ids` in full, newest first (as feed_items)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return _items(session, select(m.Publication).join(m.Source).where(m.Publication.id.in_(wanted))
                  .order_by(m.Publication.published.desc(), m.Publication.id.desc()))


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
    releases = {r.publication_id: _release_view(r, session) for r in rels if r.publication_id is not None}
    readings = first_readings(session)
    return [_feed_item(p, releases, readings) for p in pubs]


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


def changed_between(session: Session, start: datetime, end: datetime, *, since: datetime | None = None) -> list[FeedItem]:
    """Publications first seen in [start, end), or amended or updated in [since, end), newest first.

    `since` (default `start`) reaches back for changes dated before the week but learned in it;
    the briefing decides which of these are news.
    """
    since = since or start
    stmt = (
        select(m.Publication)
        .join(m.Source)
        .where(
            or_(
                and_(m.Publication.first_seen >= start, m.Publication.first_seen < end),
                and_(m.Publication.amended_at >= since, m.Publication.amended_at < end),
                and_(m.Publication.updated >= since, m.Publication.updated < end, m.Publication.first_seen < end),
            )
        )
        .order_by(m.Publication.published.desc(), m.Publication.id.desc())
    )
    return _items(session, stmt)


def recently_changed(session: Session, *, source: str, before: datetime, limit: int) -> list[FeedItem]:
    """`source`'s publications by their latest dated change or publication before `before`, most recent first."""
    def latest(item: FeedItem) -> datetime | None:
        dates = [c.at for c in item.changes if c.at < before] + ([item.date] if item.date and item.date < before else [])
        return max(dates, default=None)

    dated = [(at, item) for item in feed_items(session, source=source) if (at := latest(item)) is not None]
    dated.sort(key=lambda pair: (pair[0], pair[1].id), reverse=True)
    return [item for _, item in dated[:limit]]


def last_reading_at(session: Session) -> datetime | None:
    """When some source was last read (None before any reading)."""
    at = session.execute(select(func.max(m.Source.last_run_at))).scalar_one_or_none()
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def first_cycle_at(session: Session) -> datetime | None:
    """When msbrief first stored a publication (None for an empty store)."""
    at = session.execute(select(func.min(m.Publication.first_seen))).scalar_one_or_none()
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def first_reading_at(session: Session) -> datetime | None:
    """When msbrief first read a source: its first run record or first stored publication, whichever
    is earlier (None when no source was ever read)."""
    runs = session.execute(select(func.min(m.SourceRun.finished_at))).scalar_one_or_none()
    found = [at.replace(tzinfo=UTC) if at.tzinfo is None else at
             for at in (runs, first_cycle_at(session)) if at is not None]
    return min(found) if found else None


def readings_between(session: Session, start: datetime, end: datetime) -> dict[str, bool]:
    """Sources read in [start, end): name -> True when some reading of it succeeded then."""
    rows = session.execute(
        select(m.SourceRun.source, m.SourceRun.status)
        .where(m.SourceRun.finished_at >= start, m.SourceRun.finished_at < end)
    ).all()
    found: dict[str, bool] = {}
    for name, status in rows:
        found[name] = found.get(name, False) or status == "ok"
    return found


def latest_release(
    session: Session, *, before: datetime | None = None, with_figures: bool = False,
    known_by: datetime | None = None,
) -> ReleaseView | None:
    """The most recently published statistics release (published before `before`; having figures,
    stored before `known_by` when given)."""
    stmt = select(m.StatisticsRelease).options(selectinload(m.StatisticsRelease.figures))
    if before is not None:
        stmt = stmt.where(m.StatisticsRelease.published < before)
    if with_figures:
        stmt = stmt.where(_has_figures())
    if known_by is not None:  # its bulletin (the publication its figures came with) was seen by then
        seen = select(m.Publication.id).where(m.Publication.first_seen < known_by)
        stmt = stmt.where(or_(m.StatisticsRelease.publication_id.is_(None), m.StatisticsRelease.publication_id.in_(seen)))
    rel = session.execute(
        stmt.order_by(m.StatisticsRelease.published.desc(), m.StatisticsRelease.id.desc()).limit(1)
    ).scalar_one_or_none()
    return _release_view(rel, session) if rel else None


def release_of(session: Session, period: str) -> ReleaseView | None:
    """The release of `period` with its revisions and table figures (None when none is stored)."""
    rel = session.execute(
        select(m.StatisticsRelease).options(selectinload(m.StatisticsRelease.figures))
        .where(m.StatisticsRelease.period == period)
    ).scalar_one_or_none()
    return _release_view(rel, session) if rel else None


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


def upcoming_releases(session: Session, *, after: datetime, known_by: datetime | None = None) -> list[UpcomingRelease]:
    """Announced releases due at or after `after` (and undated provisional ones), soonest first; only
    those msbrief had seen before `known_by`, when given (a past week's "coming up")."""
    known = m.StatisticsAnnouncement.first_seen < known_by if known_by is not None else true()
    rows = session.execute(
        select(m.StatisticsAnnouncement)
        .where(or_(m.StatisticsAnnouncement.release_at >= after, m.StatisticsAnnouncement.release_at.is_(None)), known)
        .order_by(m.StatisticsAnnouncement.release_at, m.StatisticsAnnouncement.id)
    ).scalars().all()
    return [_upcoming(a) for a in rows]


def _upcoming(a: m.StatisticsAnnouncement) -> UpcomingRelease:
    def aware(at: datetime | None) -> datetime | None:
        return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at

    return UpcomingRelease(
        title=a.title, url=a.url, state=a.state, release_at=aware(a.release_at), release_date_text=a.release_date_text,
        previous_dates=tuple(a.previous_dates or ()), cancellation_reason=a.cancellation_reason,
        change_note=a.change_note, first_seen=aware(a.first_seen), changed_at=aware(a.changed_at))


def calendar_events(session: Session, *, changed_between: tuple[datetime, datetime] | None = None
                    ) -> list[UpcomingRelease]:
    """Every announced release whose date is confirmed, moved or cancelled (the statistics feed's
    calendar entries; a provisional date is no event yet), most recently changed first; with
    `changed_between` (start, end), only those msbrief saw change in [start, end) (a week's briefing)."""
    query = select(m.StatisticsAnnouncement).order_by(m.StatisticsAnnouncement.id)
    if changed_between:
        start, end = changed_between
        query = query.where(m.StatisticsAnnouncement.changed_at >= start, m.StatisticsAnnouncement.changed_at < end)
    rows = session.execute(query).scalars().all()
    found = [view for view in map(_upcoming, rows) if view.event != "provisional"]
    return sorted(found, key=lambda v: (v.changed_at or v.first_seen or datetime.min.replace(tzinfo=UTC), v.url),
                  reverse=True)


def confirmed_releases(session: Session, source: str, *, after: datetime) -> list[tuple[str, datetime]]:
    """(announcement URL, release time) of every confirmed release `source` announced, due after `after`."""
    rows = session.execute(
        select(m.StatisticsAnnouncement.url, m.StatisticsAnnouncement.release_at).join(m.Source).where(
            m.Source.name == source, m.StatisticsAnnouncement.state == "confirmed",
            m.StatisticsAnnouncement.release_at > after)
    ).all()
    return [(url, at) for url, at in rows if at is not None]


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
        session.execute(select(func.count(), func.max(m.DataTable.id))).one(),  # the open data and release pages
        # the briefing archive gains a week when a reading starts one
        week_of(reading) if (reading := last_reading_at(session)) else "",
    ]
    return repr(parts)


def releases_with_tables(session: Session) -> list[ReleaseTables]:
    """Every release whose data tables are stored, oldest period first: its view (with revisions and
    table figures), its tables with every observation, and the cells it revised."""
    rels = session.execute(
        select(m.StatisticsRelease).where(m.StatisticsRelease.id.in_(select(m.DataTable.release_id)))
        .options(selectinload(m.StatisticsRelease.figures))
    ).scalars().all()
    found = [tables.release_tables(session, _release_view(r, session), r.id) for r in rels]
    return sorted(found, key=lambda t: period_order(t.release.period))
