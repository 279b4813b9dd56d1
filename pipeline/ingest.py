"""Ingest one source without Prefect: fetch and parse (network), normalise, then store (one transaction).

The split keeps the database out of the network phase and makes the store phase atomic: the
items, the new validators (ETag/Last-Modified) and the source's outcome are committed together,
so a crash can never leave validators that would hide items we did not store. The Prefect flows
(flows/ingest.py) and the in-process cycle (pipeline/cycle.py) both call `ingest_source`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pipeline.reports import SourceReport
from pipeline.settings import Settings
from pipeline.sources import SourceSpec, source
from scrapers.adapter import Stored
from scrapers.errors import ScraperError
from scrapers.hosts import HostPolicy
from scrapers.http import Deadlines, HttpClient, Limits, Politeness, RetryPolicy
from scrapers.normalise import canonical_url, normalise_fetch_log, normalise_result, unbase
from scrapers.nrm import ReleaseIndex
from scrapers.records import FetchRecord, Release, SourceResult
from store import units
from store.db import DatabaseUnavailable, Engine, driver_reason
from store.fetch_state import FetchSnapshot
from store.read import Statement
from vocabulary.metrics import RESTATEMENTS

log = logging.getLogger("pipeline.ingest")

ROBOTS_MAX_AGE = timedelta(hours=24)  # RFC 9309 §2.4: a cached robots.txt may be used for a day
# A locked or dropped database gets two more tries, after up to 4 s and then 8 s.
STORE_RETRY = RetryPolicy(max_retries=2, backoff_base=4.0, backoff_max=8.0)
# The metrics a release's cross-release check compares: restatements and what they restate.
CROSS_RELEASE_METRICS = frozenset(RESTATEMENTS) | frozenset(RESTATEMENTS.values())


@dataclass
class Fetched:
    """What the network phase of one source produced (or why it failed)."""

    source: str
    result: SourceResult | None
    log: list[FetchRecord]
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def state_url(settings: Settings, spec: SourceSpec, url: str) -> str:
    """The real-site URL fetch state is kept under, wherever the source is fetched from (the mirror)."""
    canonical, base = spec.adapter().SOURCE.canonical_base, spec.base_url(settings)
    parts, base_parts = urlsplit(url), urlsplit(base)
    if parts.path == "/robots.txt" and parts.netloc == base_parts.netloc:
        # robots.txt lives at the host root, outside a base URL with a path (the mirror's folders)
        real = urlsplit(canonical)
        return f"{real.scheme}://{real.netloc}/robots.txt"
    return unbase(url, canonical, base)


def http_options(settings: Settings) -> dict[str, Any]:
    """The HTTP client's value objects (deadlines, politeness, retries, limits) as the settings say."""
    return {
        "deadlines": Deadlines(connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
                               request_deadline=settings.request_deadline, source_deadline=settings.source_deadline),
        "politeness": Politeness(rate_limit_per_host=settings.rate_limit_per_host,
                                 concurrency_per_host=settings.concurrency_per_host, obey_robots=settings.obey_robots),
        "retry": RetryPolicy(max_retries=settings.max_retries),
        "limits": limits_of(settings),
    }


def limits_of(settings: Settings) -> Limits:
    """What one source may make msbrief read and parse (scrapers/limits.py), as the settings say."""
    return Limits(max_response_bytes=settings.max_response_bytes, max_document_bytes=settings.max_document_bytes,
                  max_elements=settings.max_elements, max_attributes=settings.max_attributes,
                  max_items_per_page=settings.max_items_per_page,
                  max_items_per_source=settings.max_items_per_source,
                  max_announcements=settings.max_announcements)


def make_client(settings: Settings, spec: SourceSpec, *, state: FetchSnapshot | None = None,
                cls: type[HttpClient] = HttpClient) -> HttpClient:
    """The HTTP client of one source run, as the settings say; with the source's fetch `state`,
    conditional GETs send back the stored validators and robots.txt comes from the store's cache."""
    client = cls(settings.http_user_agent, spec.name,
                 hosts=HostPolicy.for_source(spec.adapter().SOURCE, spec.base_url(settings)),
                 **http_options(settings))
    if state is not None:
        client.validators = lambda url: state.validators_of(state_url(settings, spec, url))
        client.robots_cache = lambda url: state.robots_text(state_url(settings, spec, url), max_age=ROBOTS_MAX_AGE,
                                                            now=datetime.now(UTC))
    return client


class KnownUrls:
    """`is_known` for an adapter: whether a URL leads to a stored item of the source (and, for
    `stored`, which version of it). The stored URLs are read in one query on the first question,
    in a read-only transaction of their own."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine, self.name = engine, name
        self._urls: dict[str, tuple[datetime | None, str | None]] | None = None
        self._lock = threading.Lock()

    def _versions(self) -> dict[str, tuple[datetime | None, str | None]]:
        with self._lock:
            if self._urls is None:
                self._urls = units.known_versions(self.engine, self.name)
            return self._urls

    def __call__(self, url: str) -> bool:
        return canonical_url(url) in self._versions()

    def stored(self, url: str) -> Stored | None:
        """The version the store has of the item at `url` (None when it has none)."""
        found = self._versions().get(canonical_url(url))
        return Stored(*found) if found is not None else None


def fetch(settings: Settings, engine: Engine, name: str, *, backfill: bool | None = None,
          release_links: tuple[str, ...] = ()) -> Fetched:
    """Run one adapter against its configured base URL. Never raises for source trouble.

    `release_links`: release pages to read whether or not the source's listing has them yet (the
    release-day watch found them; only a source that announces releases takes them).

    What the fetch needs from the store (validators, robots.txt, the last success) is read once, in
    one read-only transaction, before the first request; the URLs already known are read once too,
    when the adapter first asks (a run whose listings all answer 304 asks nothing).
    """
    spec = source(name)
    context = units.fetch_context(engine, name)
    state, succeeded_at, previous_strategy = context.state, context.succeeded_at, context.previous_strategy
    is_known = KnownUrls(engine, name)
    client = make_client(settings, spec, state=state)
    if backfill is None:
        backfill = succeeded_at is None  # a source that never succeeded gets its whole archive walked

    extra: dict[str, Any] = {"stored": is_known.stored, "last_read": succeeded_at} if spec.stored_versions else {}
    if release_links:
        extra["release_links"] = release_links

    def collect(backfill: bool) -> SourceResult:
        return spec.collect(client, settings, is_known=is_known, backfill=backfill, **extra)

    result: SourceResult | None = None
    error: str | None = None
    try:
        result = collect(backfill)
        if not backfill and previous_strategy and result.strategy != previous_strategy:
            # The last run read the source another way (a fallback feed may carry only the newest
            # items): what is stored is not a complete archive for this strategy, so walk all of it.
            log.info("source %s: strategy changed from %r to %r; walking the whole archive", name,
                     previous_strategy, result.strategy)
            result = collect(True)
    except ScraperError as exc:
        error = str(exc)
        log.error("source %s failed: %s", name, error)
    except Exception as exc:  # noqa: BLE001 - an adapter bug must fail its source, never the others
        error = f"[{name}] unexpected {exc.__class__.__name__} in the adapter: {exc}"[:2000]
        log.exception("source %s failed", name)
    warnings: list[str] = []
    if result is not None:
        log.info("source %s read with strategy %r", name, result.strategy)
        result = normalise_result(result, limits=client.limits)
        warnings = list(result.warnings)
    records, dropped = normalise_fetch_log(replace(rec, url=state_url(settings, spec, rec.url)) for rec in client.log)
    return Fetched(
        source=name,
        result=result,
        log=records,
        requests=client.stats.requests,
        not_modified=client.stats.not_modified,
        bytes=client.stats.bytes,
        error=error,
        warnings=warnings + dropped,
    )


def store(engine: Engine, run_id: int | None, fetched: Fetched, *, seen_at: datetime | None = None) -> SourceReport:
    """Write one source's results, fetch state and outcome in a single transaction.

    When the data cannot be stored (the database refuses it), the source is recorded as failed in
    a transaction of its own, so source health sees it; the reason is one line, never the SQL. A
    lost or locked database (DatabaseUnavailable) is raised: nothing was stored.
    """
    try:
        return _store(engine, run_id, fetched, seen_at=seen_at)
    except DatabaseUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - bad data fails this source alone, with its reason
        reason = f"[{fetched.source}] could not store what was fetched: {driver_reason(exc)}"
        log.error("%s", reason)
        return _store(engine, run_id, replace(fetched, result=None, error=reason), seen_at=seen_at)


def _store(engine: Engine, run_id: int | None, fetched: Fetched, *, seen_at: datetime | None) -> SourceReport:
    info = source(fetched.source).adapter().SOURCE
    result = fetched.result
    pages = {canonical_url(p.url): i for i, p in enumerate(result.publications)} if result else {}
    run = units.SourceRunOutcome(
        source=fetched.source, title=info.title, home_url=info.home_url, result=result, log=fetched.log,
        error=fetched.error, requests=fetched.requests, not_modified=fetched.not_modified, bytes=fetched.bytes,
        warnings=list(fetched.warnings),
        release_pages={r.page_url: pages[canonical_url(r.page_url)] for r in (result.releases if result else ())
                       if canonical_url(r.page_url) in pages},
    )
    done = units.save_source_run(engine, run_id, run, check=_checked_against_each_other,
                                 cross_release_metrics=CROSS_RELEASE_METRICS, seen_at=seen_at)
    report = SourceReport(
        name=fetched.source, status="failed" if fetched.error else "ok", requests=fetched.requests,
        not_modified=fetched.not_modified, bytes=fetched.bytes, error=fetched.error, strategy=run.strategy,
        warnings=done.warnings, new=done.count("new"), amended=done.count("amended"), figures=done.figures,
    )
    for pub, saved in zip(result.publications if result and not fetched.error else (), done.saved, strict=True):
        if saved.outcome in ("new", "amended"):
            (report.new_items if saved.outcome == "new" else report.amended_items).append((pub.title, pub.url))
    report.figure_rows = [
        {"release": rel.period, "period": f.period, "metric": f.metric, "value": f.value, "unit": f.unit,
         "evidence": f.evidence}
        for rel in done.releases for f in rel.figures
    ]
    return report


def ingest_source(settings: Settings, engine: Engine, name: str, *, run_id: int | None = None,
                  backfill: bool | None = None, release_links: tuple[str, ...] = ()) -> SourceReport:
    """Fetch, normalise and store one source; its report (status "failed" with the reason if it failed).
    `release_links`: release pages to read as well (see `fetch`).

    A lost or locked database while storing is tried again (STORE_RETRY) with what was fetched; the
    last failure is raised.
    """
    fetched = fetch(settings, engine, name, backfill=backfill, release_links=release_links)
    attempts = STORE_RETRY.retrying(retry_on=DatabaseUnavailable, describe=driver_reason, level=logging.WARNING,
                                    what=f"source {name}: database trouble while storing")
    return attempts(store, engine, run_id, fetched)


def _checked_against_each_other(found: list[Release], stored: list[Statement]) -> list[Release]:
    """FIGURES.md's cross-release check: each release against what every other release said (stored,
    or found in this run), whatever the order they come in; linear in the figures."""
    index = ReleaseIndex()
    fresh = {rel.period for rel in found}
    by_release: dict[str, list[Statement]] = {}
    for stated in stored:
        if stated.release not in fresh:  # this run's statement of a release replaces the stored one
            by_release.setdefault(stated.release, []).append(stated)
    for period, figures in by_release.items():
        index.add(period, figures)
    for rel in found:
        index.add(rel.period, rel.figures)
    return [index.check(rel).applied_to(rel) for rel in found]
