"""The NRM data-tables workbook at real size: read, and stored on SQLite and PostgreSQL (issue 23: under 2 s).

    .venv/bin/python -m bench.tables            # both databases; rewrites its section of BENCHMARKS.md
    .venv/bin/python -m bench.tables --databases sqlite

The workbook (built deterministically by tests/nrm_workbooks.py and tests/odsbuild.py): the five
real by-quarter and nationality tables of the 2023-Q4 release (the shared derived values), 44
further tables of 60 rows x 15 columns, and one first-responder table of 2,000 rows x 125
nationality columns (four stub columns, groups written once, totals first): 50 table sheets plus
cover, contents and notes. Each measurement runs three times in this process after a warm-up; the
median is shown. "Stored" is store.releases.save of one release with its workbook in one
transaction (workbook, tables, every observation); "stored with revisions" stores the next
release's workbook (the same tables, 1% of the big table's cells changed) and finds its revisions.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.nrm_workbooks, tests.odsbuild: the fixture workbook builders

from scrapers.nrm.tables import read_workbook  # noqa: E402 - after the path above
from scrapers.records import Release  # noqa: E402
from tests.nrm_workbooks import RELEASES, workbook_sheets  # noqa: E402
from tests.odsbuild import ods_bytes  # noqa: E402

TARGET = 2.0  # seconds: read and stored, each database
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
START, END = "<!-- bench.tables:start -->", "<!-- bench.tables:end -->"
NATIONALITIES = 124  # + the Total column: 125 data columns
BIG_ROWS = 2000


def _big_table(change_every: int = 0) -> list[list[Any]]:
    """A first-responder table: responder, exploitation, age, gender x 124 nationalities + Total."""
    header = ["First responder", "Exploitation type", "Age at exploitation", "Gender"] + \
        [f"Nationality {n:03d}" for n in range(NATIONALITIES)] + ["Total"]
    rows: list[list[Any]] = [["NRM referrals by police first responder, exploitation type, age at exploitation, "
                              "gender and nationality"]] + [["Note row"]] * 4 + [header]
    n = 0
    for responder in range(BIG_ROWS // 20):
        for expl in range(5):
            for age, gender in (("Adult (18 or over)", "Male"), ("Adult (18 or over)", "Female"),
                                ("Child (17 or under)", "Male"), ("Child (17 or under)", "Female")):
                values = [(responder + expl + i) % 7 for i in range(NATIONALITIES)]
                n += 1
                if change_every and n % change_every == 0:
                    values[n % NATIONALITIES] += 1
                first = [f"Police force {responder:03d}" if expl == 0 and age.startswith("Adult") and gender == "Male"
                         else None, f"Type {expl}" if age.startswith("Adult") and gender == "Male" else None,
                         age if gender == "Male" else None, gender]
                rows.append(first + values + [sum(values)])
    return rows


def _small_table(n: int) -> list[list[Any]]:
    rows: list[list[Any]] = [[f"Table {n + 100}: NRM referrals by region {n} by quarter, age and outcome"],
                             ["Note row"], ["Note row"], ["Year", "Quarter"] + [f"Category {c}" for c in range(15)]]
    for year in range(2009, 2024):
        for q in range(1, 5):
            rows.append([year if q == 1 else None, f"Q{q}"] + [(year + q + c) % 50 for c in range(15)])
    return rows


def workbook(change_every: int = 0) -> bytes:
    """The real-size workbook (deterministic)."""
    sheets = workbook_sheets("2023-Q4", RELEASES["2023-Q4"])
    sheets += [(f"Table_{n + 100}", _small_table(n)) for n in range(44)]
    sheets.append(("Table_11", _big_table(change_every)))
    return ods_bytes(sheets)


def _median(run: Callable[[], Any], times: int = 3) -> tuple[float, float, Any]:
    walls, cpus, result = [], [], None
    for _ in range(times):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _database(kind: str, work: Path) -> str:
    if kind == "sqlite":
        for old in work.glob("tables.db*"):
            old.unlink()
        return f"sqlite:///{work / 'tables.db'}"
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS msbrief_bench_tables WITH (FORCE)")
        conn.execute("CREATE DATABASE msbrief_bench_tables")
    return POSTGRES.rsplit("/", 1)[0] + "/msbrief_bench_tables"


def measure(databases: tuple[str, ...], work: Path) -> dict[str, Any]:
    """Read once per repetition, then store on each database (fresh each time)."""
    from store import releases
    from store.db import make_engine, transaction, upgrade

    load_before = os.getloadavg()[0]
    data, changed = workbook(), workbook(change_every=100)
    read_workbook(data, release="2023-Q4", url="warm-up")  # imports and caches out of the measurement
    wall, cpu, book = _median(lambda: read_workbook(data, release="2023-Q4", url="https://bench/q4.ods"))
    cells = sum(len(t.observations) for t in book.tables)
    result: dict[str, Any] = {"bytes": len(data), "sheets": len(book.tables), "observations": cells,
                              "warnings": len(book.warnings), "read": (wall, cpu), "stores": {}}
    later = read_workbook(changed, release="2024-Q1", url="https://bench/q1.ods")
    first = Release(period="2023-Q4", title="bench", page_url="https://bench/q4", bulletin_url=None, published=None,
                    updated=None, workbooks=(book,))
    second = replace(first, period="2024-Q1", page_url="https://bench/q1", workbooks=(later,))
    for kind in databases:
        def store_first(kind: str = kind, timings: list[tuple[float, float]] | None = None,
                        revised: list[tuple[float, float]] | None = None) -> None:
            assert timings is not None and revised is not None
            engine = make_engine(_database(kind, work))
            upgrade(engine)
            started = time.perf_counter(), time.process_time()
            with transaction(engine) as s:
                releases.save(s, [first], publication_ids={})
            timings.append((time.perf_counter() - started[0], time.process_time() - started[1]))
            with transaction(engine) as s:
                started = time.perf_counter(), time.process_time()
                releases.save(s, [second], publication_ids={})
            revised.append((time.perf_counter() - started[0], time.process_time() - started[1]))
            engine.dispose()

        timings: list[tuple[float, float]] = []
        revised: list[tuple[float, float]] = []
        for _ in range(3):
            store_first(kind, timings, revised)
        result["stores"][kind] = {"stored": tuple(map(statistics.median, zip(*timings, strict=True))),
                                  "revisions": tuple(map(statistics.median, zip(*revised, strict=True)))}
    result["load"] = (load_before, os.getloadavg()[0])
    return result


def section(r: dict[str, Any]) -> list[str]:
    """BENCHMARKS.md's lines for the workbook."""
    read_wall, read_cpu = r["read"]
    lines = ["## NRM data-tables workbook, real size (issue 23)", "",
             f"`.venv/bin/python -m bench.tables` (bench/tables.py): one workbook of {r['sheets']} tables (the five "
             f"real 2023-Q4 tables, 44 of 60 x 15, one of {BIG_ROWS:,} rows x {NATIONALITIES + 1} columns), "
             f"{r['bytes'] / 1024:,.0f} KiB, {r['observations']:,} observations, {r['warnings']} warnings; medians "
             "of three runs. Target: read and stored in under 2 s on each database. Wall times depend on the "
             f"machine's load (1-minute load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after, on 2 "
             "cores); CPU is this process's own (SQLite's work included, PostgreSQL's server not).", "",
             "| database | read s (CPU) | stored s (CPU) | read + stored s | verdict | next release stored with its "
             "revisions s (CPU) |", "|---|---|---|---|---|---|"]
    for kind, t in r["stores"].items():
        stored_wall, stored_cpu = t["stored"]
        total = read_wall + stored_wall
        rev_wall, rev_cpu = t["revisions"]
        lines.append(f"| {'SQLite' if kind == 'sqlite' else 'PostgreSQL'} | {read_wall:.2f} ({read_cpu:.2f}) | "
                     f"{stored_wall:.2f} ({stored_cpu:.2f}) | {total:.2f} | {'PASS' if total < TARGET else 'FAIL'} | "
                     f"{rev_wall:.2f} ({rev_cpu:.2f}) |")
    return lines + [""]


def write(lines: list[str], path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace this section of BENCHMARKS.md (or add it at the end)."""
    text = path.read_text(encoding="utf-8")
    block = "\n".join([START, *lines, END])
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    work = ROOT / "bench" / "out"
    work.mkdir(parents=True, exist_ok=True)
    lines = section(measure(tuple(args.databases.split(",")), work))
    print("\n".join(lines))
    write(lines)


if __name__ == "__main__":
    main()
