"""Prefect flow for the weekly email briefing (Monday 08:00 Europe/London): pipeline/briefing.py in a run."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from flows.after_store import best_effort
from flows.alerts import notify_failure
from flows.names import run_name
from flows.run_logs import RunFailed, failed
from pipeline.briefing import BriefingOutcome, default_week, run_briefing
from pipeline.engine import get_engine
from pipeline.settings import get_settings


class BriefingFailed(RunFailed):
    """Some recipient has not got the briefing; the outcome travels with it."""

    def __init__(self, outcome: BriefingOutcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


@task(name="compose-and-send", task_run_name="briefing-{week}", cache_policy=NO_CACHE)
def compose_and_send(week: str | None, send: bool | None, force: bool) -> BriefingOutcome:
    """Compose the week's briefing and send it once (or write it); a preview and the deliveries as artifacts."""
    outcome = run_briefing(get_engine(), get_settings(), week=week, send=send, force=force,
                           now=datetime.now(UTC))
    best_effort(f"post the artifacts of the briefing of {outcome.week} to the Prefect API",
                lambda: _artifacts(outcome))
    return outcome


def _artifacts(outcome: BriefingOutcome) -> None:
    """The preview, and the delivery record: always there, one line saying why when nobody was sent it."""
    if outcome.preview_markdown:
        create_markdown_artifact(markdown=outcome.preview_markdown, key="briefing-preview",
                                 description=f"the briefing of {outcome.week}")
    rows = outcome.delivery_rows or [{"recipient": "(none)", "status": outcome.action, "smtp response": "",
                                      "attempted in this run": "no", "what happened": outcome.summary}]
    create_table_artifact(table=rows, key="briefing-deliveries",
                          description=f"delivery record per recipient, {outcome.week}")


def week_reported(given: str | None = None) -> str | None:
    """The week a briefing run reports on: the one it was given, else the briefing's default week now
    (None when the database cannot say: the run itself will then fail with the reason)."""
    if given:
        return given
    try:
        return default_week(get_engine(), datetime.now(UTC), get_settings().timezone)
    except Exception:  # noqa: BLE001 - only a run's name hangs on it
        return None


@flow(name="weekly-briefing", flow_run_name=run_name("briefing {week}", week=lambda p: week_reported(p.get("week"))),
      on_failure=[notify_failure], on_crashed=[notify_failure])
def weekly_briefing(week: str | None = None, send: bool | None = None, force: bool = False) -> BriefingOutcome | State:
    """Compose last week's briefing and send it once; Failed when some recipient has not got it."""
    outcome = compose_and_send(week_reported(week) or week, send, force)
    get_run_logger().info("%s", outcome.summary)
    if outcome.failed:
        return failed(outcome.summary, BriefingFailed(outcome))
    return Completed(message=outcome.summary, data=outcome)
