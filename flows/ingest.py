"""Prefect ingest flows: one flow per source, and the parent that runs them all."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from sqlalchemy.exc import OperationalError

from flows import ingest_core
from flows.alerts import notify_failure
from flows.engine import get_engine
from flows.reports import CycleReport, SourceReport, markdown_summary
from flows.settings import get_settings
from flows.source_registry import ADAPTERS, adapter
from store import repo
from store.db import transaction


def _transient_db_error(task, task_run, state) -> bool:  # type: ignore[no-untyped-def]
    """Retry the store task only when the database itself hiccuped (lock, dropped connection)."""
    try:
        state.result()
    except OperationalError:
        return True
    except Exception:  # noqa: BLE001 - anything else is a bug or bad data: do not retry
        return False
    return False


@task(name="fetch-and-parse", task_run_name="fetch-{source}", cache_policy=NO_CACHE)
def fetch_source(source: str, backfill: bool | None = None) -> ingest_core.Fetched:
    """Fetch and parse one source (the HTTP layer retries transient errors itself)."""
    return ingest_core.fetch(get_settings(), get_engine(), source, backfill=backfill)


@task(name="store", task_run_name="store-{fetched.source}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=2, retry_condition_fn=_transient_db_error)
def store_source(fetched: ingest_core.Fetched, run_id: int | None) -> SourceReport:
    """Write one source's items, figures, fetch state and outcome in one transaction."""
    info = adapter(fetched.source).SOURCE
    return ingest_core.store(get_engine(), run_id, fetched, source_title=info.title, home_url=info.home_url)


@flow(name="ingest-source", flow_run_name="ingest-{source}", on_failure=[notify_failure], on_crashed=[notify_failure])
def ingest_source(source: str, run_id: int | None = None, backfill: bool | None = None) -> SourceReport | State:
    """Ingest one source; a failed source ends Failed with its reason (and its report as data)."""
    logger = get_run_logger()
    standalone = run_id is None  # a deployment's run: it is its own cycle, with its own record
    if standalone:
        with transaction(get_engine()) as s:
            run_id = repo.start_run(s, flow_run_id=str(flow_run.get_id() or ""))
    fetched = fetch_source(source, backfill)
    report = store_source(fetched, run_id)
    if standalone:
        with transaction(get_engine()) as s:
            repo.finish_run(s, run_id, status=report.status)
        publish_artifacts(CycleReport(sources=[report]))
    if source == "govuk_nrm" and report.status == "ok":
        _watch_releases(logger)
    if report.status != "ok":
        logger.error("source %s failed: %s", source, report.error)
        return Failed(message=f"{source} failed: {report.error}", data=report)
    logger.info("source %s: %d new, %d amended, %d figures, %d requests (%d not modified)",
                source, report.new, report.amended, report.figures, report.requests, report.not_modified)
    return report


def _watch_releases(logger) -> None:  # type: ignore[no-untyped-def]
    """Schedule the release-time NRM runs; trouble with that is logged, the ingest still counts."""
    from flows.release_watch import schedule_release_runs

    try:
        schedule_release_runs()
    except Exception as exc:  # noqa: BLE001 - the data is stored; a missed extra run is not a failure
        logger.warning("could not schedule the release-time NRM runs: %s: %s", exc.__class__.__name__, exc)


def publish_artifacts(report: CycleReport) -> None:
    """The run summary and the table of extracted figures, for the Prefect UI."""
    create_markdown_artifact(markdown=markdown_summary(report), key="ingest-summary",
                             description="msbrief ingest: sources, requests, new and amended items, failures")
    rows = [row for s in report.sources for row in s.figure_rows]
    if rows:
        table = [{**r, "value": str(r["value"])} for r in rows]
        create_table_artifact(table=table, key="figures-extracted", description="NRM figures extracted in this run")


@flow(name="ingest-all", on_failure=[notify_failure], on_crashed=[notify_failure])
def ingest_all(sources: list[str] | None = None) -> CycleReport | State:
    """Ingest every source (or the ones named); one failing source never stops the others."""
    report = run_ingest(sources)
    return finish(report)


def run_ingest(sources: list[str] | None) -> CycleReport:
    """Call the per-source flows in turn and gather their reports (failed ones included)."""
    names = sources or list(ADAPTERS)
    with transaction(get_engine()) as s:
        run_id = repo.start_run(s, flow_run_id=str(flow_run.get_id() or ""))
    report = CycleReport()
    for name in names:
        state = ingest_source(name, run_id=run_id, return_state=True)
        report.sources.append(_report_from_state(name, state))
    with transaction(get_engine()) as s:
        repo.finish_run(s, run_id, status="failed" if report.failed else "ok")
    publish_artifacts(report)
    return report


def _report_from_state(name: str, state: State) -> SourceReport:
    """The SourceReport a child flow returned, or one describing how it crashed."""
    try:
        value = state.result(raise_on_failure=False)
    except Exception as exc:  # noqa: BLE001 - a crashed child still gets a line in the report
        return SourceReport(name=name, status="failed", error=f"{exc.__class__.__name__}: {exc}")
    if isinstance(value, SourceReport):
        return value
    return SourceReport(name=name, status="failed", error=state.message or repr(value))


def finish(report: CycleReport) -> CycleReport | State:
    """Completed when every source succeeded, else Failed naming the sources that failed."""
    if report.failed:
        names = ", ".join(f"{s.name} ({s.error})" for s in report.failed)
        return Failed(message=f"{len(report.failed)} of {len(report.sources)} sources failed: {names}", data=report)
    return Completed(message=f"{len(report.sources)} sources ok", data=report)
