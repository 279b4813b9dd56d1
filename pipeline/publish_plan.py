"""What a publish rebuilds: the manifest of the last publish, and the parts whose inputs moved since.

The manifest (`<output dir>/.published.json`, beside public/, never served) says what the last
complete publish was made of: the store's keys (store/changes.py), its watermark (the store's own
latest recording time), a digest per feed, each archive week's completeness and news count, and
every file it published. The next publish compares and rebuilds only:

- the feeds whose entries' digest moved (every feed is cheap to digest, costly to render);
- the briefing pages of the week in progress, of a week that became complete, of the weeks whose
  window holds a publication recorded since the watermark, and of the weeks after a release seen
  since then. A complete week's page is a record of that week: a release announced or a guideline
  coming into force later does not rewrite it (`msbrief feeds build` rebuilds everything);
- the open data and release pages when the tables' key moved;
- the index page whenever anything moved.

A missing or unreadable manifest, or one written with other settings, means a full rebuild.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from store.changes import ChangedItem, PublishKeys
from vocabulary.weeks import format_week, week_bounds

log = logging.getLogger("pipeline.publish_plan")
MANIFEST = ".published.json"  # in the output dir (not public/)
VERSION = 1
# Rows recorded this long before the watermark are looked at again: a writer that stamped its rows
# before the last publish read the store may have committed after it.
WATERMARK_MARGIN = timedelta(hours=1)


@dataclass
class Manifest:
    """What the last complete publish was made of (see the module docstring)."""

    signature: str = ""  # the settings the output depends on
    keys: dict[str, str] = field(default_factory=dict)
    watermark: str | None = None
    feeds: dict[str, str] = field(default_factory=dict)  # slug -> digest
    weeks: dict[str, list[Any]] = field(default_factory=dict)  # week -> [complete, news, said]
    releases: dict[str, list[Any]] = field(default_factory=dict)  # period -> store.changes.release_states
    data_files: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, output_dir: Path) -> Manifest | None:
        """The manifest of the last publish; None when there is none or it cannot be read (rebuild all)."""
        path = Path(output_dir) / MANIFEST
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.pop("version", None) != VERSION:
                return None
            return cls(**raw)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            log.warning("publish manifest %s unreadable (%s): rebuilding every file", path, exc.__class__.__name__)
            return None

    def to_bytes(self) -> bytes:
        body = {"version": VERSION, **self.__dict__}
        return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @property
    def watermark_at(self) -> datetime | None:
        return datetime.fromisoformat(self.watermark) if self.watermark else None


def keys_of(keys: PublishKeys, tz: str) -> dict[str, str]:
    """The parts' keys as the manifest keeps them. Of the latest reading only its week counts: a
    reading changes the archive only when it starts a week (every reading would rebuild otherwise)."""
    week = format_week(keys.last_reading.astimezone(ZoneInfo(tz)).date()) if keys.last_reading else ""
    return {"items": keys.items, "tables": keys.tables, "announcements": keys.announcements, "reading_week": week}


def changed_releases(before: dict[str, list[Any]], now: dict[str, list[Any]]) -> list[datetime | None]:
    """The publication dates of the releases new, changed or gone since the last publish (None: undated)."""
    periods = {p for p in before.keys() | now.keys() if before.get(p) != now.get(p)}
    dates = [(now.get(p) or before.get(p) or [None])[0] for p in periods]
    return [datetime.fromisoformat(at) if at else None for at in dates]


def weeks_to_rebuild(weeks: list[tuple[str, bool]], *, previous: Manifest, changed: list[ChangedItem],
                     released: list[datetime | None], tz: str, window: timedelta) -> set[str]:
    """The archive weeks whose pages change (the rules in the module docstring)."""
    earliest_release = min((at for at in released if at is not None), default=None)
    wanted = set()
    for week, complete in weeks:
        start, end = week_bounds(week, tz)
        before = previous.weeks.get(week)
        if not complete or before is None or bool(before[0]) != complete:
            wanted.add(week)
        elif any(_in_week(c, start, end, start - window) for c in changed):
            wanted.add(week)
        elif (earliest_release is not None and earliest_release < end) or (released and earliest_release is None):
            wanted.add(week)
    return wanted


def _in_week(item: ChangedItem, start: datetime, end: datetime, since: datetime) -> bool:
    """Whether the week [start, end) lists `item` (store.queries.changed_between's rule, `since` its reach)."""
    return (start <= item.first_seen < end
            or (item.amended_at is not None and since <= item.amended_at < end)
            or (item.updated is not None and since <= item.updated < end and item.first_seen < end))
