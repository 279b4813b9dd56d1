"""The full cycle `msbrief run` performs under a Prefect API: ingest every source, then publish."""

from __future__ import annotations

import contextlib

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed, State

from flows.after_store import best_effort
from flows.alerts import notify_failure
from flows.ingest import ingest_with_limits, report_of
from flows.names import run_name
from flows.publish import publish_task
from flows.release_watch import release_message
from flows.run_logs import RunFailed, failed
from pipeline.cycle import finish_run, ingest_all, start_run
from pipeline.engine import get_engine
from pipeline.reports import CycleReport
from pipeline.settings import get_settings
from pipeline.sources import SOURCES


class CycleFailed(RunFailed):
    """Some source, or the publishing, failed; the whole report travels with it."""

    def __init__(self, report: CycleReport) -> None:
        super().__init__(report.failure_line())
        self.report = report


@flow(name="cycle", flow_run_name=run_name("cycle"), on_failure=[notify_failure], on_crashed=[notify_failure])
def cycle(sources: list[str] | None = None) -> CycleReport | State:
    """Ingest the sources side by side (one failing never stops the others), then rebuild the feeds."""
    settings, engine = get_settings(), get_engine()
    names = list(sources or SOURCES)
    run_id = start_run(engine, flow_run_id=str(flow_run.get_id() or ""))
    reports = ingest_all(settings, engine, names, run_id=run_id,
                         ingest=lambda name: report_of(name, ingest_with_limits(name, run_id)))
    report = CycleReport(sources=reports)
    best_effort("record the end of the run in msbrief's runs table", lambda: finish_run(engine, run_id, report))
    state = publish_task(return_state=True)
    if state.is_completed():
        report.feeds = state.result().paths
        if any(s.figures for s in report.sources):
            report.warnings += release_message()  # the release-day message (opt-in), once the pages are out
    else:
        report.publish_failed = True
        report.warnings.append(f"publishing the feeds failed: {state.message}")
        with contextlib.suppress(Exception):
            get_run_logger().error("publishing the feeds failed: %s", state.message)
    if not report.ok:
        return failed(report.failure_line(), CycleFailed(report))
    return Completed(message=f"{len(report.sources)} sources ok", data=report)


def cycle_report(state: State) -> CycleReport:
    """The CycleReport a cycle run ended with, whether it completed or failed."""
    value = state.result(raise_on_failure=False)
    if isinstance(value, CycleFailed):
        return value.report
    if isinstance(value, CycleReport):
        return value
    return CycleReport(warnings=[f"the cycle did not complete: {state.message}"], publish_failed=True)
