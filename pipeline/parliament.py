"""The briefing's "In Parliament" read from the store: the Parliament source of the registry, its week.

Kept apart from pipeline/briefing.py (which calls `read_parliament` once) so the section can move
with the briefing's rooms without being rewritten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.sources import SOURCES
from store.parliament import parliament_week
from store.read import ParliamentWeek


def read_parliament(session: Any, *, start: datetime, end: datetime, since: datetime) -> ParliamentWeek | None:
    """The written questions and statements around the week [start, end) (None without a Parliament
    source); `session` is the read session of store.db the briefing reads its week in."""
    spec = next((s for s in SOURCES.values() if s.parliament), None)
    if spec is None:
        return None
    return parliament_week(session, source=spec.name, start=start, end=end, since=since,
                           attribution=spec.adapter().SOURCE.attribution)
