"""Release day: when a source announces statistics releases, when to read it again, and how.

A release-time run is scheduled at the announced minute of each confirmed release (only
announcements dated within the years msbrief accepts, the soonest MSBRIEF_MAX_ANNOUNCEMENTS of
them; a date that cannot be scheduled is skipped with one warning, never stopping the others).
That run watches (`watch_release`): from the announced minute, every MSBRIEF_RELEASE_POLL_INTERVAL
seconds for at most MSBRIEF_RELEASE_POLL_WINDOW seconds, it asks the source where the announcement
now leads (GOV.UK: the announcement's redirect to the release page, through the Content API, not
the search, which indexes a new page minutes later); once it leads to a release page, the source is
ingested with that page, and the watch stops when the release is stored with its figures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.ingest import ingest_source, make_client
from pipeline.reports import SourceReport
from pipeline.settings import Settings, get_settings
from pipeline.sources import source as source_spec
from scrapers.errors import ScraperError
from scrapers.normalise import canonical_url
from store import queries, units
from store.db import Engine, read_session
from vocabulary.calendar import year_in_range

TAG = "release-watch"

log = logging.getLogger("pipeline.releases")


@dataclass(frozen=True)
class ReleaseRun:
    """A release-time run: the announcement it watches, from the announced minute `at`."""

    announcement: str
    at: datetime


def wanted_release_runs(engine: Engine, source: str, now: datetime, *,
                        limit: int | None = None) -> dict[str, ReleaseRun]:
    """Idempotency key -> release-time run, for the soonest confirmed releases `source` announced
    still to come or still being watched for, at most `limit` (default: MSBRIEF_MAX_ANNOUNCEMENTS) of them."""
    settings = get_settings()
    limit = settings.max_announcements if limit is None else limit
    confirmed = units.confirmed_releases(engine, source, after=now - timedelta(seconds=settings.release_poll_window))
    wanted: dict[str, ReleaseRun] = {}
    for url, at in sorted(confirmed, key=lambda found: found[1]):
        if len(wanted) == limit:
            log.warning("%s: more than %d confirmed releases to come: only the soonest %d scheduled "
                        "(MSBRIEF_MAX_ANNOUNCEMENTS)", source, limit, limit)
            break
        if not year_in_range(at.year):
            log.warning("%s: announcement %s is dated %s, outside the years msbrief accepts: no run scheduled",
                        source, url, at.isoformat())
            continue
        wanted[run_key(url, at)] = ReleaseRun(url, at)
    return wanted


def run_key(announcement: str, at: datetime) -> str:
    """The idempotency key of the release-time run for `announcement` at `at`."""
    return f"{TAG}:{announcement}:{at.isoformat()}"


@dataclass
class Watch:
    """What a release-time run's watch came to: the release page found (or None), how many looks it
    took, and the report of the ingest that stored it (None when nothing was ingested)."""

    announcement: str
    page: str | None = None
    looks: int = 0
    report: SourceReport | None = None
    published_seen_at: datetime | None = None  # when a look first found the announcement leading to the page

    @property
    def summary(self) -> str:
        if self.page is None:
            return (f"{self.announcement}: not published after {self.looks} look(s) within the watch window "
                    "(MSBRIEF_RELEASE_POLL_WINDOW); the scheduled ingests will read it")
        seen = f", first seen at {self.published_seen_at:%H:%M:%S} UTC" if self.published_seen_at else ""
        return f"{self.announcement}: published as {self.page}{seen}, stored with its figures after {self.looks} look(s)"


def published_page(settings: Settings, source: str, announcement: str) -> str | None:
    """Where `announcement` leads now: the release page it was published as, or None (not yet, or the
    source could not be read this time: one warning)."""
    spec = source_spec(source)
    look = getattr(spec.adapter(), "published_release", None)
    if look is None:
        raise ValueError(f"source {source!r} cannot tell where an announcement leads: no release-day watch")
    try:
        return look(make_client(settings, spec), base_url=spec.base_url(settings), announcement_url=announcement)
    except ScraperError as exc:
        log.warning("%s: could not read announcement %s this time: %s", source, announcement, exc)
        return None


def stored_with_figures(engine: Engine, page: str) -> bool:
    """Whether the release at `page` is stored with figures."""
    page = canonical_url(page)
    with read_session(engine) as s:
        return any(r.figures and canonical_url(r.page_url) == page for r in queries.releases(s))


def watch_release(settings: Settings, engine: Engine, source: str, *, announcement: str, release_at: datetime,
                  run_id: int | None = None, clock: Callable[[], float] = time.time,
                  sleep: Callable[[float], None] = time.sleep) -> Watch:
    """Look for the release `announcement` announced for `release_at`, from that minute, every
    MSBRIEF_RELEASE_POLL_INTERVAL seconds, for at most MSBRIEF_RELEASE_POLL_WINDOW seconds; ingest
    `source` with its release page once published; stop when it is stored with its figures."""
    start = release_at.timestamp()
    end = start + settings.release_poll_window
    if clock() < start:
        sleep(start - clock())
    watch = Watch(announcement)
    while True:
        began = clock()
        watch.looks += 1
        page = published_page(settings, source, announcement)
        if page is not None:
            if watch.published_seen_at is None:
                watch.published_seen_at = datetime.fromtimestamp(began, tz=UTC)
                log.info("%s: %s is published as %s; reading it", source, announcement, page)
            watch.report = ingest_source(settings, engine, source, run_id=run_id, release_links=(page,))
            if watch.report.status == "ok" and stored_with_figures(engine, page):
                watch.page = page
                return watch
        if clock() + settings.release_poll_interval > end:
            log.warning("%s", watch.summary)
            return watch
        sleep(max(0.0, began + settings.release_poll_interval - clock()))
