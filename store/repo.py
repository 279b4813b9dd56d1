"""Idempotent writes. The session is always the first argument and the caller owns the transaction.

Running the same ingest twice leaves the same rows; a changed title or update date is recorded
as an Amendment of the existing publication, never as a new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from scrapers import records
from store import models as m
from store import publications, releases
from store.models import now
from store.publications import Outcome, Saved
from store.upsert import insert_ignore, rowcount
from vocabulary.calendar import long_date

__all__ = ["Outcome", "Saved"]  # and the functions below
SOURCE_IDS = "msbrief_source_ids"  # session.info key: the ids of the sources this transaction has locked


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
    claim_source(session, name, ok=ok, strategy=strategy, error=error)


def claim_source(session: Session, name: str, *, ok: bool, title: str = "", home_url: str = "",
                 strategy: str | None = None, error: str | None = None) -> int:
    """Record how this run of source `name` went and keep its row locked until the transaction
    ends; its id. The source is created on first use.

    One UPDATE: it takes the row lock that ensure_source takes with SELECT ... FOR UPDATE, so a
    store that claims its source first queues behind any other store of it. Failures count up
    until the next success.
    """
    table, at = m.Source.__table__, now()
    values: dict[str, object] = {"last_run_at": at, "last_status": "ok" if ok else "failed"}
    if title:
        values["title"] = title
    if home_url:
        values["home_url"] = home_url
    if strategy:
        values["last_strategy"] = strategy
    if ok:
        values.update(last_success_at=at, last_error=None, consecutive_failures=0)
    else:
        values.update(last_error=error, consecutive_failures=func.coalesce(table.c.consecutive_failures, 0) + 1)
    stmt = update(table).where(table.c.name == name).values(values).returning(table.c.id)
    source_id = session.execute(stmt).scalar_one_or_none()
    if source_id is None:
        insert_ignore(session, table, {"name": name, "title": title or name, "home_url": home_url,
                                       "consecutive_failures": 0}, ["name"])
        source_id = session.execute(stmt).scalar_one()
    session.info.setdefault(SOURCE_IDS, {})[name] = source_id
    return source_id


# --- publications and releases, one at a time (the batch writers are store.publications and store.releases) ---


def upsert_publication(session: Session, pub: records.Publication, *, seen_at: datetime | None = None) -> Saved:
    """Store one normalised publication of its source (see store.publications.save)."""
    return publications.save(session, _source_id(session, pub.source), [pub], seen_at=seen_at)[0]


def upsert_release(session: Session, rel: records.Release, *, publication_id: int | None = None) -> tuple[Saved, int]:
    """Store one release and its figures; (saved release, number of new figure statements)."""
    saved, new_figures = releases.save(session, [rel], publication_ids={rel.page_url: publication_id} if publication_id else {})
    return saved[0], new_figures


def _source_id(session: Session, name: str) -> int:
    """The id of source `name` (created and locked on first use in this transaction)."""
    ids = session.info.setdefault(SOURCE_IDS, {})
    return ids.get(name) or ids.setdefault(name, ensure_source(session, name))


# --- statistics announcements ----------------------------------------------------------------


def announcement_row(ann: records.Announcement, *, source_id: int, at: datetime) -> dict[str, object]:
    """The statistics_announcements row of an announcement first seen `at`."""
    return {"source_id": source_id, "url": ann.url, "title": ann.title, "period": ann.period, "state": ann.state,
            "release_at": ann.release_at, "release_date_text": ann.release_date_text,
            "previous_dates": list(ann.previous_dates), "cancellation_reason": ann.cancellation_reason,
            "change_note": ann.change_note, "first_seen": at, "last_seen": at}


def upsert_announcement(session: Session, ann: records.Announcement) -> Saved:
    """Store an announced release (normalised: canonical URL); a moved date keeps the old one in `previous_dates`."""
    source_id = _source_id(session, ann.source)
    url = ann.url
    row = session.execute(
        select(m.StatisticsAnnouncement).where(m.StatisticsAnnouncement.url == url)
    ).scalar_one_or_none()
    release_at = ann.release_at
    if row is None:
        new_id = insert_ignore(session, m.StatisticsAnnouncement.__table__,
                               announcement_row(ann, source_id=source_id, at=now()), ["url"])
        if new_id is not None:
            return Saved(new_id, "new")
        row = session.execute(
            select(m.StatisticsAnnouncement).where(m.StatisticsAnnouncement.url == url)
        ).scalar_one()
    changed = False
    if release_at != row.release_at or ann.release_date_text != row.release_date_text:
        old = row.release_date_text or (long_date(row.release_at) if row.release_at else None)
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
    if ann.change_note and ann.change_note != row.change_note:  # kept when a later reading gives none
        row.change_note = ann.change_note
        changed = True
    row.period = ann.period or row.period
    row.last_seen = now()
    if changed:
        row.changed_at = now()
        return Saved(row.id, "amended")
    return Saved(row.id, "unchanged")


# --- sources' runs -----------------------------------------------------------------------------


def last_success(session: Session, source: str) -> tuple[datetime | None, str | None]:
    """When the source last succeeded and the strategy it was read with (None, None before any)."""
    row = session.execute(
        select(m.Source.last_success_at, m.Source.last_strategy).where(m.Source.name == source)
    ).first()
    return (row[0], row[1]) if row else (None, None)


# --- runs ------------------------------------------------------------------------------------


def start_run(session: Session, *, flow_run_id: str | None = None) -> int:
    table = m.Run.__table__
    return session.execute(insert(table).values(started_at=now(), status="running", flow_run_id=flow_run_id)
                           .returning(table.c.id)).scalar_one()


def record_source_run(session: Session, run_id: int, source: str, **counts: object) -> None:
    """Store what one source did in a run (status, strategy, requests, not_modified, bytes, ...)."""
    session.execute(insert(m.SourceRun.__table__).values(run_id=run_id, source=source, finished_at=now(), **counts))


def finish_run(session: Session, run_id: int, *, status: str) -> None:
    table = m.Run.__table__
    done = session.execute(update(table).where(table.c.id == run_id).values(status=status, finished_at=now()))
    assert rowcount(done) == 1, f"run {run_id!r} does not exist"
