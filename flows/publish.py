"""Prefect publish flow: rebuild the feeds and the index page from the database."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.alerts import notify_failure
from flows.engine import get_engine
from flows.settings import get_settings
from flows.site_build import build_and_write


@task(name="build-feeds", cache_policy=NO_CACHE)
def build_feeds() -> list[str]:
    return build_and_write(force=False)


@flow(name="publish", on_failure=[notify_failure], on_crashed=[notify_failure])
def publish() -> list[str]:
    """Rebuild RSS/Atom feeds and var/public/index.html when the store changed; unchanged files are not rewritten."""
    paths = build_feeds()
    get_run_logger().info("published %d files to %s", len(paths), get_settings().public_dir)
    return paths
