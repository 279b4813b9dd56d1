"""Publishing costs what changed (pipeline.site.publish_changes): after new items, only the files
that show them are rebuilt, the SQL statements do not grow with the archive, nothing is written
when nothing changed, and a failure after an ingest is one warning. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, update

from feeds.build import build_site
from pipeline.settings import Settings
from pipeline.site import load_site_data, publish_changes, publish_site
from scrapers import records
from scrapers.normalise import normalise_publication
from store import models as m
from store import repo
from store.db import transaction
from vocabulary.weeks import format_week

NOW = datetime.now(UTC).replace(microsecond=0)


def settings_for(db_url: str, tmp_path: Path) -> Settings:
    """Feeds of three entries: a publish loads in full only what they and the index page show."""
    return Settings(database_url=db_url, output_dir=tmp_path / "var", site_url="https://msbrief.example.org/",
                    feed_max_entries=3)


def store(engine, source: str, n: int, *, seen_at: datetime) -> None:  # type: ignore[no-untyped-def]
    """News item `n` of `source`, first seen `seen_at`; the sources read at NOW (the archive reaches this week)."""
    with transaction(engine) as s:
        repo.ensure_source(s, source, title=f"Source {source}", home_url=f"https://{source}.example.org/")
        repo.upsert_publication(s, normalise_publication(records.Publication(
            source=source, url=f"https://{source}.example.org/news/{n}", title=f"{source} story {n}", kind="news",
            published=seen_at - timedelta(hours=1))), seen_at=seen_at)
        s.execute(update(m.Source).values(last_run_at=NOW))


def archive(engine, weeks: range) -> None:  # type: ignore[no-untyped-def]
    """One item a week from each of two sources, `weeks` weeks ago."""
    for week in weeks:
        for source in ("iasc", "atleu"):
            store(engine, source, week, seen_at=NOW - timedelta(weeks=week))


class Statements:
    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.n = 0
        event.listen(engine, "before_cursor_execute", self.count)

    def count(self, *args: object) -> None:
        self.n += 1


def publish_new_item(engine, settings: Settings, n: int) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    store(engine, "atleu", n, seen_at=NOW)
    counter = Statements(engine)
    result = publish_changes(settings, engine)
    event.remove(engine, "before_cursor_execute", counter.count)
    return counter.n, result.written


def test_a_new_item_rebuilds_only_what_shows_it_and_costs_what_changed(engine, db_url, tmp_path):
    settings = settings_for(db_url, tmp_path)
    archive(engine, range(1, 9))
    first = publish_site(settings, engine)
    assert f"briefings/{format_week(NOW.date())}.html" in [Path(p).relative_to(settings.public_dir).as_posix()
                                                          for p in first.paths]
    small, written = publish_new_item(engine, settings, 1000)
    this_week = f"briefings/{format_week(NOW.date())}.html"
    # the briefings feed too: its entry for the week in progress counts this week's publications so far
    assert set(written) == {f"feeds/{slug}.{fmt}" for slug in ("all", "source-atleu", "briefings")
                            for fmt in ("rss.xml", "atom.xml", "feed.json")} | {"index.html", this_week}, written
    assert b"atleu story 1000" in (Path(settings.public_dir) / "feeds" / "all.atom.xml").read_bytes()

    again = publish_changes(settings, engine)  # nothing changed: nothing read beyond the keys, nothing written
    assert again.skipped and again.written == []
    later = NOW + timedelta(seconds=1)  # a reading that found nothing new (in the same week) changes nothing
    later = later if format_week(later.date()) == format_week(NOW.date()) else NOW - timedelta(seconds=1)
    with transaction(engine) as s:
        s.execute(update(m.Source).values(last_run_at=later))
    assert publish_changes(settings, engine).skipped

    archive(engine, range(9, 40))  # an archive five times longer
    publish_changes(settings, engine)
    large, written = publish_new_item(engine, settings, 1001)
    assert this_week in written and not any(p.startswith("briefings/") and p != this_week for p in written)
    assert large <= small + 5, f"{large} statements with a longer archive, {small} before: they grow with it"

    public = Path(settings.public_dir)  # what it published is what a build of the whole store gives
    published = {Path(p).relative_to(public).as_posix(): Path(p).read_bytes()
                 for p in publish_site(settings, engine).paths}
    assert build_site(load_site_data(engine, settings), site_url=settings.site_url,
                      max_entries=settings.feed_max_entries) == published


def test_a_failed_publish_after_an_ingest_is_one_warning(engine, db_url, tmp_path, caplog):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "public").write_text("a file where the public directory should be")
    settings = settings_for(db_url, tmp_path)
    archive(engine, range(1, 3))
    with caplog.at_level(logging.WARNING, logger="pipeline.site"):
        result = publish_changes(settings, engine, best_effort=True)
    assert result.failed.startswith("publishing failed: ") and not result.written
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "next publish run catches up" in warnings[0].getMessage()
    with pytest.raises(OSError):
        publish_changes(settings, engine)
