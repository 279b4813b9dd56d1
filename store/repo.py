"""Idempotent writes. The session is always the first argument and the caller owns the transaction.

Running the same ingest twice leaves the same rows; a changed title or update date is recorded
as an Amendment of the existing publication, never as a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers import records
from store import models as m
from store.models import now
from store.upsert import insert_ignore, insert_or_update

Outcome = Literal["new", "amended", "unchanged"]


@dataclass(frozen=True)
class Saved:
    """The result of one upsert."""

    id: int
    outcome: Outcome


# --- sources ---------------------------------------------------------------------------------


def ensure_source(session: Session, name: str, *, title: str = "", home_url: str = "") -> int:
    """The id of source `name`, created on first use; its row stays locked until the transaction ends.

    The lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    writers) makes two stores of the same source queue instead of interleaving: otherwise both
    read a publication before either commits and record the same change as two amendments.
    """
    insert_ignore(
        session,
        m.Source.__table__,
        {"name": name, "title": title or name, "home_url": home_url, "consecutive_failures": 0},
        ["name"],
    )
    src = session.execute(select(m.Source).where(m.Source.name == name).with_for_update()).scalar_one()
    if title and src.title != title:
        src.title = title
    if home_url and src.home_url != home_url:
        src.home_url = home_url
    return src.id


def record_source_outcome(
    session: Session, name: str, *, ok: bool, strategy: str | None = None, error: str | None = None
) -> None:
    """Remember how the last run of a source went; failures count up until the next success."""
    src = session.execute(select(m.Source).where(m.Source.name == name)).scalar_one()
    at = now()
    src.last_run_at = at
    src.last_status = "ok" if ok else "failed"
    if strategy:
        src.last_strategy = strategy
    if ok:
        src.last_success_at = at
        src.last_error = None
        src.consecutive_failures = 0
    else:
        src.last_error = error
        src.consecutive_failures = (src.consecutive_failures or 0) + 1


# --- publications ----------------------------------------------------------------------------


def find_publication(session: Session, pub: records.Publication) -> m.Publication | None:
    """The stored row for `pub` (normalised): by key, by any known URL variant, then by title + date."""
    row = session.execute(select(m.Publication).where(m.Publication.key == pub.key)).scalar_one_or_none()
    if row:
        return row
    row = session.execute(
        select(m.Publication).join(m.PublicationUrl).where(m.PublicationUrl.url.in_(pub.url_variants))
    ).scalars().first()
    if row:
        return row
    if pub.title_key:
        return session.execute(
            select(m.Publication).where(m.Publication.title_key == pub.title_key).order_by(m.Publication.id)
        ).scalars().first()
    return None


def is_known_url(session: Session, url: str) -> bool:
    """True when some stored publication is reachable through canonical URL `url` (any variant)."""
    return session.execute(select(m.PublicationUrl.id).where(m.PublicationUrl.url == url)).first() is not None


def upsert_publication(session: Session, pub: records.Publication, *, seen_at: datetime | None = None) -> Saved:
    """Store `pub` (normalised: keys filled, UTC datetimes) once; a changed title or update date is an amendment."""
    seen_at = seen_at or now()
    # one lookup (and lock) of the source per transaction, not one per item
    ids = session.info.setdefault("msbrief_source_ids", {})
    source_id = ids.get(pub.source) or ids.setdefault(pub.source, ensure_source(session, pub.source))
    published, updated = pub.published, pub.updated
    row = find_publication(session, pub)
    if row is None:
        new_id = insert_ignore(
            session,
            m.Publication.__table__,
            {
                "source_id": source_id,
                "key": pub.key,
                "title_key": pub.title_key,
                "external_id": pub.external_id,
                "url": pub.url,
                "title": pub.title,
                "kind": pub.kind,
                "summary": pub.summary,
                "topics": list(pub.topics),
                # An item without a date keeps the date it was first seen, flagged as estimated.
                "published": published or seen_at,
                "updated": updated,
                "date_estimated": pub.date_estimated or published is None,
                "first_seen": seen_at,
                "last_seen": seen_at,
                "amendment_count": 0,
                "change_note": pub.change_note,
            },
            ["key"],
        )
        if new_id is not None:
            _add_urls(session, new_id, pub)
            _sync_attachments(session, new_id, pub.attachments)
            return Saved(new_id, "new")
        row = find_publication(session, pub)  # another writer inserted it first
        assert row is not None

    changes: dict[str, list[str | None]] = {}
    if pub.title and pub.title != row.title:
        changes["title"] = [row.title, pub.title]
    if updated and updated != row.updated:
        changes["updated"] = [_iso(row.updated), _iso(updated)]
    if published and row.date_estimated:
        changes["published"] = [_iso(row.published), _iso(published)]
    row.last_seen = seen_at
    row.summary = pub.summary or row.summary
    row.topics = list(pub.topics) or row.topics
    _add_urls(session, row.id, pub)
    _sync_attachments(session, row.id, pub.attachments)
    if not changes:
        return Saved(row.id, "unchanged")
    if "title" in changes:
        row.title = pub.title
        row.title_key = pub.title_key
    if "updated" in changes:
        row.updated = updated
    if "published" in changes:
        row.published = published
        row.date_estimated = False
    row.change_note = pub.change_note or row.change_note
    # A date found for a formerly undated item is a correction, not news: no amendment entry.
    if set(changes) == {"published"}:
        return Saved(row.id, "unchanged")
    row.amended_at = seen_at
    row.amendment_count = (row.amendment_count or 0) + 1
    session.add(m.Amendment(publication_id=row.id, at=seen_at, changes=changes, note=pub.change_note))
    return Saved(row.id, "amended")


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _add_urls(session: Session, publication_id: int, pub: records.Publication) -> None:
    for url in pub.url_variants:
        insert_ignore(session, m.PublicationUrl.__table__, {"url": url, "publication_id": publication_id}, ["url"])


def _sync_attachments(session: Session, publication_id: int, attachments: tuple[records.Attachment, ...]) -> None:
    for a in attachments:
        insert_or_update(
            session,
            m.Attachment.__table__,
            {
                "publication_id": publication_id,
                "url": a.url,
                "title": a.title,
                "content_type": a.content_type,
                "size": a.size,
                "filename": a.filename,
            },
            ["publication_id", "url"],
            ["title", "content_type", "size", "filename"],
        )


# --- statistics releases and figures ---------------------------------------------------------


def upsert_release(session: Session, rel: records.Release, *, publication_id: int | None = None) -> tuple[Saved, int]:
    """Store a release and its figures; (saved release, number of new figure statements)."""
    existing = session.execute(
        select(m.StatisticsRelease).where(m.StatisticsRelease.period == rel.period)
    ).scalar_one_or_none()
    outcome: Outcome = "unchanged"
    if existing is None:
        rid = insert_ignore(
            session,
            m.StatisticsRelease.__table__,
            {
                "publication_id": publication_id,
                "period": rel.period,
                "title": rel.title,
                "page_url": rel.page_url,
                "bulletin_url": rel.bulletin_url,
                "published": rel.published,
                "updated": rel.updated,
                "warnings": list(rel.warnings),
                "change_notes": [list(c) for c in rel.change_notes],
                "first_seen": now(),
                "last_seen": now(),
            },
            ["period"],
        )
        if rid is not None:
            outcome = "new"
        existing = session.execute(
            select(m.StatisticsRelease).where(m.StatisticsRelease.period == rel.period)
        ).scalar_one()
    else:
        if (rel.title != existing.title or rel.updated != existing.updated
                or [list(c) for c in rel.change_notes] != existing.change_notes):
            outcome = "amended"
        existing.title = rel.title
        existing.page_url = rel.page_url
        existing.bulletin_url = rel.bulletin_url or existing.bulletin_url
        existing.published = rel.published or existing.published
        existing.updated = rel.updated or existing.updated
        existing.warnings = list(rel.warnings)
        existing.change_notes = [list(c) for c in rel.change_notes]
        existing.last_seen = now()
        if publication_id:
            existing.publication_id = publication_id
    new_figures = sum(
        upsert_figure(session, existing.id, f, source_url=rel.bulletin_url or rel.page_url) for f in rel.figures
    )
    return Saved(existing.id, outcome), new_figures


def upsert_figure(session: Session, release_id: int, fig: records.Figure, *, source_url: str) -> bool:
    """Store one statement of a release; a changed value keeps the old one in `history`. True if new."""
    values = {
        "release_id": release_id,
        "period": fig.period,
        "metric": fig.metric,
        "value": fig.value,
        "value_num": float(fig.value) if isinstance(fig.value, (int, float)) and not isinstance(fig.value, bool) else None,
        "unit": fig.unit,
        "evidence": fig.evidence,
        "source_url": source_url,
        "first_seen": now(),
        "history": [],
    }
    if insert_ignore(session, m.Figure.__table__, values, ["release_id", "period", "metric"]) is not None:
        return True
    row = session.execute(
        select(m.Figure).where(
            m.Figure.release_id == release_id, m.Figure.period == fig.period, m.Figure.metric == fig.metric
        )
    ).scalar_one()
    if row.value != fig.value or row.evidence != fig.evidence:
        row.history = [*row.history, {"value": row.value, "evidence": row.evidence, "replaced_at": now().isoformat()}]
        row.value = fig.value
        row.value_num = values["value_num"]
        row.unit = fig.unit
        row.evidence = fig.evidence
    return False


# --- statistics announcements ----------------------------------------------------------------


def upsert_announcement(session: Session, ann: records.Announcement) -> Saved:
    """Store an announced release (normalised: canonical URL); a moved date keeps the old one in `previous_dates`."""
    source_id = ensure_source(session, ann.source)
    url = ann.url
    row = session.execute(
        select(m.StatisticsAnnouncement).where(m.StatisticsAnnouncement.url == url)
    ).scalar_one_or_none()
    release_at = ann.release_at
    if row is None:
        new_id = insert_ignore(
            session,
            m.StatisticsAnnouncement.__table__,
            {
                "source_id": source_id,
                "url": url,
                "title": ann.title,
                "period": ann.period,
                "state": ann.state,
                "release_at": release_at,
                "release_date_text": ann.release_date_text,
                "previous_dates": list(ann.previous_dates),
                "cancellation_reason": ann.cancellation_reason,
                "first_seen": now(),
                "last_seen": now(),
            },
            ["url"],
        )
        if new_id is not None:
            return Saved(new_id, "new")
        row = session.execute(
            select(m.StatisticsAnnouncement).where(m.StatisticsAnnouncement.url == url)
        ).scalar_one()
    changed = False
    if release_at != row.release_at or ann.release_date_text != row.release_date_text:
        old = row.release_date_text or _iso(row.release_at)
        previous = list(row.previous_dates)
        for d in (*ann.previous_dates, old):
            if d and d not in previous and d != ann.release_date_text:
                previous.append(d)
        row.previous_dates = previous
        row.release_at = release_at
        row.release_date_text = ann.release_date_text
        changed = True
    if ann.state != row.state or ann.title != row.title or ann.cancellation_reason != row.cancellation_reason:
        row.state = ann.state
        row.title = ann.title
        row.cancellation_reason = ann.cancellation_reason
        changed = True
    row.period = ann.period or row.period
    row.last_seen = now()
    if changed:
        row.changed_at = now()
        return Saved(row.id, "amended")
    return Saved(row.id, "unchanged")


# --- fetch state -----------------------------------------------------------------------------


def get_validators(session: Session, url: str) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) stored for `url`, to send back on the next request."""
    row = session.execute(
        select(m.FetchState.etag, m.FetchState.last_modified).where(m.FetchState.url == url)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def record_fetch(
    session: Session,
    url: str,
    *,
    status: int | None,
    etag: str | None = None,
    last_modified: str | None = None,
    error: str | None = None,
    cached_body: str | None = None,
) -> None:
    """Remember the outcome of one request. Validators are kept from a 304; errors count up."""
    at = now()
    row = session.execute(select(m.FetchState).where(m.FetchState.url == url)).scalar_one_or_none()
    if row is None:
        insert_ignore(session, m.FetchState.__table__, {"url": url, "consecutive_failures": 0}, ["url"])
        row = session.execute(select(m.FetchState).where(m.FetchState.url == url)).scalar_one()
    row.last_status = status
    row.last_fetched_at = at
    if error:
        row.last_error = error
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        return
    row.last_error = None
    row.consecutive_failures = 0
    row.last_success_at = at
    if cached_body is not None:
        row.cached_body = cached_body
    if status != 304:
        row.etag = etag
        row.last_modified = last_modified


def cached_body(session: Session, url: str, *, max_age: timedelta) -> str | None:
    """The body kept for `url` (robots.txt) if it was fetched successfully within `max_age`."""
    row = session.execute(
        select(m.FetchState.cached_body, m.FetchState.last_success_at).where(m.FetchState.url == url)
    ).first()
    if row is None or row[0] is None or row[1] is None or now() - row[1] > max_age:
        return None
    return row[0]


def last_success(session: Session, source: str) -> tuple[datetime | None, str | None]:
    """When the source last succeeded and the strategy it was read with (None, None before any)."""
    row = session.execute(
        select(m.Source.last_success_at, m.Source.last_strategy).where(m.Source.name == source)
    ).first()
    return (row[0], row[1]) if row else (None, None)


# --- runs ------------------------------------------------------------------------------------


def start_run(session: Session, *, flow_run_id: str | None = None) -> int:
    run = m.Run(started_at=now(), status="running", flow_run_id=flow_run_id)
    session.add(run)
    session.flush()
    return run.id


def record_source_run(session: Session, run_id: int, source: str, **counts: object) -> None:
    """Store what one source did in a run (status, strategy, requests, not_modified, bytes, ...)."""
    session.add(m.SourceRun(run_id=run_id, source=source, finished_at=now(), **counts))


def finish_run(session: Session, run_id: int, *, status: str) -> None:
    run = session.get(m.Run, run_id)
    assert run is not None, f"run {run_id!r} does not exist"
    run.status = status
    run.finished_at = now()
