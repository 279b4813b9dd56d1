"""Measure one piece of work: wall time, CPU time, peak memory growth, and child-process CPU.

- wall: `time.perf_counter()`;
- cpu: `time.process_time()` of this process (all its threads; not the mirror, which runs in a
  process of its own, nor Prefect's temporary server, reported separately as `child_cpu`);
- peak memory: `ru_maxrss` after the work minus the resident set size just before it (Linux), i.e.
  how far the process's peak RSS rose during the work. Each scenario runs in a fresh worker
  process, so earlier scenarios do not hide its peak. tracemalloc is not used: it slows
  allocation-heavy code two- to three-fold and would distort the times.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Cost:
    """What one piece of work cost."""

    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_delta: int = 0  # bytes
    peak_rss: int = 0  # bytes, the process's peak so far
    child_cpu: float = 0.0  # CPU seconds of child processes (Prefect's temporary server)

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def rss_now() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE


def peak_rss() -> int:
    """Peak resident set size of this process so far, in bytes (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by the live children of this process."""
    me, total = os.getpid(), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


@contextmanager
def measure(*, watch_children: bool = False) -> Iterator[Cost]:
    """Measure the `with` block into the yielded Cost (filled in when the block ends)."""
    cost = Cost()
    before_rss = rss_now()
    child0 = children_cpu() if watch_children else 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        yield cost
    finally:
        cost.wall = time.perf_counter() - wall0
        cost.cpu = time.process_time() - cpu0
        cost.peak_rss = peak_rss()
        cost.peak_rss_delta = max(0, cost.peak_rss - before_rss)
        if watch_children:
            cost.child_cpu = max(0.0, children_cpu() - child0)


class StatementCounter:
    """Counts the SQL statements an engine sends, with SQLAlchemy's before_cursor_execute event.

    An executemany counts once (one event); a multi-row INSERT that SQLAlchemy splits into batches
    ("insertmanyvalues") counts once per batch, as each is a statement of its own. Connection setup
    (SQLite's PRAGMAs, run on the raw connection) and COMMIT (a DBAPI call, not a statement) are not
    counted; SQLite's BEGIN IMMEDIATE is.
    """

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.total = 0
        self.executemany = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.total += 1
        self.executemany += bool(executemany)
