"""Prefect flow for the weekly email briefing (Monday 08:00 Europe/London)."""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State

from flows.alerts import notify_failure
from flows.engine import get_engine
from flows.settings import get_settings


@task(name="compose-and-send", cache_policy=NO_CACHE)
def compose_and_send(week: str | None, send: bool | None, force: bool):  # type: ignore[no-untyped-def]
    from flows.weekly import run_briefing

    return run_briefing(get_engine(), get_settings(), week=week, send=send, force=force,
                        now=datetime.now(timezone.utc))


@flow(name="weekly-briefing", on_failure=[notify_failure], on_crashed=[notify_failure])
def weekly_briefing(week: str | None = None, send: bool | None = None, force: bool = False) -> object | State:
    """Compose last week's briefing and send it once; a preview and the delivery record as artifacts."""
    outcome = compose_and_send(week, send, force)
    logger = get_run_logger()
    preview = getattr(outcome, "preview_markdown", None)
    if preview:
        create_markdown_artifact(markdown=preview, key="briefing-preview", description="this week's briefing")
    rows = getattr(outcome, "delivery_rows", None)
    if rows:
        create_table_artifact(table=rows, key="briefing-deliveries", description="delivery record per recipient")
    summary = getattr(outcome, "summary", str(outcome))
    logger.info("%s", summary)
    if getattr(outcome, "failed", False):
        return Failed(message=summary, data=outcome)
    return Completed(message=summary, data=outcome)
