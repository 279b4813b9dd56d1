"""Turn bench/out/results.json into BENCHMARKS.md: the issue 17 and 13 numbers, tables, growth and target verdicts."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

LISTINGS = 5  # GOV.UK releases search + announcements search, SC feed, IASC listing, ATLEU collection
STEADY_SHARE = 0.02  # issue 17: a steady cycle's CPU at most 2% of the backfill's
ONE_PCT_SHARE = 0.10  # issue 29: a cycle with 1% new items (its publish included) at most 10% of the backfill's CPU
FLOOR_RATIO = 3.0  # issue 17: a backfill within 3x of the floor (CPU per item)
STATEMENTS_PER_ITEM = 2.0  # issue 17: at most 2 SQL statements per stored item
GROWTH_TOLERANCE = 1.25  # "no faster than linear": cost(large)/cost(small) <= size ratio x 1.25
DEMO_FIRST, HELP, SERVE_MIB = 30.0, 1.0, 250.0  # issue 13: seconds of wall, MiB resident
DEMO_SECOND = 2.0  # issue 30: a second demo on an idle machine, with or without writable bytecode
SCENARIOS = (
    ("floor", "floor: parse and insert (plain executemany)"),
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
            "postgresql": "not used (SQLite run)", "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
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
            row = conn.execute("SELECT version()").fetchone()
            info["postgresql"] = str(row[0]) if row else "?"
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


def stored(r: dict[str, Any], key: str) -> int:
    return sum(r[key].get("stored", {}).values())


def statements(result: dict[str, Any]) -> int:
    return result["detail"]["statements"]["total"] if "statements" in result.get("detail", {}) else 0


def issue17(r: dict[str, Any]) -> dict[str, float]:
    """The store-at-the-floor numbers of one database and size."""
    items, floor_items = stored(r, "backfill"), stored(r, "floor")
    backfill, floor = r["backfill"]["cost"]["cpu"], r["floor"]["cost"]["cpu"]
    ingest = backfill - r["backfill"]["detail"]["feeds"]["cpu"]
    per_item, floor_per_item = backfill / items, floor / floor_items
    return {"items": items, "per_item_ms": per_item * 1000, "floor_per_item_ms": floor_per_item * 1000,
            "ratio": per_item / floor_per_item, "ingest_ratio": ingest / items / floor_per_item,
            "statements": statements(r["backfill"]) / items,
            "ingest_statements": r["backfill"]["detail"]["statements"]["ingest"] / items,
            "steady_share": r["steady"]["cost"]["cpu"] / backfill,
            "one_pct_share": r["one_pct"]["cost"]["cpu"] / backfill if "one_pct" in r else 0.0}


def summary_lines(database: str, sizes: list[str], by: dict[str, Any]) -> list[str]:
    """The lines issue 17 asks for, each on a line of its own."""
    out = []
    for n in sizes:
        x = issue17(by[n])
        out += [f"### {LABELS[database]}, {int(n):,} items", "", "```",
                f"backfill CPU per item vs floor: {x['ratio']:.2f}×",
                f"SQL statements per stored item: {x['statements']:.3f}",
                f"steady cycle CPU vs backfill: {x['steady_share']:.2%}",
                f"1%-new cycle CPU vs backfill: {x['one_pct_share']:.2%}",
                "```", "",
                f"Backfill {x['per_item_ms']:.3f} ms of CPU per item (fetch, parse, store, run records and the feeds "
                f"build), floor {x['floor_per_item_ms']:.3f} ms; the ingest alone (without the feeds build) is "
                f"{x['ingest_ratio']:.2f}× the floor and sends {x['ingest_statements']:.3f} statements per item. "
                f"Steady cycle {s(by[n]['steady']['cost']['cpu'])} s of CPU against the backfill's "
                f"{s(by[n]['backfill']['cost']['cpu'])} s; the 1%-new cycle "
                f"{s(by[n]['one_pct']['cost']['cpu'])} s, of which publishing what changed "
                f"{s(by[n]['one_pct']['detail']['feeds']['cpu'])} s and "
                f"{by[n]['one_pct']['detail']['feeds']['statements']:,} SQL statements (issue 29: at most "
                f"{ONE_PCT_SHARE:.0%} of the backfill's CPU at {int(sizes[-1]):,} items).", ""]
    return out


def size_table(items: str, r: dict[str, Any]) -> list[str]:
    rows = []
    for key, what in SCENARIOS:
        if key not in r:
            continue
        res = r[key]
        c, t = res["cost"], traffic(res)
        n = statements(res)
        rows.append([what, s(c["wall"]), s(c["cpu"]), mib(c["peak_rss_delta"]), f"{t['requests']:,}", kib(t["bytes"]),
                     f"{n:,}" if "statements" in res.get("detail", {}) else "–"])
    head = ["scenario", "wall s", "CPU s", "peak RSS Δ MiB", "requests", "KiB down", "SQL statements"]
    return [f"#### {int(items):,} items", ""] + table(head, rows) + [""]


def breakdown(sizes: list[str], by: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Where a backfill's CPU goes, per source and phase, against the floor; growth verdicts per part,
    each against the growth of that source's own items (GOV.UK's releases grow less than the archive:
    there are only so many)."""
    rows, verdicts = [], []
    parts = [(src, phase) for src in SOURCES for phase in ("fetch", "store")]
    for src, phase in parts:
        base = [by[n]["corpus"]["base"][src] for n in sizes]
        k = base[-1] / base[0] if base[0] else int(sizes[-1]) / int(sizes[0])
        cells = [by[n]["backfill"]["detail"]["sources"][src][phase] for n in sizes]
        floors = [by[n]["floor"]["detail"]["sources"][src][phase] for n in sizes]
        g = cells[-1]["cpu"] / cells[0]["cpu"] if cells[0]["cpu"] else float("inf")
        ok = g <= k * GROWTH_TOLERANCE
        rows.append([src, phase] + [f"{s(c['cpu'])} ({s(f['cpu'])})" for c, f in zip(cells, floors, strict=True)]
                    + [f"{c['statements']:,} ({f['statements']:,})" for c, f in zip(cells, floors, strict=True)]
                    + [f"{g:.2f}× (items ×{k:.3g})", "≤ linear" if ok else "**faster than linear**"])
        verdicts.append(f"{'PASS' if ok else 'FAIL'} growth of the backfill's {src} {phase}: CPU ×{g:.2f} for ×{k:.3g} "
                        f"items ({base[0]:,} → {base[-1]:,}; limit ×{k * GROWTH_TOLERANCE:.3g})")
    feeds = [by[n]["backfill"]["detail"]["feeds"] for n in sizes]
    rows.append(["feeds", "build + write"] + [f"{s(f['cpu'])} (–)" for f in feeds]
                + [f"{f['statements']:,} (–)" for f in feeds] + [f"{feeds[-1]['cpu'] / feeds[0]['cpu']:.2f}×", ""])
    head = (["source", "phase"] + [f"CPU s, {int(n):,} items (floor)" for n in sizes]
            + [f"statements, {int(n):,} items (floor)" for n in sizes] + ["growth", "verdict"])
    return table(head, rows), verdicts


def steady_breakdown(sizes: list[str], by: dict[str, Any]) -> list[str]:
    rows = []
    for n in sizes:
        for key in ("steady", "one_pct"):
            d = by[n][key]["detail"]
            ingest = sum(d["sources"][x][p]["cpu"] for x in SOURCES for p in ("fetch", "store"))
            rows.append([f"{int(n):,}", key.replace("one_pct", "1% new"), s(ingest), s(d["feeds"]["cpu"]),
                         f"{d['feeds']['written']} of {d['feeds']['files']}", str(d["statements"]["ingest"]),
                         str(d["statements"]["total"] - d["statements"]["ingest"])])
    return table(["items", "cycle", "ingest CPU s (fetch + store)", "feeds CPU s", "feed files rewritten",
                  "ingest statements", "feeds statements"], rows)


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


def store_verdicts(sizes: list[str], by: dict[str, Any]) -> list[str]:
    """Issue 17's targets: at the larger size the backfill within 3× of the floor and at most 2
    statements per stored item; at both sizes the steady cycle at most 2% of the backfill's CPU."""
    lines = []
    for n in sizes:
        x, r = issue17(by[n]), by[n]
        t = traffic(r["steady"])
        only_listings = t["requests"] == LISTINGS and t["statuses"] == {"304": LISTINGS} and t["bytes"] == 0 \
            and t["robots"] == 0
        size = f"{int(n):,} items"
        lines.append(f"{'PASS' if only_listings else 'FAIL'} steady cycle ({size}) sends one request per source "
                     f"listing and downloads no bodies: {t['requests']} requests (expected {LISTINGS}), statuses "
                     f"{t['statuses']}, {t['bytes']} body bytes, robots.txt fetched {t['robots']} times")
        lines.append(f"{'PASS' if x['steady_share'] <= STEADY_SHARE else 'FAIL'} steady cycle ({size}) CPU at most "
                     f"{STEADY_SHARE:.0%} of the backfill's: {r['steady']['cost']['cpu']:.3f} s / "
                     f"{r['backfill']['cost']['cpu']:.2f} s = {x['steady_share']:.2%}")
        if n == sizes[-1]:
            lines.append(f"{'PASS' if x['one_pct_share'] <= ONE_PCT_SHARE else 'FAIL'} 1%-new cycle ({size}) CPU at "
                         f"most {ONE_PCT_SHARE:.0%} of the backfill's: {r['one_pct']['cost']['cpu']:.3f} s / "
                         f"{r['backfill']['cost']['cpu']:.2f} s = {x['one_pct_share']:.2%}")
            lines.append(f"{'PASS' if x['ratio'] <= FLOOR_RATIO else 'FAIL'} backfill ({size}) CPU per item within "
                         f"{FLOOR_RATIO:g}× of the floor: {x['per_item_ms']:.3f} ms / {x['floor_per_item_ms']:.3f} ms "
                         f"= {x['ratio']:.2f}×")
            lines.append(f"{'PASS' if x['statements'] <= STATEMENTS_PER_ITEM else 'FAIL'} backfill ({size}) sends at "
                         f"most {STATEMENTS_PER_ITEM:g} SQL statements per stored item: {statements(r['backfill']):,} "
                         f"for {x['items']:,} items = {x['statements']:.3f}")
    return lines


def correctness(items: str, r: dict[str, Any]) -> list[str]:
    """The backfill and the floor find every item; the 1% cycle finds every new one."""
    lines = []
    for key, corpus_key in (("backfill", "corpus"), ("floor", "corpus"), ("one_pct", "corpus_new")):
        expected, found = r[corpus_key]["expected"], r[key].get("stored", {})
        failed = [f"{name}: {d['error']}" for name, d in r[key]["detail"]["sources"].items() if d["status"] != "ok"]
        ok = found == expected and not failed
        lines.append(f"{'PASS' if ok else 'FAIL'} {key} ({int(items):,} items) stored {sum(found.values()):,} of "
                     f"{sum(expected.values()):,} expected items {found if not ok else ''}{failed if failed else ''}".rstrip())
        lines += releases_verdict(key, items, expected.get("govuk_nrm", 0), r[key].get("releases"))
    return lines


def releases_verdict(key: str, items: str, generated: int, found: dict[str, int] | None) -> list[str]:
    """Every synthetic NRM release stored, each with figures and none withheld (a corpus whose
    releases the store refuses, as the one with periods up to 2099 was, fails here by name)."""
    if found is None:  # results from before the releases were counted
        return []
    ok = found["releases"] == generated and found["with_figures"] == generated and not found["withheld"]
    return [f"{'PASS' if ok else 'FAIL'} {key} ({int(items):,} items) stored {found['releases']:,} of {generated:,} "
            f"generated NRM releases, {found['with_figures']:,} with figures ({found['figures']:,} figures, "
            f"{found['withheld']:,} withheld)"]


def extraction_verdicts(sizes: list[str], by: dict[str, Any]) -> list[str]:
    """Every synthetic bulletin of the corpus read for its own period, with figures, none withheld."""
    lines = []
    for n in sizes:
        if "extract" not in by[n]:  # python -m bench --no-extraction
            continue
        x = by[n]["extract"]["detail"].get("synthetic", {})
        failures = x.get("failures", [])
        documents = x.get("documents", 0)
        expected = by[n]["corpus_new"]["expected"]["govuk_nrm"]
        ok = not failures and documents == expected
        lines.append(f"{'PASS' if ok else 'FAIL'} figure extraction ({int(n):,} items): "
                     f"{documents - len(failures):,} of {expected:,} synthetic bulletins read for their own period "
                     f"with figures ({x.get('figures', 0):,} figures, at least {x.get('least_figures', 0)} each; "
                     f"{x.get('withheld', 0)} withheld)" + (f"; failed: {'; '.join(failures[:5])}" if failures else ""))
    return lines


def late_imports(database: str, sizes: list[str], by: dict[str, Any]) -> list[str]:
    late = {f"{n}/{key}": r["late_imports"] for n in sizes for key, r in by[n].items()
            if isinstance(r, dict) and r.get("late_imports")}
    return [f"{'FAIL' if late else 'PASS'} no scenario on {LABELS[database]} imports a module while measured"
            + (f": {late}" if late else " (bench/worker.py warm_up)")]


def extraction_section(sizes: list[str], by: dict[str, Any]) -> list[str]:
    rows = []
    for n in sizes:
        if "extract" not in by[n]:  # python -m bench --no-extraction
            continue
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


def commands_section(c: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Issue 13's targets: one row each, measured against its target, with the load average."""
    rows, verdicts = [], []

    def row(what: str, target: float, unit: str, value: float | None, detail: str, load: str, error: str = "") -> None:
        ok = value is not None and value <= target and not error
        shown = "–" if value is None else (f"{value:.0f}" if unit == "MiB" else f"{value:.2f}")
        rows.append([what, f"≤ {target:g} {unit}", f"{shown} {unit}", "PASS" if ok else "FAIL", load, detail or error])
        verdicts.append(f"{'PASS' if ok else 'FAIL'} {what}: {shown} {unit} (target ≤ {target:g} {unit})"
                        + (f"; {error}" if error else ""))

    def loads(r: dict[str, Any]) -> str:
        return f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}" if "load_before" in r else "–"

    demo, help_, serve = c.get("demo", {}), c.get("help", {}), c.get("serve", {})
    for key, what, target in (("first", "msbrief demo, first cycle (wall)", DEMO_FIRST),
                              ("second", "msbrief demo, second cycle (wall)", DEMO_SECOND),
                              ("second_no_bytecode", "msbrief demo, second cycle, PYTHONDONTWRITEBYTECODE=1 (wall)",
                               DEMO_SECOND)):
        r = demo.get(key, {})
        error = demo.get("error", "") or (f"exit {r['exit']} (log {r['log']})" if r.get("exit") else "")
        row(what, target, "s", r.get("wall"), f"CPU {r['cpu']:.2f} s" if r else "", loads(r), error)
    row("msbrief --help (median wall)", HELP, "s", help_.get("median"),
        "runs: " + ", ".join(f"{w:.2f}" for w in help_.get("walls", [])), loads(help_), help_.get("error", ""))
    rss = serve.get("rss_peak")
    row("msbrief serve idle (resident memory, serve and its children)", SERVE_MIB, "MiB",
        rss / 1048576 if rss else None,
        (f"last sample {serve['rss_last'] / 1048576:.0f} MiB, {serve['processes']} process(es), "
         f"{serve['deployments']} deployments registered {serve['registered']:.0f} s after start; the operator's "
         f"Prefect server (not counted) {serve['server_rss'] / 1048576:.0f} MiB, started in {serve['server_start']:.0f} s")
        if rss else "", loads(serve), serve.get("error", ""))
    head = ["what", "target", "measured", "verdict", "load average (1 min) before → after", "detail"]
    return table(head, rows), verdicts


LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def render(results: dict[str, Any]) -> tuple[str, list[str]]:
    """The text of BENCHMARKS.md and the PASS/FAIL lines."""
    sizes = [str(n) for n in results["sizes"]]
    databases = results["databases"]
    m = results["machine"]
    first = next(iter(databases.values()))
    verdicts: list[str] = []
    out = [
        "# Benchmarks",
        "",
        "Written by `.venv/bin/python -m bench` (bench/run.py) — do not edit by hand; run it again.",
        f"This run: {results['started']}, {results['duration'] / 60:.1f} minutes, databases "
        + " and ".join(f"**{LABELS[d]}**" for d in databases) + ".",
        "",
        "## Store at the floor (issue 17)",
        "",
        "The backfill's CPU per stored item against the floor's (the same corpus fetched bare, parsed by the same "
        "adapters and inserted with plain executemany), the SQL statements it sends per stored item, and the "
        "steady cycle's CPU as a share of the backfill's.",
        "",
    ]
    for database, by in databases.items():
        out += summary_lines(database, sizes, by)
    if "commands" in results:
        command_rows, command_verdicts = commands_section(results["commands"])
        out += ["## One-off runs (issue 13)", "",
                "The real `msbrief` command in subprocesses (bench/oneoff.py), with this environment's MSBRIEF_* and "
                "PREFECT_* settings removed. `demo`: three times in a fresh temporary directory (the first cycle reads "
                "the recorded sources, the second is answered 304 throughout, the third is the second again with "
                "PYTHONDONTWRITEBYTECODE=1, reading only the bytecode compiled at set-up); its CPU is user + system of the "
                f"finished command. `--help`: median of {len(results['commands'].get('help', {}).get('walls', [])) or 'several'} "
                "runs. `serve`: an operator's `prefect server start` on a free loopback port (its own PREFECT_HOME, "
                "analytics off), then `msbrief serve` with PREFECT_API_URL pointing at it; once its deployments are "
                "registered it idles 30 s while the resident memory of the serve process and all its descendants is "
                "summed every second; the peak is shown. The Prefect server is the operator's, not serve's: its "
                "memory is shown apart and not counted. Wall times depend on the machine's load (the load average "
                "is shown; 2 cores).", ""] + command_rows + [""]
    else:
        command_verdicts = []
    out += ["## Machine", ""] + table(["", ""], [[k, str(v)] for k, v in m.items()]) + [""]
    out += [
        "## How it was measured",
        "",
        "- Corpus: `bench/corpus.py`, deterministic (seeded, no clock); sizes "
        + ", ".join(f"{int(n):,} items {first[n]['corpus']['expected']} (digest {first[n]['corpus']['digest'][:12]})" for n in sizes)
        + ". The \"1% new\" variants add " + " and ".join(f"{sum(first[n]['corpus_new']['new'].values())}" for n in sizes)
        + " items (1% per source, at least one each), newer than the rest.",
        "- The synthetic NRM archive (corpus generator 3, since 2026-12-06) is the real one's shape: releases only "
        "for real periods, every quarter from 2019-Q2 (the first GOV.UK holds; the adapter reads nothing older) and "
        "an end-of-year summary a year (about 4–5 a year), up to "
        f"the newest published by the run's day ({first[sizes[-1]]['corpus_new'].get('newest_release', '?')}), the "
        "newest being the \"1% new\" one; GOV.UK gets 3% of the items but never more releases than that archive "
        "holds, and the other sources share the rest in their old proportions (40 : 25 : 32). Generator 2 gave "
        "GOV.UK 3% of the items as consecutive quarters from 2019-Q2, up to 2094 at 10,000 items: since "
        "vocabulary/plausible.py (years 2009 to next year) the store refused the releases past next year and the "
        "figure extraction failed on them. The item counts are unchanged; the GOV.UK releases now are "
        + ", ".join(f"{first[n]['corpus']['base']['govuk_nrm']} (was {round(int(n) * 0.03)}) at {int(n):,} items"
                    for n in sizes)
        + ", the other sources having the difference. IASC: at most one \"IASC Bulletin (Month Year)\" a month, as "
        "on the real site (two in one month, one of them undated on the listing and so dated by its title, could "
        "fall on one title and date: an item lost). Every cycle scenario counts the NRM releases it stored against those "
        "generated, and the figure extraction every synthetic bulletin read for its own period (the targets below).",
        "- The mirror (`mirror/server.py`, TCP_NODELAY set) serves the corpus from a separate process, so CPU "
        "time is msbrief's own; requests and bytes are the mirror's request log (body bytes as sent, gzip where "
        "accepted).",
        f"- **Rate limiting was disabled** for the loopback mirror (`rate_limit_per_host={results['rate_limit_per_host']:g}`). "
        "Real sites are rate limited (default 1 request per second per host), so against them a backfill's wall time "
        "is at least its request count in seconds per host.",
        "- Each scenario runs in a fresh worker process (`bench/worker.py`) with every module a scenario uses "
        "imported and the schema migrated before measuring (a module first imported while measuring is reported "
        "as a failed target). Wall = `perf_counter`; CPU = `process_time` of the worker (all its threads); peak "
        "RSS Δ = `ru_maxrss` after the work minus RSS before it.",
        "- SQL statements: counted with SQLAlchemy's `before_cursor_execute` event on the engine (an executemany "
        "counts once; a multi-row INSERT that SQLAlchemy sends in batches counts once per batch; SQLite's "
        "`BEGIN IMMEDIATE` counts, COMMIT and connection PRAGMAs do not).",
        "- A cycle = every corpus source fetched (`pipeline.ingest.fetch`: its fetch state read in one read-only "
        "transaction) and stored (`pipeline.ingest.store`: one transaction per source), one after the other, the "
        "run recorded, then the feeds published (`pipeline.site.publish_site`: only the feeds, briefing pages and "
        "data files whose entries changed since the last publish, nothing when the store did not change). The backfill stores its items as first seen at "
        f"{results['backfill_seen_at']}, so this week's briefing shows only the 1% new items.",
        "- The floor (`bench/floor.py`), on an empty database of its own: each source fetched with a bare "
        "client (plain `requests.Session` GETs: no robots.txt, pacing, validators, retries, deadlines or address "
        "checks), parsed by the same adapters (`collect(backfill=True)`) and normalised (identity keys), then "
        "inserted into the same tables with one executemany per table per source, ids assigned in memory, one "
        "transaction per source. No lookups, dedupe, amendments, cross-release check, fetch state or run "
        "records. The old \"naive\" baseline (the same ORM path with the features switched off) is gone: its "
        "ratios hid the distance to the floor, and what it showed for the steady cycle (conditional GETs) the "
        "steady cycle's own request count and bytes show.",
        "",
        "## Results",
        "",
    ]
    for database, by in databases.items():
        out += [f"### {LABELS[database]}", ""]
        for n in sizes:
            verdicts += correctness(n, by[n])
        verdicts += store_verdicts(sizes, by)
        growth_rows, growth_verdicts = growth(sizes, by)
        breakdown_rows, breakdown_verdicts = breakdown(sizes, by)
        verdicts += growth_verdicts + breakdown_verdicts + late_imports(database, sizes, by)
        for n in sizes:
            out += size_table(n, by[n])
        out += ["#### Where a backfill's CPU goes, against the floor", ""] + breakdown_rows + [""]
        out += ["#### Steady and 1%-new cycles", ""] + steady_breakdown(sizes, by) + [""]
        out += ["#### Growth with the archive", ""] + growth_rows + [""]
    out += ["## Figure extraction per bulletin", "",
            "`scrapers.nrm.extract` per call: the real bulletins (tests/fixtures/nrm/bulletins in JSON, "
            "HTML and text, and the GOV.UK Content API captures; each 20 times) and every synthetic bulletin of "
            "the corpus.", ""] + extraction_section(sizes, first) + [""]
    verdicts += extraction_verdicts(sizes, first) + command_verdicts
    out += ["## Targets", "", "```"] + verdicts + ["```", ""]
    return "\n".join(out), verdicts
