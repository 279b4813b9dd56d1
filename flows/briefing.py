"""Prefect flow for the weekly email briefing (Monday 08:00 Europe/London): pipeline/briefing.py in a run."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State

from flows.alerts import notify_failure
from flows.names import run_name
from pipeline.briefing import BriefingOutcome, run_briefing
from pipeline.engine import get_engine
from pipeline.settings import get_settings


class BriefingFailed(Exception):
    """Some recipient has not got the briefing; the outcome travels with it."""

    def __init__(self, outcome: BriefingOutcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


@task(name="compose-and-send", task_run_name="briefing-{week}", cache_policy=NO_CACHE)
def compose_and_send(week: str | None, send: bool | None, force: bool) -> BriefingOutcome:
    """Compose the week's briefing and send it once (or write it); a preview and the deliveries as artifacts."""
    outcome = run_briefing(get_engine(), get_settings(), week=week, send=send, force=force,
                           now=datetime.now(UTC))
    if outcome.preview_markdown:
        create_markdown_artifact(markdown=outcome.preview_markdown, key="briefing-preview",
                                 description=f"the briefing of {outcome.week}")
    if outcome.delivery_rows:
        create_table_artifact(table=outcome.delivery_rows, key="briefing-deliveries",
                              description=f"delivery record per recipient, {outcome.week}")
    return outcome


@flow(name="weekly-briefing", flow_run_name=run_name("briefing {week}"), on_failure=[notify_failure],
      on_crashed=[notify_failure])
def weekly_briefing(week: str | None = None, send: bool | None = None, force: bool = False) -> BriefingOutcome | State:
    """Compose last week's briefing and send it once; Failed when some recipient has not got it."""
    outcome = compose_and_send(week, send, force)
    get_run_logger().info("%s", outcome.summary)
    if outcome.failed:
        return Failed(message=outcome.summary, data=BriefingFailed(outcome))
    return Completed(message=outcome.summary, data=outcome)
