"""One slow source stalls nothing: a real `msbrief run` (its own process, the pipeline in process,
no Prefect) with four sources on the mirror and ATLEU on a server that sends its listing's body
one byte a second. The four are fetched and stored while ATLEU is still being read (seen through
the database: their source-run rows appear while the drip connection is open and ATLEU has no
row); ATLEU fails alone, with one line, once its source deadline passes.

The run's own deadlines are the point, so they are set here; the test itself waits only for
events (rows appearing, the connection ending, the process exiting), with generous outer bounds.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from drip_server import DripServer
from mirror_fixture import start_mirror
from sqlalchemy import select

from pipeline.sources import SOURCES, pointed_at_corpus
from store import models as m
from store.db import read_session

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MSBRIEF = str(ROOT / ".venv" / "bin" / "msbrief")
SLOW = "atleu"
SOURCE_DEADLINE = 60  # seconds: far more than the other four need, even on a busy machine
OUTER_BOUND = 900  # seconds the test waits for anything at all


def source_runs(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return dict(s.execute(select(m.SourceRun.source, m.SourceRun.status)).all())


def test_one_slow_source_stalls_nothing_in_a_real_run(engine, db_url, tmp_path):
    others = [name for name in SOURCES if name != SLOW]
    with start_mirror() as mirror, DripServer(interval=1.0, limit=OUTER_BOUND,
                                              answers={"/robots.txt": b"User-agent: *\nAllow: /\n"}) as drip:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_") and k != "PREFECT_API_URL"}
        env.update({f"MSBRIEF_{field.upper()}": value for field, value in pointed_at_corpus(mirror.url_for).items()})
        env.update({SOURCES[SLOW].env_var: f"{drip.base_url}/{SLOW}",
                    "MSBRIEF_DATABASE_URL": db_url, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"),
                    "MSBRIEF_RATE_LIMIT_PER_HOST": "200",  # our own loopback servers
                    "MSBRIEF_REQUEST_DEADLINE": str(10 * SOURCE_DEADLINE),  # the source deadline ends it
                    "MSBRIEF_SOURCE_DEADLINE": str(SOURCE_DEADLINE)})
        run = subprocess.Popen([MSBRIEF, "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            bound = time.monotonic() + OUTER_BOUND
            seen: dict[str, str] = {}
            while time.monotonic() < bound and run.poll() is None:
                seen = source_runs(engine)
                if all(name in seen for name in others):
                    break
                time.sleep(0.2)
            # the moment the other four are stored: ATLEU is still being read, and has no row yet
            dripping = [c for c in drip.connections if not c.ended.is_set()]
            assert run.poll() is None, "the run ended before the other sources were stored"
            assert {name: seen.get(name) for name in others} == {name: "ok" for name in others}, seen
            assert SLOW not in seen, f"{SLOW} was stored before the others: {seen}"
            assert len(dripping) == 1 and dripping[0].path == "/atleu/cases-news?format=json", drip.connections
            out, err = run.communicate(timeout=OUTER_BOUND)
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()
        connection = drip.connections[0]
        assert connection.ended.wait(60), "the slow source's connection was never closed"

    assert run.returncode == 1, out + err  # one source failed, the others ran and were stored
    assert len(drip.connections) == 1, "the slow request was tried again after the source deadline"
    assert 0 < connection.sent < 10 * SOURCE_DEADLINE, connection.sent  # it was dripping when it was cut
    assert source_runs(engine) == {**{name: "ok" for name in others}, SLOW: "failed"}
    lines = [line for line in out.splitlines() if SLOW in line or "error" in line]
    assert lines[0].split()[:2] == [SLOW, "failed"], out
    errors = [line.strip() for line in out.splitlines() if line.strip().startswith("error:")]
    assert len(errors) == 1, out
    assert f"[{SLOW}]" in errors[0] and f"source deadline of {SOURCE_DEADLINE} s exceeded" in errors[0], errors[0]
    assert "Traceback" not in err, err
    for name in others:
        assert any(line.split()[:2] == [name, "ok"] for line in out.splitlines()), out
