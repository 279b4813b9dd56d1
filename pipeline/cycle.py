"""One full cycle without Prefect: ingest the sources side by side, then publish the feeds.

`msbrief run` and `msbrief demo` call `run_cycle` directly when no Prefect API is configured;
under a Prefect API the cycle flow (flows/cycle.py) runs the same steps as tasks.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from pipeline.ingest import ingest_source
from pipeline.reports import CycleReport, SourceReport
from pipeline.settings import Settings
from pipeline.site import PublishRefused, publish_site
from pipeline.sources import SOURCES
from store import units
from store.db import Engine, error_line

log = logging.getLogger("pipeline.cycle")


def start_run(engine: Engine, *, flow_run_id: str = "") -> int:
    """Record the start of a run (one cycle, or one deployment's single-source run); its id."""
    return units.start_run(engine, flow_run_id=flow_run_id)


def finish_run(engine: Engine, run_id: int, report: CycleReport) -> None:
    """Record how the run ended."""
    units.finish_run(engine, run_id, failed=bool(report.failed))


def ingest_all(settings: Settings, engine: Engine, names: Sequence[str], *, run_id: int,
               ingest: Callable[[str], SourceReport] | None = None) -> list[SourceReport]:
    """Ingest every named source, at most settings.concurrent_sources at once; reports in `names` order.

    One source's trouble is its own: whatever it raises becomes its failed report.
    """
    ingest = ingest or (lambda name: ingest_source(settings, engine, name, run_id=run_id))

    def one(name: str) -> SourceReport:
        try:
            return ingest(name)
        except Exception as exc:  # noqa: BLE001 - a crashed source still gets its line in the report
            reason = error_line(exc)  # one line: never SQL, parameters or a traceback (those go to debug)
            log.error("source %s crashed: %s", name, reason)
            log.debug("source %s crashed", name, exc_info=True)
            return SourceReport(name=name, status="failed", error=f"[{name}] {reason}")

    with ThreadPoolExecutor(max_workers=max(1, settings.concurrent_sources), thread_name_prefix="ingest") as pool:
        # each source runs in a copy of the caller's context (a Prefect flow run's, when there is one)
        futures = [pool.submit(contextvars.copy_context().run, one, name) for name in names]
        return [f.result() for f in futures]


def run_cycle(settings: Settings, engine: Engine, sources: Sequence[str] | None = None) -> CycleReport:
    """Ingest the sources (all by default), then rebuild the feeds when the store changed."""
    names = list(sources or SOURCES)
    run_id = start_run(engine)
    report = CycleReport(sources=ingest_all(settings, engine, names, run_id=run_id))
    finish_run(engine, run_id, report)
    try:
        report.feeds = publish_site(settings, engine).paths
    except PublishRefused as exc:  # one line: the wrong (or an empty) database
        log.error("%s", exc)
        report.warnings.append(f"publishing the feeds failed: {exc}")
        report.publish_failed = True
    except Exception as exc:  # noqa: BLE001 - reported like a failed source, the stored data stays
        reason = error_line(exc)  # one line; the traceback only at debug level
        log.error("publishing the feeds failed: %s", reason)
        log.debug("publishing the feeds failed", exc_info=True)
        report.warnings.append(f"publishing the feeds failed: {reason}")
        report.publish_failed = True
    if settings.release_alerts and not report.publish_failed:
        # new figures: the release-day message, once the pages are out (imported only when it is on)
        from pipeline.release_alerts import after_new_figures

        report.warnings += after_new_figures(engine, settings, report.sources, now=datetime.now(UTC))
    return report
