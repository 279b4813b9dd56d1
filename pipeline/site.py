"""Publish: read one snapshot of the store and write the feeds and the index page (no Prefect).

A build never replaces a feed that has entries with an empty one unless told to (`allow_empty`):
an empty store where a full one was expected (a mistyped MSBRIEF_DATABASE_URL, an empty database)
is refused with one line, and nothing is written. Feed files that a build no longer produces are
removed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from feeds.build import (
    TOPIC,
    ArchiveWeek,
    SiteData,
    briefing_files,
    briefing_path,
    data_files,
    feed_files,
    feed_outputs,
    index_file,
    week_said,
)
from feeds.publish import atomic_write, remove_unbuilt, write_site
from feeds.site import ITEMS_PER_SOURCE
from feeds.syndication import entry_count, newest_first
from feeds.websub import notify_hub
from pipeline.briefing import read_week
from pipeline.publish_plan import (
    MANIFEST,
    WATERMARK_MARGIN,
    Manifest,
    changed_releases,
    keys_of,
    weeks_to_rebuild,
)
from pipeline.settings import Settings, get_settings
from pipeline.sources import SOURCES
from store import changes, queries
from store.db import Engine, error_line, read_session, shown_url
from store.read import FeedItem, SourceHealth
from store.series import series
from vocabulary.weeks import format_week, parse_week, week_bounds

log = logging.getLogger("pipeline.site")
FEED_FILES = "feeds/*.xml"  # under the public dir: every RSS and Atom file a build writes
JSON_FEED_FILES = "feeds/*.json"  # the JSON Feeds beside them
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


def load_site_data(engine: Engine, settings: Settings | None = None, *, weeks: Collection[str] | None = None,
                   tables: bool = True, shown: int | None = None) -> SiteData:
    """Every item (partitioned per source, statistics, topic), the latest releases, the referrals
    series, the guidance documents and the weeks of the briefing archive.

    `weeks`: read only these weeks' briefings (default: every week of the archive); `tables`: False
    reads only which releases have data tables, not the tables themselves; `shown`: load in full only
    the items the feeds of that many entries and the index page show (every statistics and guidance
    item, each feed's newest), not the whole archive.
    """
    settings = settings or get_settings()
    guidance = next((spec.name for spec in SOURCES.values() if spec.guidance), "")
    with read_session(engine) as session:
        archive = archive_weeks(queries.first_cycle_at(session), queries.last_reading_at(session), settings.timezone)
        if shown is None:
            items = queries.feed_items(session)  # one query: the feeds are slices of it
        else:
            items = queries.feed_items_by_id(session, shown_ids(queries.feed_stubs(session), shown, guidance))
        by_source: dict[str, list] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item)
        health = queries.source_health(session)
        return SiteData(
            items=items,
            by_source=by_source,
            statistics=[i for i in items if i.kind == "statistics"],
            topic=[i for i in items if TOPIC in i.topics],
            latest_release=queries.latest_release(session, with_figures=True),  # headline numbers
            newest_release=queries.latest_release(session),
            referrals=series(session, "total_referrals"),
            source_titles={s.name: s.title for s in health},
            guidance=by_source.get(guidance, []),
            briefings=[(week, read_week(engine, week, settings=settings), complete) for week, complete in archive
                       if weeks is None or week in weeks],
            table_releases=queries.releases_with_tables(session) if tables else (),
            attributions=attributions(),
            source_notes=source_notes(health),
            timezone=settings.timezone,
            data_periods=None if tables else changes.release_periods_with_tables(session),
            calendar=queries.calendar_events(session),
        )


def shown_ids(stubs: list[FeedItem], shown: int, guidance: str) -> set[int]:
    """The ids of the items the feeds and the index page show: each feed's newest `shown` (the feeds
    are slices of the items: everything, per source, the topic), every statistics item (their
    amendments are entries of their own) and every item of the guidance source (each change is one)."""
    slices: dict[str, list[FeedItem]] = {"": stubs, "topic": [i for i in stubs if TOPIC in i.topics]}
    for item in stubs:
        slices.setdefault(f"source:{item.source}", []).append(item)
    wanted = {i.id for i in stubs if i.kind == "statistics" or i.source == guidance}
    for items in slices.values():
        wanted.update(i.id for i in newest_first(items)[:max(shown, ITEMS_PER_SOURCE)])
    return wanted


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
    failed: str = ""  # best effort only: why publishing failed (one line)
    pushed: list[str] = field(default_factory=list)  # feed URLs the WebSub hub was told about

    @property
    def summary(self) -> str:
        if self.failed:
            return f"published nothing to {self.public_dir}: {self.failed}"
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
        if self.pushed:
            out += ["", "## Pushed to the WebSub hub", ""] + [f"- {url}" for url in self.pushed]
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
    """Rebuild the public files whose inputs changed since the last publish (pipeline/publish_plan.py),
    write the changed ones atomically and remove the feed and data files no longer built.

    A store whose keys have not moved since the last complete publish is not read or rendered again;
    `force` rebuilds every file. Without `allow_empty`, PublishRefused (nothing written) when a feed
    that has entries would be replaced with an empty one.
    """
    public, output = Path(settings.public_dir), Path(settings.output_dir)
    result = PublishResult(public_dir=str(public))
    with read_session(engine) as s:
        keys = changes.publish_keys(s)
    previous = None if force else _usable(Manifest.load(output), settings, public)
    if previous is not None and previous.keys == keys_of(keys, settings.timezone):
        log.info("nothing changed in the store since the last build: feeds left as they are")
        result.paths = sorted(str(public / p) for p in previous.files)
        result.skipped = "nothing changed in the store since the last build"
        return result
    weeks, wanted, rebuild_tables = _plan(engine, settings, keys, previous)
    data = load_site_data(engine, settings, weeks=wanted, tables=rebuild_tables, shown=settings.feed_max_entries)
    fresh = {week: (len(briefing.news), week_said(briefing)) for week, briefing, _ in data.briefings}
    known = {week: (int(v[1]), str(v[2])) for week, v in previous.weeks.items()} if previous else {}
    archive = [ArchiveWeek(week, complete, *(fresh[week] if week in fresh else known[week]))
               for week, complete in weeks if week in fresh or week in known]
    data = replace(data, archive=archive)
    hub = settings.websub_hub
    outputs = feed_outputs(data, site_url=settings.site_url, max_entries=settings.feed_max_entries, hub=hub)
    files: dict[str, bytes] = {}
    for out in outputs:
        if previous is None or previous.feeds.get(out.feed.slug) != out.digest:
            files.update(feed_files(data, out, site_url=settings.site_url, hub=hub))
    files.update(briefing_files(data, site_url=settings.site_url))
    data_paths = sorted(data_files(data, site_url=settings.site_url).items()) if rebuild_tables else []
    files.update(data_paths)
    files["index.html"] = index_file(data, outputs, site_url=settings.site_url)
    published = {*files, *(p for out in outputs for p in out.paths().values()),
                 *(briefing_path(a.week) for a in archive),
                 *([p for p, _ in data_paths] if rebuild_tables else previous.data_files if previous else [])}
    _refuse_emptied(settings, public, files, allow_empty=allow_empty)
    result.written = write_site(public, files)
    result.removed = [p for pattern in (FEED_FILES, JSON_FEED_FILES, *DATA_FILES)
                      for p in remove_unbuilt(public, published, pattern=pattern)]
    manifest = Manifest(signature=_signature(settings), keys=keys_of(keys, settings.timezone),
                        watermark=keys.watermark.isoformat() if keys.watermark else None,
                        feeds={out.feed.slug: out.digest for out in outputs},
                        weeks={a.week: [a.complete, a.news, a.said] for a in archive}, releases=keys.releases,
                        data_files=sorted(p for p in published if any(PurePosixPath(p).match(d) for d in DATA_FILES)),
                        files=sorted(published))
    atomic_write(output / MANIFEST, manifest.to_bytes())  # only after every file is in place
    result.paths = sorted(str(public / p) for p in published)
    if hub:
        _notify_hub(settings, result)
    return result


def _notify_hub(settings: Settings, result: PublishResult) -> None:
    """Tell the WebSub hub about every feed this publish rewrote (best effort: one warning on failure)."""
    site_url = settings.site_url.rstrip("/") + "/"
    topics = [site_url + p for p in result.written
              if PurePosixPath(p).match(FEED_FILES) or PurePosixPath(p).match(JSON_FEED_FILES)]
    if not topics:
        return
    notice = notify_hub(settings.websub_hub, topics, timeout=settings.websub_timeout)
    result.pushed = notice.notified
    if notice.error:
        log.warning("%s; %d of %d changed feeds notified (MSBRIEF_WEBSUB_HUB, MSBRIEF_WEBSUB_TIMEOUT=%gs): "
                    "subscribers get them when they next poll", notice.error, len(notice.notified), len(topics),
                    settings.websub_timeout)
    else:
        log.info("WebSub hub %s notified of %d changed feeds", settings.websub_hub, len(topics))


def _signature(settings: Settings) -> str:
    """The settings every public file depends on: another value means a full rebuild."""
    return repr((settings.site_url, settings.feed_max_entries, settings.timezone, settings.briefing_window_weeks,
                 settings.websub_hub, str(Path(settings.public_dir).resolve())))


def _usable(previous: Manifest | None, settings: Settings, public: Path) -> Manifest | None:
    """The last publish's manifest when this publish can build on it: same settings, every file there."""
    if previous is None or previous.signature != _signature(settings):
        return None
    if not all((public / p).is_file() for p in previous.files):
        log.info("a published file is missing from %s: rebuilding every file", public)
        return None
    return previous


def _plan(engine: Engine, settings: Settings, keys: changes.PublishKeys, previous: Manifest | None
          ) -> tuple[list[tuple[str, bool]], set[str] | None, bool]:
    """Every (week, complete) of the archive, the weeks to rebuild (None: all) and whether the open
    data is rebuilt."""
    since = previous.watermark_at if previous else None
    with read_session(engine) as s:
        weeks = archive_weeks(queries.first_cycle_at(s), keys.last_reading, settings.timezone)
        if previous is None:
            return weeks, None, True
        changed = changes.changed_since(s, since - WATERMARK_MARGIN) if since else []
    released = changed_releases(previous.releases, keys.releases)
    wanted = weeks_to_rebuild(weeks, previous=previous, changed=changed, released=released, tz=settings.timezone,
                              window=timedelta(weeks=settings.briefing_window_weeks))
    return weeks, wanted, previous.keys.get("tables") != keys.tables


def _refuse_emptied(settings: Settings, public: Path, files: dict[str, bytes], *, allow_empty: bool) -> None:
    """PublishRefused when `files` would replace a feed that has entries with an empty one."""
    emptied = [] if allow_empty else emptied_feeds(public, files)
    if emptied:
        by_feed = {Path(rel).name.split(".")[0]: had for rel, had in emptied}  # feeds/all.rss.xml: all
        shown = ", ".join(f"{slug} has {had}" for slug, had in sorted(by_feed.items(), key=lambda f: (-f[1], f[0])))
        raise PublishRefused(
            f"refusing to replace {len(by_feed)} feed(s) that have entries with empty ones ({shown}): is "
            f"MSBRIEF_DATABASE_URL {shown_url(settings.database_url)} the right database? Nothing was written; "
            "`msbrief feeds build --allow-empty` publishes them anyway")


def publish_changes(settings: Settings, engine: Engine, *, best_effort: bool = False) -> PublishResult:
    """Publish now what the store changed since the last publish (the entry point after an ingest).

    Rebuilds only the feeds, pages and data files whose entries changed and writes nothing when
    nothing did. With `best_effort` (a caller whose own work is already done, like an ingest that
    stored something), a failure is one warning and a result saying so, never an exception.
    """
    if not best_effort:
        return publish_site(settings, engine)
    try:
        return publish_site(settings, engine)
    except Exception as exc:  # noqa: BLE001 - the caller's stored data stands; the next publish catches up
        reason = error_line(exc)
        log.warning("publishing after the ingest failed (the next publish run catches up): %s", reason)
        log.debug("publishing after the ingest failed", exc_info=True)
        return PublishResult(public_dir=str(settings.public_dir), failed=f"publishing failed: {reason}")

