"""Turn bench/out/results.json into BENCHMARKS.md: tables, growth, naive ratios and target verdicts."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

LISTINGS = 5  # GOV.UK releases search + announcements search, SC feed, IASC listing, ATLEU collection
STEADY_SHARE = 0.02  # a steady-state cycle costs under 2% of a backfill's CPU
GROWTH_TOLERANCE = 1.25  # "no faster than linear": cost(large)/cost(small) <= size ratio x 1.25
PREFECT_SHARE = 0.25  # Prefect's overhead is at most a quarter of a steady-state cycle's wall time
SCENARIOS = (
    ("backfill", "first full backfill (ingest all + feeds)"),
    ("steady", "steady-state cycle, nothing new"),
    ("one_pct", "cycle with 1% new items"),
    ("feeds", "feeds build, nothing changed"),
    ("briefing", "briefing render, this week (the 1% new)"),
    ("briefing_first", "briefing render, backfill week (every item)"),
    ("extract", "figure extraction, every bulletin"),
)
SOURCES = ("govuk_nrm", "sentencing_council", "iasc", "atleu")


def machine(postgres: str | None) -> dict[str, str]:
    """The machine and software the run used."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo", encoding="utf-8")
                   if line.startswith("MemTotal"))
    info = {"cpu": cpu, "cores": str(os.cpu_count()), "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
            "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "postgresql": "not used (SQLite run)", "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    for package in ("prefect", "sqlalchemy", "requests", "feedparser"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    if postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(postgres).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url) as conn:
            info["postgresql"] = str(conn.execute("SELECT version()").fetchone()[0])  # type: ignore[index]
    return info


# --- formatting ----------------------------------------------------------------------------------


def s(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def mib(n: float) -> str:
    return f"{n / 1048576:.1f}"


def kib(n: float) -> str:
    return f"{n / 1024:,.0f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def traffic(result: dict[str, Any]) -> dict[str, Any]:
    return result.get("traffic") or {"requests": 0, "bytes": 0, "statuses": {}}


# --- sections ------------------------------------------------------------------------------------


def size_table(items: str, r: dict[str, Any]) -> list[str]:
    rows = []
    for key, what in SCENARIOS:
        if key not in r:
            continue
        res, naive = r[key], r.get(f"{key}:naive")
        c, t = res["cost"], traffic(res)
        row = [what, s(c["wall"]), s(c["cpu"]), mib(c["peak_rss_delta"]), f"{t['requests']:,}", kib(t["bytes"])]
        if naive:
            nc, nt = naive["cost"], traffic(naive)
            row += [s(nc["wall"]), s(nc["cpu"]), f"{nt['requests']:,}", kib(nt["bytes"]),
                    ratio(c["cpu"], nc["cpu"]), ratio(c["wall"], nc["wall"])]
        else:
            row += ["–"] * 4 + ["n/a", "n/a"]
        rows.append(row)
    head = ["scenario", "wall s", "CPU s", "peak RSS Δ MiB", "requests", "KiB down", "naive wall s", "naive CPU s",
            "naive requests", "naive KiB", "CPU vs naive", "wall vs naive"]
    return [f"### {int(items):,} items", ""] + table(head, rows) + [""]


def breakdown(sizes: list[str], by: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Where a backfill's CPU goes, per source and phase, at each size; growth verdicts per part."""
    k = int(sizes[-1]) / int(sizes[0])
    rows, verdicts = [], []
    parts = [(src, phase, [by[n]["backfill"]["detail"]["sources"][src][phase]["cpu"] for n in sizes])
             for src in SOURCES for phase in ("fetch", "store")]
    parts.append(("feeds", "build + write", [by[n]["backfill"]["detail"]["feeds"]["cpu"] for n in sizes]))
    for src, phase, cells in parts:
        g = cells[-1] / cells[0] if cells[0] else float("inf")
        ok = g <= k * GROWTH_TOLERANCE
        rows.append([src, phase] + [s(c) for c in cells] + [f"{g:.2f}×", "≤ linear" if ok else "**faster than linear**"])
        verdicts.append(f"{'PASS' if ok else 'FAIL'} growth of the backfill's {src} {phase}: CPU ×{g:.2f} for ×{k:g} "
                        f"items (limit ×{k * GROWTH_TOLERANCE:g})")
    head = ["source", "phase"] + [f"CPU s, {int(n):,} items" for n in sizes] + ["growth", "verdict"]
    return table(head, rows), verdicts


def steady_breakdown(sizes: list[str], by: dict[str, Any]) -> list[str]:
    rows = []
    for n in sizes:
        d = by[n]["steady"]["detail"]
        ingest = sum(d["sources"][x][p]["cpu"] for x in SOURCES for p in ("fetch", "store"))
        rows.append([f"{int(n):,}", s(ingest), s(d["feeds"]["cpu"]), f"{d['feeds']['written']} of {d['feeds']['files']}"])
    return table(["items", "ingest CPU s (4 sources, fetch + store)", "feeds build CPU s", "feed files written"], rows)


def growth(sizes: list[str], by: dict[str, Any]) -> tuple[list[str], list[str]]:
    small, large = sizes
    k = int(large) / int(small)
    rows, verdicts = [], []
    for key, what in SCENARIOS:
        if key not in by[small] or key not in by[large]:
            continue
        a, b = by[small][key], by[large][key]
        cpu_a, cpu_b = a["cost"]["cpu"], b["cost"]["cpu"]
        if key == "extract":  # per call, not per archive
            cpu_a, cpu_b = a["detail"]["synthetic"]["cpu_mean_ms"], b["detail"]["synthetic"]["cpu_mean_ms"]
        ta, tb = traffic(a), traffic(b)
        g = cpu_b / cpu_a if cpu_a else float("inf")
        ok = g <= k * GROWTH_TOLERANCE
        rows.append([what + (" (per call, CPU in ms)" if key == "extract" else ""), s(cpu_a), s(cpu_b), f"{g:.2f}×",
                     ratio(b["cost"]["wall"], a["cost"]["wall"]), ratio(tb["requests"], ta["requests"]),
                     ratio(tb["bytes"], ta["bytes"]), ratio(b["cost"]["peak_rss_delta"], a["cost"]["peak_rss_delta"]),
                     "≤ linear" if ok else "**faster than linear**"])
        verdicts.append(f"{'PASS' if ok else 'FAIL'} growth of {what}: CPU ×{g:.2f} for ×{k:g} items "
                        f"(limit ×{k * GROWTH_TOLERANCE:g})")
    head = ["scenario", f"CPU {int(small):,}", f"CPU {int(large):,}", "CPU growth", "wall growth", "requests growth",
            "bytes growth", "peak RSS growth", "verdict"]
    return table(head, rows), verdicts


def steady_verdicts(items: str, r: dict[str, Any]) -> list[str]:
    t = traffic(r["steady"])
    statuses = t["statuses"]
    only_listings = t["requests"] == LISTINGS and statuses == {"304": LISTINGS} and t["bytes"] == 0 and t["robots"] == 0
    share = r["steady"]["cost"]["cpu"] / r["backfill"]["cost"]["cpu"]
    n = f"{int(items):,} items"
    return [
        f"{'PASS' if only_listings else 'FAIL'} steady-state cycle ({n}) sends one request per source listing and "
        f"downloads no bodies: {t['requests']} requests (expected {LISTINGS}), statuses {statuses}, "
        f"{t['bytes']} body bytes, robots.txt fetched {t['robots']} times",
        f"{'PASS' if share < STEADY_SHARE else 'FAIL'} steady-state cycle ({n}) costs under 2% of a backfill's CPU: "
        f"{r['steady']['cost']['cpu']:.3f} s / {r['backfill']['cost']['cpu']:.2f} s = {share:.1%}",
    ]


def correctness(items: str, r: dict[str, Any]) -> list[str]:
    """The backfill finds every item; the 1% cycle finds every new one (both ways)."""
    lines = []
    for key, corpus_key in (("backfill", "corpus"), ("backfill:naive", "corpus"), ("one_pct", "corpus_new"),
                            ("one_pct:naive", "corpus_new")):
        expected, stored = r[corpus_key]["expected"], r[key].get("stored", {})
        failed = [f"{name}: {d['error']}" for name, d in r[key]["detail"]["sources"].items() if d["status"] != "ok"]
        ok = stored == expected and not failed
        lines.append(f"{'PASS' if ok else 'FAIL'} {key} ({int(items):,} items) stored {sum(stored.values()):,} of "
                     f"{sum(expected.values()):,} expected items {stored if not ok else ''}{failed if failed else ''}".rstrip())
    return lines


def prefect_section(sizes: list[str], by: dict[str, Any]) -> tuple[list[str], list[str]]:
    rows, verdicts, lines = [], [], []
    for n in sizes:
        p = by[n].get("prefect")
        if not p:
            continue
        last = p["runs"][-1]
        pc, dc = last["prefect"]["cost"], last["direct"]["cost"]
        over_wall, over_cpu = pc["wall"] - dc["wall"], pc["cpu"] - dc["cpu"]
        share = over_wall / pc["wall"] if pc["wall"] else 0.0
        completed = last["prefect"]["detail"]["completed"]
        rows.append([f"{int(n):,}", s(p["imports"]["wall"]), s(p["startup"]["wall"]), s(p["startup"]["cpu"]),
                     s(p["startup"]["child_cpu"]), s(pc["wall"]), s(pc["cpu"]), s(pc["child_cpu"]), s(dc["wall"]),
                     s(dc["cpu"]), s(over_wall), s(over_cpu), f"{share:.0%}"])
        first = p["runs"][0]["prefect"]["cost"]
        lines.append(f"- {int(n):,} items: first cycle through Prefect in the process {s(first['wall'])} s wall; "
                     f"the flow run {'completed' if completed else 'did NOT complete: ' + str(last['prefect']['detail']['message'])}; "
                     f"Prefect run requests {traffic(last['prefect'])['requests']}, direct run requests "
                     f"{traffic(last['direct'])['requests']}.")
        verdicts.append(f"{'PASS' if share <= PREFECT_SHARE and completed else 'FAIL'} Prefect's overhead on a "
                        f"steady-state cycle ({int(n):,} items) is a small share (≤ {PREFECT_SHARE:.0%}) of its wall time: "
                        f"{over_wall:.2f} s of {pc['wall']:.2f} s = {share:.0%} (one-off temporary server start "
                        f"{p['startup']['wall']:.1f} s, stated separately)")
    head = ["items", "import s", "server start wall s", "start CPU s", "start server-process CPU s",
            "cycle via Prefect wall s", "CPU s", "server-process CPU s", "direct wall s", "direct CPU s",
            "overhead wall s", "overhead CPU s", "overhead share of wall"]
    return (table(head, rows) + [""] + lines if rows else ["(not run: --no-prefect)"]), verdicts


def extraction_section(sizes: list[str], by: dict[str, Any]) -> list[str]:
    rows = []
    for n in sizes:
        d = by[n]["extract"]["detail"]
        for kind in ("real", "synthetic"):
            if kind in d:
                x = d[kind]
                rows.append([f"{int(n):,}", kind, str(x["documents"]), str(x["calls"]), f"{x['figures_per_call']:.1f}",
                             f"{x['mean_ms']:.2f}", f"{x['median_ms']:.2f}", f"{x['p95_ms']:.2f}", f"{x['max_ms']:.2f}",
                             f"{x['cpu_mean_ms']:.2f}"])
    head = ["corpus", "bulletins", "documents", "calls", "figures per call", "mean ms", "median ms", "p95 ms",
            "max ms", "CPU mean ms"]
    return table(head, rows)


def render(results: dict[str, Any]) -> tuple[str, list[str]]:
    """The text of BENCHMARKS.md and the PASS/FAIL lines."""
    by, sizes = results["by_size"], [str(n) for n in results["sizes"]]
    m = results["machine"]
    verdicts: list[str] = []
    for n in sizes:
        verdicts += correctness(n, by[n])
    for n in sizes:
        verdicts += steady_verdicts(n, by[n])
    growth_rows, growth_verdicts = growth(sizes, by)
    verdicts += growth_verdicts
    breakdown_rows, breakdown_verdicts = breakdown(sizes, by)
    verdicts += breakdown_verdicts
    prefect_rows, prefect_verdicts = prefect_section(sizes, by)
    verdicts += prefect_verdicts
    out = [
        "# Benchmarks",
        "",
        "Written by `.venv/bin/python -m bench` (bench/run.py) — do not edit by hand; run it again.",
        f"This run: {results['started']}, {results['duration'] / 60:.1f} minutes, database **{results['database']}**.",
        "",
        "## Machine",
        "",
    ]
    out += table(["", ""], [[k, str(v)] for k, v in m.items()]) + [""]
    out += [
        "## How it was measured",
        "",
        "- Corpus: `bench/corpus.py`, deterministic (seeded, no clock); sizes "
        + ", ".join(f"{int(n):,} items {by[n]['corpus']['expected']} (digest {by[n]['corpus']['digest'][:12]})" for n in sizes)
        + ". The \"1% new\" variants add " + " and ".join(f"{sum(by[n]['corpus_new']['new'].values())}" for n in sizes)
        + " items (1% per source, at least one each), newer than the rest.",
        "- The mirror (`mirror/server.py`) serves the corpus from a separate process, so CPU time is msbrief's own; "
        "requests and bytes are the mirror's request log (body bytes as sent, gzip where accepted). "
        + ("The mirror's sockets had TCP_NODELAY set (see findings: the stock mirror adds ~40 ms per keep-alive "
           "response)." if not results["nagle"] else "The stock mirror sockets were used (no TCP_NODELAY)."),
        f"- **Rate limiting was disabled** for the loopback mirror (`rate_limit_per_host={results['rate_limit_per_host']:g}`). "
        "Real sites are rate limited (default 1 request per second per host), so against them a cycle's wall time "
        "is at least its request count in seconds: a backfill of the larger archive would take "
        f"≥ {traffic(by[sizes[-1]]['backfill'])['requests'] / 60:.0f} minutes, a steady-state cycle a few seconds.",
        "- Each scenario runs in a fresh worker process (`bench/worker.py`) with msbrief's modules imported and "
        "the schema migrated before measuring. Wall = `perf_counter`; CPU = `process_time` of the worker (all its "
        "threads); peak RSS Δ = `ru_maxrss` after the work minus RSS before it (tracemalloc is not used: it "
        "distorts times).",
        f"- A cycle = every source fetched and stored through `flows.ingest_core` (one transaction per source), "
        "then the feeds built and written as `flows.site_build.build_and_write` does. The backfill stores its items "
        f"as first seen at {results['backfill_seen_at']}, so this week's briefing shows only the 1% new items.",
        "- Naive baseline, same run: no conditional GET, no incremental stop (`is_known` always false, backfill), "
        "robots.txt fetched every run, every item parsed and stored again, every feed file rewritten; for the "
        "briefing, the week's items found again by scanning every publication (after the store's own week "
        "query, so slightly overstated). Figure extraction has no naive variant.",
        "",
        "## Results",
        "",
    ]
    for n in sizes:
        out += size_table(n, by[n])
    out += ["### Where a backfill's CPU goes", ""] + breakdown_rows + [""]
    out += ["### Where a steady-state cycle's CPU goes", ""] + steady_breakdown(sizes, by) + [""]
    out += ["## Growth with the archive", ""] + growth_rows + [""]
    out += ["## Prefect's share of a steady-state cycle", "",
            "The same steady-state cycle through the Prefect flow `flows.cycle.cycle` (temporary local API, "
            "SQLite) and directly through `flows.ingest_core` + the feeds build, alternately in one process; the "
            "last pair is shown. The temporary server's start (first flow run in a fresh PREFECT_HOME) is a "
            "one-off cost per process, stated separately; the server runs in a child process whose CPU is shown "
            "apart.", ""] + prefect_rows + [""]
    out += ["## Figure extraction per bulletin", "",
            "`scrapers.nrm.extract` per call: the real bulletins (tests/fixtures/nrm/bulletins in JSON, "
            "HTML and text, and the GOV.UK Content API captures; each 20 times) and every synthetic bulletin of "
            "the corpus.", ""] + extraction_section(sizes, by) + [""]
    out += ["## Targets", "", "```"] + verdicts + ["```", ""]
    return "\n".join(out), verdicts
