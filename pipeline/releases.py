"""Release-time runs: when a source announces statistics releases, when to read it again.

Only announcements dated within the years msbrief accepts are scheduled, the soonest
MSBRIEF_MAX_ANNOUNCEMENTS of them; a date that cannot be scheduled (9999-12-31 23:58 plus the
delay is past the calendar's end) is skipped with one warning, never stopping the others.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pipeline.settings import get_settings
from store import units
from store.db import Engine
from vocabulary.calendar import year_in_range

DELAY = timedelta(minutes=5)  # GOV.UK publishes at 9:30; give its caches a moment
TAG = "release-watch"

log = logging.getLogger("pipeline.releases")


def wanted_release_runs(engine: Engine, source: str, now: datetime, *, limit: int | None = None) -> dict[str, datetime]:
    """Idempotency key -> run time, for the soonest confirmed releases `source` announced still to
    come (DELAY after each), at most `limit` (default: MSBRIEF_MAX_ANNOUNCEMENTS) of them."""
    limit = get_settings().max_announcements if limit is None else limit
    confirmed = units.confirmed_releases(engine, source, after=now - DELAY)
    wanted: dict[str, datetime] = {}
    for url, at in sorted(confirmed, key=lambda found: found[1]):
        if len(wanted) == limit:
            log.warning("%s: more than %d confirmed releases to come: only the soonest %d scheduled "
                        "(MSBRIEF_MAX_ANNOUNCEMENTS)", source, limit, limit)
            break
        run_at = _run_time(at)
        if run_at is None:
            log.warning("%s: announcement %s is dated %s, outside the years msbrief accepts: no run scheduled",
                        source, url, at.isoformat())
            continue
        wanted[f"{TAG}:{url}:{at.isoformat()}"] = run_at
    return wanted


def _run_time(at: datetime) -> datetime | None:
    """When to read the source after a release at `at`; None when `at` is no plausible release time."""
    if not year_in_range(at.year):
        return None
    try:
        return at + DELAY
    except OverflowError:
        return None
