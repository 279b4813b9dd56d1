"""The full cycle `msbrief run` performs: ingest every source, then publish the feeds."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import Failed, State

from flows.alerts import notify_failure
from flows.ingest import finish, run_ingest
from flows.publish import publish
from flows.reports import CycleReport


@flow(name="cycle", on_failure=[notify_failure], on_crashed=[notify_failure])
def cycle(sources: list[str] | None = None) -> CycleReport | State:
    """Ingest (one failing source never stops the others), then rebuild feeds and index page."""
    report = run_ingest(sources)
    state = publish(return_state=True)
    if state.is_completed():
        report.feeds = state.result()
    else:
        report.warnings.append(f"publishing the feeds failed: {state.message}")
        get_run_logger().error("publishing the feeds failed: %s", state.message)
        return Failed(message=f"publishing the feeds failed: {state.message}", data=report)
    return finish(report)
