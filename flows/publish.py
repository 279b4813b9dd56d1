"""Prefect publish flow: rebuild the feeds and the index page from the database."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.alerts import notify_failure
from flows.engine import get_engine
from flows.settings import get_settings


def build_and_write() -> list[str]:
    """Query the store, render every feed and the index page, write the changed files atomically."""
    from feeds.build import build_site
    from feeds.publish import write_site
    from flows.site_data import load_site_data

    settings = get_settings()
    data = load_site_data(get_engine())
    files = build_site(data, site_url=settings.site_url, max_entries=settings.feed_max_entries)
    write_site(settings.public_dir, files)
    return sorted(str(Path(settings.public_dir) / name) for name in files)


@task(name="build-feeds", cache_policy=NO_CACHE)
def build_feeds() -> list[str]:
    return build_and_write()


@flow(name="publish", on_failure=[notify_failure], on_crashed=[notify_failure])
def publish() -> list[str]:
    """Rebuild RSS/Atom feeds and var/public/index.html; unchanged files are not rewritten."""
    paths = build_feeds()
    get_run_logger().info("published %d files to %s", len(paths), get_settings().public_dir)
    return paths
