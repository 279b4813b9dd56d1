"""Release-time runs: when a source announces statistics releases, when to read it again."""

from __future__ import annotations

from datetime import datetime, timedelta

from store import units
from store.db import Engine

DELAY = timedelta(minutes=5)  # GOV.UK publishes at 9:30; give its caches a moment
TAG = "release-watch"


def wanted_release_runs(engine: Engine, source: str, now: datetime) -> dict[str, datetime]:
    """Idempotency key -> run time, for every confirmed release `source` announced still to come (DELAY after it)."""
    confirmed = units.confirmed_releases(engine, source, after=now - DELAY)
    return {f"{TAG}:{url}:{at.isoformat()}": at + DELAY for url, at in confirmed}
