"""Publish: read one snapshot of the store and write the feeds and the index page (no Prefect).

A build never replaces a feed that has entries with an empty one unless told to (`allow_empty`):
an empty store where a full one was expected (a mistyped MSBRIEF_DATABASE_URL, an empty database)
is refused with one line, and nothing is written. Feed files that a build no longer produces are
removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.build import TOPIC, SiteData, build_site
from feeds.publish import atomic_write, remove_unbuilt, write_site
from feeds.syndication import entry_count
from pipeline.briefing import read_week
from pipeline.settings import Settings, get_settings
from pipeline.sources import SOURCES
from store import queries
from store.db import Engine, read_session, shown_url
from store.read import SourceHealth
from store.series import series
from vocabulary.weeks import format_week, parse_week, week_bounds

log = logging.getLogger("pipeline.site")
MARKER = ".published"  # in the output dir (not public/): the store fingerprint of the last build
FEED_FILES = "feeds/*.xml"  # under the public dir: every feed file a build writes
DATA_FILES = ("data/*.*", "data/*/*.*", "releases/*.html")  # the open data files and release pages


class PublishRefused(Exception):
    """A build would replace feeds that have entries with empty ones: one line; nothing was written."""


def archive_weeks(first: datetime | None, latest: datetime | None, tz: str) -> list[tuple[str, bool]]:
    """(week, complete) from the week of the first reading to the week of the latest one, oldest first.

    Both come from the store, so the same store gives the same pages; a week is complete once a
    reading has happened after it ended.
    """
    if first is None or latest is None:
        return []
    weeks = []
    day = parse_week(format_week(first.astimezone(ZoneInfo(tz)).date()))
    last = parse_week(format_week(latest.astimezone(ZoneInfo(tz)).date()))
    while day <= last:
        week = format_week(day)
        weeks.append((week, latest >= week_bounds(week, tz)[1]))
        day += timedelta(weeks=1)
    return weeks


def load_site_data(engine: Engine, settings: Settings | None = None) -> SiteData:
    """Every item (partitioned per source, statistics, topic), the latest releases, the referrals
    series, the guidance documents and the weeks of the briefing archive."""
    settings = settings or get_settings()
    guidance = next((spec.name for spec in SOURCES.values() if spec.guidance), "")
    with read_session(engine) as session:
        weeks = archive_weeks(queries.first_cycle_at(session), queries.last_reading_at(session), settings.timezone)
        items = queries.feed_items(session)  # one query: the feeds are slices of it
        by_source: dict[str, list] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item)
        return SiteData(
            items=items,
            by_source=by_source,
            statistics=[i for i in items if i.kind == "statistics"],
            topic=[i for i in items if TOPIC in i.topics],
            latest_release=queries.latest_release(session, with_figures=True),  # headline numbers
            newest_release=queries.latest_release(session),
            referrals=series(session, "total_referrals"),
            source_titles={s.name: s.title for s in queries.source_health(session)},
            guidance=by_source.get(guidance, []),
            briefings=[(week, read_week(engine, week, settings=settings), complete) for week, complete in weeks],
            table_releases=queries.releases_with_tables(session),
            attributions=attributions(),
            source_notes=source_notes(queries.source_health(session)),
        )


def attributions() -> dict[str, str]:
    """Source name -> what its licence asks to be said where its items are published."""
    found = {name: spec.adapter().SOURCE.attribution for name, spec in SOURCES.items()}
    return {name: words for name, words in found.items() if words}


def source_notes(health: list[SourceHealth]) -> dict[str, str]:
    """Source name -> what readers are told about it after its latest reading (where its news comes from)."""
    notes = {}
    for h in health:
        if h.name in SOURCES and h.last_strategy:
            words = dict(SOURCES[h.name].adapter().SOURCE.strategy_notes).get(h.last_strategy)
            if words:
                notes[h.name] = words
    return notes


@dataclass
class PublishResult:
    """What one publish did: every public file, the ones rewritten, or why nothing was rendered."""

    public_dir: str
    paths: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # relative paths whose bytes changed
    removed: list[str] = field(default_factory=list)  # relative paths of feeds no longer built
    skipped: str = ""

    @property
    def summary(self) -> str:
        if self.skipped:
            return f"published nothing new to {self.public_dir}: {self.skipped}"
        removed = f", {len(self.removed)} removed (no longer built)" if self.removed else ""
        return (f"published {len(self.paths)} files to {self.public_dir}: {len(self.written)} rewritten, "
                f"{len(self.paths) - len(self.written)} unchanged{removed}")

    def markdown(self) -> str:
        """The publish artifact operators read in the Prefect UI."""
        out = ["# msbrief publish", "", self.summary, ""]
        if self.written:
            out += ["## Rewritten", ""] + [f"- `{p}`" for p in self.written]
        if self.removed:
            out += ["", "## Removed (no longer built)", ""] + [f"- `{p}`" for p in self.removed]
        return "\n".join(out) + "\n"


def emptied_feeds(public: Path, files: dict[str, bytes]) -> list[tuple[str, int]]:
    """(feed, entries it has now) of each feed file that `files` would replace with an empty one."""
    emptied = []
    for rel, data in sorted(files.items()):
        path = public / rel
        if path.match(FEED_FILES) and path.is_file() and entry_count(data) == 0:
            had = entry_count(path.read_bytes())
            if had:
                emptied.append((rel, had))
    return emptied


def publish_site(settings: Settings, engine: Engine, *, force: bool = False, allow_empty: bool = False) -> PublishResult:
    """Render every feed and the index page, write the changed files atomically and remove the
    feed files no longer built.

    Without `force`, a store whose fingerprint has not moved since the last complete build is not
    read or rendered again (the steady-state cycle's cost would otherwise grow with the archive).
    Without `allow_empty`, PublishRefused (nothing written) when a feed that has entries would be
    replaced with an empty one.
    """
    public = Path(settings.public_dir)
    result = PublishResult(public_dir=str(public))
    with read_session(engine) as s:
        fingerprint = queries.change_fingerprint(s)
    marker = Path(settings.output_dir) / MARKER
    if not force and (public / "index.html").is_file() and marker.is_file() \
            and marker.read_text(encoding="utf-8") == fingerprint:
        log.info("nothing changed in the store since the last build: feeds left as they are")
        result.paths = sorted(str(p) for p in [*(public / "feeds").glob("*.xml"), public / "index.html"])
        result.skipped = "nothing changed in the store since the last build"
        return result
    files = build_site(load_site_data(engine, settings), site_url=settings.site_url,
                       max_entries=settings.feed_max_entries)
    emptied = [] if allow_empty else emptied_feeds(public, files)
    if emptied:
        by_feed = {Path(rel).name.split(".")[0]: had for rel, had in emptied}  # feeds/all.rss.xml: all
        shown = ", ".join(f"{slug} has {had}" for slug, had in sorted(by_feed.items(), key=lambda f: (-f[1], f[0])))
        raise PublishRefused(
            f"refusing to replace {len(by_feed)} feed(s) that have entries with empty ones ({shown}): is "
            f"MSBRIEF_DATABASE_URL {shown_url(settings.database_url)} the right database? Nothing was written; "
            "`msbrief feeds build --allow-empty` publishes them anyway")
    result.written = write_site(public, files)
    result.removed = [*remove_unbuilt(public, files, pattern=FEED_FILES),
                      *(p for pattern in DATA_FILES for p in remove_unbuilt(public, files, pattern=pattern))]
    atomic_write(marker, fingerprint.encode("utf-8"))  # only after every file is in place
    result.paths = sorted(str(public / name) for name in files)
    return result
