"""The work each benchmark scenario does, the msbrief way and the naive way.

Everything goes through msbrief's own code: `flows.ingest_core` (fetch + store one source),
`feeds.build` / `feeds.publish` (the feeds), `flows.weekly.read_week` and
`feeds.briefing.render_briefing` (the briefing), `scrapers.nrm.extract`. The naive
variants differ only where the brief says: no conditional GET (no validators sent), no
incremental stop (`is_known` always False, `backfill=True`), robots.txt fetched every run (no
24-hour cache), every item stored again, every feed file rewritten even when unchanged, and the
briefing's week found by scanning every publication instead of the store's date query.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from pipeline import ingest
from pipeline.settings import Settings
from pipeline.sources import SOURCES
from pipeline.sources import source as source_spec
from scrapers.errors import ScraperError
from scrapers.hosts import HostPolicy
from scrapers.http import HttpClient
from scrapers.normalise import load_topics
from store import models as m
from store import repo
from store.db import session_factory, transaction

from bench.corpus import SOURCES as CORPUS_SOURCES
from bench.measure import Cost, measure

ROOT = Path(__file__).resolve().parent.parent


def naive_fetch(settings: Settings, source: str) -> ingest.Fetched:
    """Fetch and parse all of `source`: no validators, no robots.txt cache, nothing known, backfill."""
    client = HttpClient(
        settings.http_user_agent, source, hosts=HostPolicy.for_source(adapter(source).SOURCE, settings.base_url(source)),
        connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
        max_bytes=settings.max_response_bytes, rate_limit_per_host=settings.rate_limit_per_host,
        concurrency_per_host=settings.concurrency_per_host, request_deadline=settings.request_deadline,
        source_deadline=settings.source_deadline, max_retries=settings.max_retries, obey_robots=settings.obey_robots,
    )
    result, error = None, None
    try:
        spec = source_spec(source)
        result = spec.adapter().collect(client, base_url=spec.base_url(settings), is_known=lambda url: False,
                                        topics=load_topics(settings.topics_file), backfill=True)
    except ScraperError as exc:
        error = str(exc)
    return ingest.Fetched(
        source=source, result=result,
        log=[replace(rec, url=ingest.state_url(settings, source_spec(source), rec.url)) for rec in client.log],
        requests=client.stats.requests, not_modified=client.stats.not_modified, bytes=client.stats.bytes,
        error=error, warnings=list(result.warnings) if result else [],
    )


def write_feeds(settings: Settings, engine: Engine, *, naive: bool) -> dict[str, int]:
    """The publish step: flows.site_build.build_and_write (skips an unchanged store); naive rebuilds and
    rewrites every file. Counts of files built and written."""
    from feeds.build import build_site
    from feeds.publish import atomic_write
    from flows.site_build import build_and_write
    from pipeline.site import load_site_data

    if not naive:
        before = {p: p.stat().st_mtime_ns for p in settings.public_dir.rglob("*") if p.is_file()}
        paths = build_and_write(force=False, settings=settings, engine=engine)
        written = [p for p in paths if before.get(Path(p)) != Path(p).stat().st_mtime_ns]
        return {"files": len(paths), "written": len(written)}
    files = build_site(load_site_data(engine), site_url=settings.site_url, max_entries=settings.feed_max_entries)
    for name, data in files.items():
        atomic_write(settings.public_dir / name, data)
    return {"files": len(files), "written": len(files)}


def cycle(settings: Settings, engine: Engine, *, naive: bool = False, seen_at: datetime | None = None) -> dict[str, Any]:
    """One cycle as flows.cycle does it, without Prefect: each source fetched and stored, then the feeds.

    Fetch and store of each source are measured separately (nested in the scenario's measurement).
    """
    with transaction(engine) as s:
        run_id = repo.start_run(s, flow_run_id="bench")
    sources = {}
    for name in CORPUS_SOURCES:  # the sources the corpus generates (govuk_guidance has no generator yet)
        with measure() as fetch_cost:
            fetched = naive_fetch(settings, name) if naive else ingest.fetch(settings, engine, name)
        with measure() as store_cost:
            report = ingest.store(engine, run_id, fetched, seen_at=seen_at)
        sources[name] = {"status": report.status, "error": report.error, "strategy": report.strategy,
                         "requests": report.requests, "not_modified": report.not_modified, "bytes": report.bytes,
                         "new": report.new, "amended": report.amended, "figures": report.figures,
                         "fetch": _short(fetch_cost), "store": _short(store_cost)}
    with transaction(engine) as s:
        repo.finish_run(s, run_id, status="ok" if all(v["status"] == "ok" for v in sources.values()) else "failed")
    with measure() as feeds_cost:
        feeds = write_feeds(settings, engine, naive=naive)
    return {"sources": sources, "feeds": {**feeds, **_short(feeds_cost)}}


def _short(cost: Cost) -> dict[str, float]:
    return {"wall": round(cost.wall, 4), "cpu": round(cost.cpu, 4)}


def publication_counts(engine: Engine) -> dict[str, int]:
    """Stored publications per source."""
    with session_factory(engine)() as s:
        rows = s.execute(select(m.Source.name, func.count(m.Publication.id)).join(m.Publication)
                         .group_by(m.Source.name)).all()
    return {name: count for name, count in rows}


def briefing(settings: Settings, engine: Engine, week: str, *, naive: bool = False) -> dict[str, Any]:
    """Read the week from the store and render the briefing (text, HTML with inlined CSS, chart)."""
    from feeds.briefing import Unsubscribe, render_briefing
    from pipeline.briefing import read_week

    data = naive_read_week(engine, week, settings=settings) if naive else read_week(engine, week, settings=settings)
    unsubscribe = Unsubscribe.of(settings.unsubscribe_mailto or settings.contact_email, settings.unsubscribe_url)
    rendered = render_briefing(data, week=week, unsubscribe=unsubscribe)
    return {"week": week, "publications": len(data.publications), "html_bytes": len(rendered.html.encode()),
            "text_bytes": len(rendered.text.encode()), "chart_bytes": len(rendered.chart_png or b"")}


def naive_read_week(engine: Engine, week: str, *, settings: Settings):  # type: ignore[no-untyped-def]
    """flows.weekly.read_week, then the week's publications found again by scanning every publication.

    The store's week query also runs (read_week is used whole, so this keeps up with its changes),
    which makes the naive figure a slight overstatement: by that one indexed query.
    """
    from dataclasses import replace as with_changes

    from feeds.weeks import week_bounds
    from pipeline.briefing import read_week
    from store import queries

    start, end = week_bounds(week, settings.timezone)
    data = read_week(engine, week, settings=settings)
    with session_factory(engine)() as s:
        everything = queries.feed_items(s)
    publications = [i for i in everything if start <= i.first_seen < end
                    or (i.amended_at is not None and start <= i.amended_at < end)]
    return with_changes(data, publications=tuple(publications))


def bulletins(corpus: Path | None) -> dict[str, list[Path]]:
    """The bulletins to extract: the real ones (JSON, HTML and text forms) and the corpus's synthetic ones."""
    real = sorted(p for p in (ROOT / "tests" / "fixtures" / "nrm" / "bulletins").glob("20*")
                  if p.suffix in (".json", ".html", ".txt") and not p.name.endswith(".expected.json"))
    real += sorted(p for p in (ROOT / "tests" / "fixtures" / "govuk_nrm" / "content").glob("*--*.json")
                   if not p.name.startswith("announcements--"))
    synthetic = sorted((corpus / "govuk_nrm" / "content").glob("bulletin-*.json")) if corpus else []
    return {"real": real, "synthetic": synthetic}


def extraction(corpus: Path | None, *, repeat_real: int = 20) -> dict[str, Any]:
    """Per-call time of scrapers.nrm.extract over real and synthetic bulletins (bodies read first)."""
    from scrapers.nrm import extract

    out: dict[str, Any] = {}
    for kind, paths in bulletins(corpus).items():
        bodies = [(p.name, p.read_bytes()) for p in paths]
        walls, cpus, figures = [], [], 0
        for _ in range(repeat_real if kind == "real" else 1):
            for name, body in bodies:
                c0, w0 = time.process_time(), time.perf_counter()
                result = extract(body, source_url=name)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                figures += len(result.figures)
        if walls:
            walls.sort()
            out[kind] = {"documents": len(bodies), "calls": len(walls), "figures_per_call": figures / len(walls),
                         "mean_ms": statistics.fmean(walls) * 1000, "median_ms": statistics.median(walls) * 1000,
                         "p95_ms": walls[int(0.95 * (len(walls) - 1))] * 1000, "max_ms": walls[-1] * 1000,
                         "cpu_mean_ms": statistics.fmean(cpus) * 1000}
    return out
