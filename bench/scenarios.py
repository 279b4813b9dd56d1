"""The work each benchmark scenario does, through msbrief's own code, and the floor.

A cycle goes through `pipeline.ingest.fetch` and `pipeline.ingest.store` (one transaction per
source) and `pipeline.site.publish_site`, as `pipeline.cycle.run_cycle` does (one source after the
other here, so each one's cost can be told apart); the briefing through
`pipeline.briefing.read_week` and `feeds.briefing.render_briefing`; figure extraction through
`scrapers.nrm.extract`. The floor (bench/floor.py) is the same corpus parsed by the same adapters
and inserted with plain executemany, no features: the least a backfill could cost.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from bench import floor as bench_floor
from bench.corpus import SOURCES as CORPUS_SOURCES
from bench.measure import Cost, StatementCounter, measure
from pipeline import ingest
from pipeline.settings import Settings
from store import models as m
from store.db import session_factory

ROOT = Path(__file__).resolve().parent.parent


def write_feeds(settings: Settings, engine: Engine) -> dict[str, Any]:
    """The publish step (pipeline.site.publish_site: what changed since the last publish, nothing when nothing did);
    counts of files published and rewritten."""
    from pipeline.site import publish_site

    result = publish_site(settings, engine)
    return {"files": len(result.paths), "written": len(result.written), "skipped": bool(result.skipped)}


def cycle(settings: Settings, engine: Engine, counter: StatementCounter, *, seen_at: datetime | None = None
          ) -> dict[str, Any]:
    """One cycle as pipeline.cycle.run_cycle does it, one source after the other: each source fetched
    (pipeline.ingest.fetch) and stored (pipeline.ingest.store, one transaction), then the feeds.

    The fetch and the store of each source are measured separately (nested in the scenario's
    measurement), with the SQL statements each sends.
    """
    from pipeline.cycle import finish_run, start_run
    from pipeline.reports import CycleReport

    statements0 = counter.total
    run_id = start_run(engine, flow_run_id="bench")
    sources, reports = {}, []
    for name in CORPUS_SOURCES:  # the sources the corpus generates (govuk_guidance has no generator yet)
        with measure() as fetch_cost, counting(counter) as fetch_sql:
            fetched = ingest.fetch(settings, engine, name)
        with measure() as store_cost, counting(counter) as store_sql:
            report = ingest.store(engine, run_id, fetched, seen_at=seen_at)
        reports.append(report)
        sources[name] = {"status": report.status, "error": report.error, "strategy": report.strategy,
                         "requests": report.requests, "not_modified": report.not_modified, "bytes": report.bytes,
                         "new": report.new, "amended": report.amended, "figures": report.figures,
                         "fetch": _short(fetch_cost, fetch_sql), "store": _short(store_cost, store_sql)}
    finish_run(engine, run_id, CycleReport(sources=reports))
    ingest_statements = counter.total - statements0
    with measure() as feeds_cost, counting(counter) as feeds_sql:
        feeds = write_feeds(settings, engine)
    return {"sources": sources, "feeds": {**feeds, **_short(feeds_cost, feeds_sql)},
            "statements": {"ingest": ingest_statements, "total": counter.total - statements0}}


def floor(settings: Settings, engine: Engine, counter: StatementCounter, *, seen_at: datetime) -> dict[str, Any]:
    """The floor (bench/floor.py): each source fetched bare, parsed and inserted with plain executemany."""
    statements0 = counter.total
    ids = bench_floor.Ids(engine)
    sources = {}
    for name in CORPUS_SOURCES:
        with measure() as fetch_cost, counting(counter) as fetch_sql:
            result = bench_floor.fetch(settings, name)
        with measure() as store_cost, counting(counter) as store_sql:
            stored = bench_floor.store(engine, ids, name, result, seen_at=seen_at)
        sources[name] = {"status": "ok", "error": None, "new": stored,
                         "fetch": _short(fetch_cost, fetch_sql), "store": _short(store_cost, store_sql)}
    statements = counter.total - statements0
    return {"sources": sources, "statements": {"ingest": statements, "total": statements}}


class _Count:
    n = 0


@contextmanager
def counting(counter: StatementCounter) -> Iterator[_Count]:
    """The statements `counter` sees during the `with` block (in the yielded object's `n`)."""
    found, before = _Count(), counter.total
    try:
        yield found
    finally:
        found.n = counter.total - before


def _short(cost: Cost, sql: _Count | None = None) -> dict[str, float]:
    out = {"wall": round(cost.wall, 4), "cpu": round(cost.cpu, 4)}
    if sql is not None:
        out["statements"] = sql.n
    return out


def publication_counts(engine: Engine) -> dict[str, int]:
    """Stored publications per source."""
    with session_factory(engine)() as s:
        rows = s.execute(select(m.Source.name, func.count(m.Publication.id)).join(m.Publication)
                         .group_by(m.Source.name)).all()
    return {name: count for name, count in rows}


def release_counts(engine: Engine) -> dict[str, int]:
    """The NRM releases stored, those with figures, and their figures (published and withheld)."""
    published = m.Figure.withheld_reason.is_(None)
    with session_factory(engine)() as s:
        releases = s.scalar(select(func.count(m.StatisticsRelease.id))) or 0
        with_figures = s.scalar(select(func.count(func.distinct(m.Figure.release_id))).where(published)) or 0
        figures = s.scalar(select(func.count(m.Figure.id)).where(published)) or 0
        withheld = s.scalar(select(func.count(m.Figure.id)).where(m.Figure.withheld_reason.is_not(None))) or 0
    return {"releases": releases, "with_figures": with_figures, "figures": figures, "withheld": withheld}


def briefing(settings: Settings, engine: Engine, week: str) -> dict[str, Any]:
    """Read the week from the store and render the briefing (text, HTML with inlined CSS, chart)."""
    from feeds.briefing import Unsubscribe, render_briefing
    from pipeline.briefing import read_week

    data = read_week(engine, week, settings=settings)
    unsubscribe = Unsubscribe.of(settings.unsubscribe_mailto or settings.contact_email, settings.unsubscribe_url)
    rendered = render_briefing(data, week=week, unsubscribe=unsubscribe)
    return {"week": week, "publications": len(data.publications), "html_bytes": len(rendered.html.encode()),
            "text_bytes": len(rendered.text.encode()), "chart_bytes": len(rendered.chart_png or b"")}


def bulletins(corpus: Path | None) -> dict[str, list[Path]]:
    """The bulletins to extract: the real ones (JSON, HTML and text forms) and the corpus's synthetic ones."""
    real = sorted(p for p in (ROOT / "tests" / "fixtures" / "nrm" / "bulletins").glob("20*")
                  if p.suffix in (".json", ".html", ".txt") and not p.name.endswith(".expected.json"))
    real += sorted(p for p in (ROOT / "tests" / "fixtures" / "govuk_nrm" / "content").glob("*--*.json")
                   if not p.name.startswith("announcements--"))
    synthetic = sorted((corpus / "govuk_nrm" / "content").glob("bulletin-*.json")) if corpus else []
    return {"real": real, "synthetic": synthetic}


def extraction(corpus: Path | None, *, repeat_real: int = 20) -> dict[str, Any]:
    """Per-call time of scrapers.nrm.extract over real and synthetic bulletins (bodies read first).

    A synthetic bulletin (bulletin-<period>.json) must be read for its own period, with figures and
    none withheld: any that is not is listed under `failures` (the run goes on; the report fails it).
    """
    from scrapers.nrm import extract

    out: dict[str, Any] = {}
    for kind, paths in bulletins(corpus).items():
        bodies = [(p.name, p.read_bytes()) for p in paths]
        walls, cpus, figures, withheld, failures = [], [], 0, 0, []
        least = None
        for _ in range(repeat_real if kind == "real" else 1):
            for name, body in bodies:
                c0, w0 = time.process_time(), time.perf_counter()
                try:
                    result = extract(body, source_url=name)
                except Exception as exc:  # noqa: BLE001 -- any failure is a finding to report, not a crash
                    failures.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
                    continue
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                figures += len(result.figures)
                if kind == "synthetic":
                    want = name.removeprefix("bulletin-").removesuffix(".json")
                    withheld += len(result.withheld)
                    least = len(result.figures) if least is None else min(least, len(result.figures))
                    if result.period != want or not result.figures or result.withheld:
                        failures.append(f"{name}: period {result.period}, {len(result.figures)} figures, "
                                        f"{len(result.withheld)} withheld")
        if walls or failures:
            walls.sort()
            out[kind] = {"documents": len(bodies), "calls": len(walls), "failures": failures,
                         "figures_per_call": figures / len(walls) if walls else 0.0,
                         "mean_ms": statistics.fmean(walls) * 1000 if walls else 0.0,
                         "median_ms": statistics.median(walls) * 1000 if walls else 0.0,
                         "p95_ms": walls[int(0.95 * (len(walls) - 1))] * 1000 if walls else 0.0,
                         "max_ms": walls[-1] * 1000 if walls else 0.0,
                         "cpu_mean_ms": statistics.fmean(cpus) * 1000 if cpus else 0.0}
            if kind == "synthetic":
                out[kind].update(figures=figures, withheld=withheld, least_figures=least or 0)
    return out
