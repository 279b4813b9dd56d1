"""Run every benchmark scenario at two archive sizes on SQLite and PostgreSQL, then the commands; write BENCHMARKS.md.

    .venv/bin/python -m bench            # 1,000 and 10,000 items on both databases (5 minutes on 2 cores at load 7)
    .venv/bin/python -m bench --quick    # 200 and 2,000 items, for development
    .venv/bin/python -m bench --databases sqlite --no-commands
    .venv/bin/python -m bench --no-commands --no-extraction   # the store and publish scenarios alone, for development

Per database and size: generate (or reuse) the corpus and its "+1% new" variant (bench/corpus.py),
serve it with the mirror in a separate process, and run each scenario in a fresh worker process
(bench/worker.py) against a temporary SQLite file or PostgreSQL databases created for the run:
the floor (bench/floor.py), the first full backfill, a steady cycle with nothing new, a cycle with
1% new items, the feeds build, the briefing render and figure extraction per bulletin; the NRM
data-tables workbook at real size (bench/tables.py). Then the
real msbrief command's targets (bench/oneoff.py: demo, --help, serve), and hostile NRM bulletins
(bench/nrm_hostile.py, also run alone: python -m bench.nrm_hostile). Raw results go to
bench/out/results.json; bench/report.py turns them into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench import corpus, nrm_hostile, oneoff, report, tables
from bench.mirror_proc import MirrorProcess
from bench.worker import RATE_LIMIT

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BACKFILL_SEEN_AT = "2026-01-07T10:00:00+00:00"  # the backfill's items are stored as first seen in 2026-W02
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgresql")


class Runner:
    """Runs scenarios in worker processes and keeps their logs."""

    def __init__(self, work: Path, *, postgres: str | None) -> None:
        self.work = work
        self.postgres = postgres
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def database(self, name: str) -> str:
        """A fresh, empty database for `name`: a SQLite file, or a PostgreSQL database (re)created."""
        if not self.postgres:
            for old in self.work.glob(f"{name}.db*"):
                old.unlink()
            return f"sqlite:///{self.work / name}.db"
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.postgres)
        db = f"msbrief_bench_{name}".replace("-", "_")
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
        return url.set(database=db).render_as_string(hide_password=False)

    def worker(self, label: str, scenario: str, **spec: Any) -> dict[str, Any]:
        """Run one scenario in a fresh process; its result (raises with the log's tail on failure)."""
        spec_path, result_path = self.logs / f"{label}.spec.json", self.logs / f"{label}.json"
        spec_path.write_text(json.dumps({"scenario": scenario, **spec}, indent=1), encoding="utf-8")
        started = time.perf_counter()
        with (self.logs / f"{label}.log").open("w", encoding="utf-8") as log:
            done = subprocess.run([sys.executable, "-m", "bench.worker", str(spec_path), str(result_path)],
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            tail = (self.logs / f"{label}.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"benchmark scenario {label} failed (exit {done.returncode}):\n{tail}")
        result = json.loads(result_path.read_text(encoding="utf-8"))
        cost = result.get("cost", {})
        print(f"  {label:<34} {time.perf_counter() - started:6.1f}s  (measured wall {cost.get('wall', 0):.2f}s, "
              f"cpu {cost.get('cpu', 0):.2f}s)", flush=True)
        return result


def run_size(runner: Runner, items: int, *, extract: bool) -> dict[str, Any]:
    """Every store scenario at one archive size, on the runner's database."""
    base = corpus.ensure(OUT, items)
    grown = corpus.ensure(OUT, items, with_new=True)
    var, var_floor = runner.work / f"var-{items}", runner.work / f"var-{items}-floor"
    main_db, floor_db = runner.database(f"{items}-main"), runner.database(f"{items}-floor")
    r: dict[str, Any] = {"corpus": corpus.summary(base), "corpus_new": corpus.summary(grown)}
    this_week = date.today().isocalendar()
    week = f"{this_week[0]}-W{this_week[1]:02d}"
    first_week = datetime.fromisoformat(BACKFILL_SEEN_AT).date().isocalendar()

    def run(label: str, scenario: str, db: str, out: Path, **spec: Any) -> None:
        r[label] = runner.worker(f"{items}-{label}", scenario, db=db, out=str(out), **spec)

    with MirrorProcess(base) as mirror:
        run("floor", "floor", floor_db, var_floor, mirror=mirror.base_url, seen_at=BACKFILL_SEEN_AT)
        run("backfill", "cycle", main_db, var, mirror=mirror.base_url, seen_at=BACKFILL_SEEN_AT)
        run("steady", "cycle", main_db, var, mirror=mirror.base_url)
    with MirrorProcess(grown) as mirror:
        run("one_pct", "cycle", main_db, var, mirror=mirror.base_url)
    run("feeds", "feeds", main_db, var)
    run("briefing", "briefing", main_db, var, week=week)
    run("briefing_first", "briefing", main_db, var, week=f"{first_week[0]}-W{first_week[1]:02d}")
    if extract:
        run("extract", "extract", main_db, var, corpus=str(grown))
    return r


def write_report(text: str, path: Path) -> None:
    """Write bench/report.py's text (which ends with the targets) to `path`, keeping the sections that
    follow the targets there: those other modules write between their own markers (bench/tables.py,
    bench/nrm_hostile.py, ...) or were pasted from one (bench/hostile.py). Each module then replaces
    its own section in place."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    tail = ""
    if "\n## Targets" in old:
        after = old.index("\n## Targets") + len("\n## Targets")
        rest = [i for i in (old.find("\n## ", after), old.find("\n<!--", after)) if i >= 0]
        tail = old[min(rest) + 1:] if rest else ""
    path.write_text(text.rstrip("\n") + "\n\n" + tail if tail else text, encoding="utf-8")


def fresh_process_hostile(work: Path) -> dict[str, Any]:
    """bench/nrm_hostile.py's measurements, from a process of its own.

    Its peak memory is each child's ru_maxrss, and on Linux a child's high-water mark starts from
    its parent's resident set at the fork (exec keeps it): measured from this process, which has
    read the real-size workbook by then (about 340 MiB), every child showed 342 MiB."""
    out = work / "nrm_hostile.json"
    code = ("import json, sys\nfrom pathlib import Path\nfrom bench import nrm_hostile\n"
            "Path(sys.argv[2]).write_text(json.dumps(nrm_hostile.run_all(Path(sys.argv[1]))), encoding='utf-8')")
    subprocess.run([sys.executable, "-c", code, str(work / "nrm_hostile"), str(out)], cwd=ROOT, check=True)
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 items instead of 1,000 and 10,000")
    parser.add_argument("--sizes", type=int, nargs=2, metavar=("SMALL", "LARGE"), help="the two archive sizes")
    parser.add_argument("--postgres", metavar="URL", default=POSTGRES,
                        help=f"the PostgreSQL server to use (databases msbrief_bench_* are created and dropped "
                        f"on it; default {POSTGRES})")
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES),
                        help="the databases to run the store scenarios on (default: both)")
    parser.add_argument("--no-commands", action="store_true",
                        help="skip the msbrief command scenarios (demo, --help, serve)")
    parser.add_argument("--no-extraction", action="store_true",
                        help="skip figure extraction per bulletin (the store and publish scenarios alone, a few "
                        "minutes shorter; BENCHMARKS.md then has no extraction table or verdicts)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="the report (default BENCHMARKS.md)")
    args = parser.parse_args(argv)
    sizes = args.sizes or ((200, 2_000) if args.quick else (1_000, 10_000))
    work = OUT / "run"
    shutil.rmtree(work, ignore_errors=True)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results: dict[str, Any] = {"sizes": list(sizes), "databases": {}, "started": started.isoformat(timespec="seconds"),
                               "rate_limit_per_host": RATE_LIMIT, "backfill_seen_at": BACKFILL_SEEN_AT}
    for n, database in enumerate(args.databases):
        runner = Runner(work / database, postgres=args.postgres if database == "postgresql" else None)
        by_size = results["databases"][database] = {}
        for items in sizes:
            print(f"{database}: archive of {items:,} items", flush=True)
            by_size[str(items)] = run_size(runner, items, extract=n == 0 and not args.no_extraction)
    if not args.no_commands:
        print("msbrief commands (issue 13)", flush=True)
        results["commands"] = oneoff.run_all(work / "commands")
    results["duration"] = time.perf_counter() - t0
    results["machine"] = report.machine(args.postgres if "postgresql" in args.databases else None)
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    text, verdicts = report.render(results)
    write_report(text, args.output)
    print("NRM data-tables workbook (issue 23)", flush=True)
    tables.write(tables.section(tables.measure(tuple(args.databases), work)), args.output)
    if not args.no_commands:
        print("hostile NRM bulletins (issue 26)", flush=True)
        nrm_hostile.write_section(fresh_process_hostile(work), args.output)
    print(f"\nwrote {args.output} (raw results: {OUT / 'results.json'}); {results['duration'] / 60:.1f} minutes")
    for line in verdicts:
        print(line)
    return 0
