"""Units of work: each function here is one transaction on an engine.

pipeline/ calls these and never opens a session itself; the modules they use (repo, publications,
releases, fetch_state, queries) take a session that the function here owns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from scrapers.records import FetchRecord, Release, SourceResult
from store import fetch_state, publications, queries, releases, repo, tables
from store.db import Engine, read_session, transaction
from store.fetch_state import FetchSnapshot
from store.publications import Saved
from store.read import Statement

# Checks each release found against every other statement (scrapers.nrm's cross-release check):
# (the releases found, the stored statements of the metrics it compares) -> the releases as checked.
ReleaseCheck = Callable[[list[Release], list[Statement]], list[Release]]


@dataclass(frozen=True)
class FetchContext:
    """What a source's fetch needs from the store, read before its first request."""

    state: FetchSnapshot
    succeeded_at: datetime | None  # None: the source never succeeded (its whole archive is walked)
    previous_strategy: str | None


def fetch_context(engine: Engine, source: str) -> FetchContext:
    """The source's validators, cached robots.txt and last success, in one read-only transaction."""
    with read_session(engine) as s:
        state = fetch_state.load(s, source)
        succeeded_at, strategy = repo.last_success(s, source)
    return FetchContext(state, succeeded_at, strategy)


def known_urls(engine: Engine, source: str) -> set[str]:
    """Every canonical URL through which a stored item of `source` is reachable."""
    with read_session(engine) as s:
        return publications.known_urls(s, source)


def known_versions(engine: Engine, source: str) -> dict[str, tuple[datetime | None, str | None]]:
    """Every canonical URL of a stored item of `source`, with that item's version: when it last
    changed and its latest change note (publications.known_versions)."""
    with read_session(engine) as s:
        return publications.known_versions(s, source)


@dataclass
class SourceRunOutcome:
    """One source's run as the store records it: how it went, what it read, what it fetched."""

    source: str
    title: str
    home_url: str
    result: SourceResult | None  # None when the run failed
    log: Sequence[FetchRecord]
    error: str | None = None
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    # a release's page URL (as given) -> the index in result.publications of the item that is its page
    release_pages: dict[str, int] = field(default_factory=dict)

    @property
    def strategy(self) -> str | None:
        return self.result.strategy if self.result else None


@dataclass
class SavedRun:
    """What saving a source run stored: each publication's outcome (in order), the releases as
    checked, the figure statements added, and every warning recorded with the run."""

    saved: list[Saved] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    figures: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.saved if s.outcome == outcome)


def save_source_run(engine: Engine, run_id: int | None, run: SourceRunOutcome, *, check: ReleaseCheck,
                    cross_release_metrics: frozenset[str], seen_at: datetime | None = None) -> SavedRun:
    """Store one source run in a single transaction: its outcome (which locks the source's row, so
    two stores of one source queue), its items, releases and announcements, its fetch state and
    its run record. A failed run stores no items and keeps the old validators."""
    at = datetime.now(UTC)
    done = SavedRun(warnings=list(run.warnings))
    with transaction(engine) as s:
        source_id = repo.claim_source(s, run.source, ok=not run.error, title=run.title, home_url=run.home_url,
                                      strategy=run.strategy, error=run.error)
        if run.result is not None and not run.error:
            _save_result(s, source_id, run, done, check=check, metrics=cross_release_metrics, seen_at=seen_at or at)
        fetch_state.record(s, run.source, [r for r in run.log if r.error or not run.error], at=at)
        if run_id is not None:
            repo.record_source_run(
                s, run_id, run.source, status="failed" if run.error else "ok", strategy=run.strategy,
                requests=run.requests, not_modified=run.not_modified, bytes=run.bytes, new=done.count("new"),
                amended=done.count("amended"), figures=done.figures, error=run.error, warnings=done.warnings,
            )
    return done


def _save_result(s: Session, source_id: int, run: SourceRunOutcome, done: SavedRun, *,
                 check: ReleaseCheck, metrics: frozenset[str], seen_at: datetime) -> None:
    result = run.result
    assert result is not None
    done.saved = publications.save(s, source_id, result.publications, seen_at=seen_at)
    if result.releases:
        done.releases = check(result.releases, list(queries.statements(s, metrics)))
        ids = {r.page_url: done.saved[run.release_pages[r.page_url]].id for r in done.releases
               if r.page_url in run.release_pages}
        stored, done.figures = releases.save(s, done.releases, publication_ids=ids)
        done.warnings += [f"{rel.period}: {w}" for rel in done.releases for w in rel.warnings]
        done.warnings += [f"{rel.period}: {w}" for rel, saved in zip(done.releases, stored, strict=True) if rel.workbooks
                          for w in tables.changes_from_previous(s, saved.id)]  # tables gone since the last release
    for ann in result.announcements:
        repo.upsert_announcement(s, ann)


def start_run(engine: Engine, *, flow_run_id: str = "") -> int:
    """Record the start of a run (a cycle, or one deployment's single-source run); its id."""
    with transaction(engine) as s:
        return repo.start_run(s, flow_run_id=flow_run_id)


def finish_run(engine: Engine, run_id: int, *, failed: bool) -> None:
    """Record how the run ended."""
    with transaction(engine) as s:
        repo.finish_run(s, run_id, status="failed" if failed else "ok")


def confirmed_releases(engine: Engine, source: str, *, after: datetime) -> list[tuple[str, datetime]]:
    """(announcement URL, release time) of every confirmed release `source` announced, due after `after`."""
    with read_session(engine) as s:
        return queries.confirmed_releases(s, source, after=after)
