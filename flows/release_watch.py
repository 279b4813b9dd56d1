"""Release day in Prefect: the release-time runs, and what one does from the announced minute on.

`schedule_release_runs` gives each confirmed release a run of the source's ingest deployment at
the announced minute (parameters `announcement` and `release_at`); when an announcement moves or
is cancelled, the run scheduled for the old time is deleted. Needs a Prefect API with the source's
deployment (msbrief serve, or a server).

`release_day` is that run: it watches for the release (pipeline/releases.py), and once it is stored
with its figures, within the same flow run, publishes what changed (the feeds, pages and open data)
and sends the release-day message (pipeline/release_alerts.py). `release_message` is the message
alone, for any ingest that stored new figures and published them (a release a scheduled ingest found).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from flows.deployments import deployment_of
from flows.ingest import publish_artifacts
from flows.publish import publish_changes_task
from pipeline.cycle import finish_run, start_run
from pipeline.engine import get_engine
from pipeline.release_alerts import AlertOutcome, run_release_alert
from pipeline.releases import TAG, Watch, wanted_release_runs, watch_release
from pipeline.reports import CycleReport
from pipeline.settings import get_settings

log = logging.getLogger("flows.release_watch")


class ReleaseDayFailed(Exception):
    """The release was stored, and publishing it or sending its message went wrong: the reasons."""


class AlertFailed(Exception):
    """Some address has not got the release-day message; the outcome travels with it."""

    def __init__(self, outcome: AlertOutcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


@task(name="watch-release", task_run_name="watch-{source}", cache_policy=NO_CACHE)
def watch_task(source: str, announcement: str, release_at: str, run_id: int | None) -> Watch:
    """Look for the announced release from its minute on; ingest the source once it is published."""
    watch = watch_release(get_settings(), get_engine(), source, announcement=announcement,
                          release_at=datetime.fromisoformat(release_at), run_id=run_id)
    if watch.report is not None:
        publish_artifacts(watch.report)
    get_run_logger().info("%s", watch.summary)
    return watch


@task(name="release-alert", task_run_name="release-day-message", cache_policy=NO_CACHE)
def alert_task() -> AlertOutcome | State:
    """The release-day message of the latest release, once per address; Failed when an address has not got it."""
    outcome = run_release_alert(get_engine(), get_settings(), now=datetime.now(UTC))
    get_run_logger().info("%s", outcome.summary)
    if outcome.deliveries:
        create_markdown_artifact(
            markdown="\n".join([f"# {outcome.subject}", "", outcome.summary, "", "| channel | address | state | reply |",
                                 "|---|---|---|---|"] + [
                f"| {d.target.channel} | {d.address} | {d.state} | {d.reply or ''} |" for d in outcome.deliveries]),
            key="release-day-message", description=f"the release-day message of {outcome.period}, per address")
    if outcome.problems:
        return Failed(message=outcome.summary, data=AlertFailed(outcome))
    return outcome


def publish_now() -> list[str]:
    """Publish what the release changed, in this flow run (the ingest's "publish what changed",
    flows/publish.py); what went wrong, as lines."""
    state = publish_changes_task(return_state=True)
    if not state.is_completed():
        return [f"publishing failed: {state.message}"]
    result = state.result()
    return [result.failed] if result.failed else []


def release_message() -> list[str]:
    """The release-day message (opt-in, MSBRIEF_RELEASE_ALERTS), once the pages are out; what went
    wrong, as lines (an empty list when nothing did)."""
    if not get_settings().release_alerts:
        return []
    alerted = alert_task(return_state=True)
    return [] if alerted.is_completed() else [f"the release-day message: {alerted.message}"]


def release_day(source: str, announcement: str, release_at: str) -> State:
    """A release-time run: watch for the release, then publish and send the release-day message."""
    engine = get_engine()
    run_id = start_run(engine, flow_run_id=str(flow_run.get_id() or ""))
    watch = watch_task(source, announcement, release_at, run_id)
    finish_run(engine, run_id, CycleReport(sources=[watch.report] if watch.report else []))
    if watch.page is None:
        return Completed(message=watch.summary, data=watch)
    problems = publish_now() + release_message()
    if problems:
        message = f"{watch.summary}; " + "; ".join(problems)
        return Failed(message=message, data=ReleaseDayFailed(message))
    return Completed(message=watch.summary, data=watch)


def schedule_release_runs(source: str, now: datetime | None = None) -> dict[str, int]:
    """Create the missing release-time runs of `source`'s deployment and delete stale ones; counts of each."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Scheduled

    now = now or datetime.now(UTC)
    wanted = wanted_release_runs(get_engine(), source, now)
    name = deployment_of(source)
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            log.info("no %s deployment on this Prefect API: release-time runs not scheduled", name)
            return {"created": 0, "deleted": 0}
        scheduled = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[TAG]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            ),
        )
        have = {r.idempotency_key: r for r in scheduled}
        deleted = 0
        for key, run in have.items():
            if key not in wanted:
                client.delete_flow_run(run.id)
                deleted += 1
                log.info("release moved or cancelled: deleted scheduled run %s (%s)", run.name, key)
        created = 0
        for key, wanted_run in wanted.items():
            at = wanted_run.at
            if key in have:
                continue
            try:
                client.create_flow_run_from_deployment(
                    deployment.id, state=Scheduled(scheduled_time=at), tags=[TAG], idempotency_key=key,
                    parameters={"source": source, "announcement": wanted_run.announcement, "release_at": at.isoformat()},
                )
            except Exception as exc:  # noqa: BLE001 - one release that cannot be scheduled never stops the others
                log.warning("could not schedule an ingest of %s for %s (%s): %s", source, at.isoformat(), key,
                            f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
                continue
            created += 1
            log.info("scheduled an ingest of %s for %s (%s)", source, at.isoformat(), key)
    return {"created": created, "deleted": deleted}
