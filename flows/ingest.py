"""Prefect ingest: one task per source, and the `ingest-source` flow each source's deployment runs.

The work is pipeline.ingest's; these wrappers give it a task run in the UI (named after the
source, failed with its one-line reason when the source failed), an artifact per source, and,
for a source that announces statistics releases, extra runs scheduled at the release times.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, State

from flows.after_store import best_effort
from flows.alerts import notify_failure
from flows.names import run_name
from flows.publish import publish_changes_task, stored_something
from flows.run_logs import RunFailed, failed
from pipeline.cycle import finish_run, start_run
from pipeline.engine import get_engine
from pipeline.ingest import ingest_source as ingest_one
from pipeline.reports import CycleReport, SourceReport, markdown_summary
from pipeline.settings import get_settings
from pipeline.sources import source as source_spec


class SourceFailed(RunFailed):
    """A source's ingest failed; its report travels with it (a failed state's data must be an exception)."""

    def __init__(self, report: SourceReport) -> None:
        super().__init__(f"{report.name} failed: {report.error}")
        self.report = report


@task(name="ingest", task_run_name="ingest-{source}", cache_policy=NO_CACHE)
def ingest_task(source: str, run_id: int | None = None, backfill: bool | None = None) -> SourceReport | State:
    """Fetch, normalise and store one source; Failed with its reason (and its report) when it failed."""
    report = ingest_one(get_settings(), get_engine(), source, run_id=run_id, backfill=backfill)
    best_effort(f"post the artifacts of {source} to the Prefect API", lambda: publish_artifacts(report))
    if report.status != "ok":  # pipeline.ingest has logged the reason
        return failed(f"{source} failed: {report.error}", SourceFailed(report))
    get_run_logger().info("source %s: %d new, %d amended, %d figures, %d requests (%d not modified)",
                          source, report.new, report.amended, report.figures, report.requests, report.not_modified)
    return report


# The global concurrency limit on GOV.UK's APIs across parallel ingests (several sources read GOV.UK):
# a tag on the ingest task of each such source; `prefect concurrency-limit create govuk-api 1` sets it
# (no limit of that name: no limit).
GOVUK_API_TAG = "govuk-api"
GOVUK_HOST = "www.gov.uk"


def ingest_with_limits(source: str, run_id: int | None = None, backfill: bool | None = None) -> State:
    """Run the ingest task of `source`, under the concurrency limits of the hosts it reads; its final state."""
    from prefect import tags

    reads_govuk = GOVUK_HOST in source_spec(source).adapter().SOURCE.hosts
    with tags(*([GOVUK_API_TAG] if reads_govuk else [])):
        return ingest_task(source, run_id, backfill, return_state=True)


def report_of(name: str, state: State) -> SourceReport:
    """The SourceReport an ingest task ended with, or one describing how it crashed."""
    try:
        value = state.result(raise_on_failure=False)
    except Exception as exc:  # noqa: BLE001 - a crashed task still gets a line in the report
        return SourceReport(name=name, status="failed", error=f"{exc.__class__.__name__}: {exc}")
    if isinstance(value, SourceFailed):
        return value.report
    if isinstance(value, SourceReport):
        return value
    return SourceReport(name=name, status="failed", error=state.message or repr(value))


def publish_artifacts(report: SourceReport) -> None:
    """The source's run summary (one artifact key per source) and the figures it extracted."""
    slug = source_spec(report.name).slug
    create_markdown_artifact(markdown=markdown_summary(CycleReport(sources=[report])), key=f"ingest-{slug}",
                             description=f"msbrief ingest of {report.name}: requests, new and amended items, "
                                         "figures, warnings, failure")
    if report.figure_rows:
        table = [{**r, "value": str(r["value"])} for r in report.figure_rows]
        create_table_artifact(table=table, key=f"figures-{slug}", description=f"NRM figures extracted from {report.name}")


@flow(name="ingest-source", flow_run_name=run_name("ingest {source}"), on_failure=[notify_failure],
      on_crashed=[notify_failure])
def ingest_source(source: str, backfill: bool | None = None, announcement: str | None = None,
                  release_at: str | None = None) -> SourceReport | State:
    """Ingest one source as a run of its own (a deployment's scheduled run). With `announcement` and
    `release_at` it is a release-time run (flows/release_watch.py): it watches for that release."""
    if announcement and release_at:
        from flows.release_watch import release_day

        return release_day(source, announcement, release_at)
    engine = get_engine()
    run_id = start_run(engine, flow_run_id=str(flow_run.get_id() or ""))
    state = ingest_with_limits(source, run_id, backfill)
    report = report_of(source, state)
    best_effort("record the end of the run in msbrief's runs table",
                lambda: finish_run(engine, run_id, CycleReport(sources=[report])))
    if stored_something(report):  # readers get it now, not at the next publish slot
        publish_changes_task(return_state=True)  # best effort: its failure never fails the stored ingest
    if source_spec(source).watches_releases and report.status == "ok":
        _watch_releases(source)
    if report.figures and report.status == "ok":  # published just above: staff hear of it now
        _release_message(source)
    if report.status != "ok":
        return failed(f"{source} failed: {report.error}", SourceFailed(report))
    return Completed(message=f"{source}: {report.new} new, {report.amended} amended", data=report)


def _release_message(source: str) -> None:
    """New figures were stored and published: the release-day message (opt-in); trouble is logged."""
    from flows.release_watch import release_message

    for problem in release_message():
        get_run_logger().warning("%s stored new figures, but %s", source, problem)


def _watch_releases(source: str) -> None:
    """Schedule the release-time runs; trouble with that is logged, the ingest still counts."""
    from flows.release_watch import schedule_release_runs

    try:
        schedule_release_runs(source)
    except Exception as exc:  # noqa: BLE001 - the data is stored; a missed extra run is not a failure
        get_run_logger().warning("could not schedule the release-time runs of %s: %s: %s", source,
                                 exc.__class__.__name__, exc)
