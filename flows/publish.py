"""Prefect publish: rebuild the feeds and the index page from the database (pipeline/site.py)."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from flows.after_store import best_effort
from flows.alerts import notify_failure
from flows.names import run_name
from pipeline.engine import get_engine
from pipeline.reports import SourceReport
from pipeline.settings import get_settings
from pipeline.site import PublishResult, publish_changes, publish_site
from pipeline.sources import source as source_spec


@task(name="publish", task_run_name="publish-feeds", cache_policy=NO_CACHE)
def publish_task() -> PublishResult:
    """Write the feeds and the index page when the store changed; an artifact says what was done."""
    return _reported(publish_site(get_settings(), get_engine()),
                     "msbrief publish: files written, left unchanged, or skipped and why")


@flow(name="publish", flow_run_name=run_name("publish"), on_failure=[notify_failure], on_crashed=[notify_failure])
def publish() -> State:
    """Rebuild RSS/Atom feeds and the index page when the store changed; unchanged files are not rewritten."""
    result = publish_task()
    return Completed(message=result.summary, data=result.paths)


@task(name="publish-changes", task_run_name="publish-changes", cache_policy=NO_CACHE)
def publish_changes_task() -> PublishResult:
    """Publish what the ingest just stored, in the ingest's own flow run (no waiting for a cron slot).

    Best effort: the ingest's data is stored whatever happens here; a failure is one warning.
    """
    return _reported(publish_changes(get_settings(), get_engine(), best_effort=True),
                     "msbrief publish after an ingest: files written, or why not")


def _reported(result: PublishResult, description: str) -> PublishResult:
    """Say what a publish did: its artifact (best effort: the files are written whatever happens) and a log line."""
    best_effort("post the publish artifact to the Prefect API",
                lambda: create_markdown_artifact(markdown=result.markdown(), key="publish-summary",
                                                 description=description))
    get_run_logger().info("%s", result.summary)
    return result


def stored_something(report: SourceReport) -> bool:
    """True when an ingest that succeeded stored a new or changed item or figure, or read a release
    calendar (a moved or cancelled release is no item the report counts; a publish that finds nothing
    changed costs a handful of aggregate queries)."""
    if report.status != "ok":
        return False
    return bool(report.new or report.amended or report.figures) or source_spec(report.name).watches_releases


__all__ = ["PublishResult", "publish", "publish_changes_task", "publish_task", "stored_something"]
