"""Crash safety: the process is killed with SIGKILL at random (seeded) points, then run again.

- ingest (a driver calling pipeline.ingest, on SQLite and PostgreSQL, and one real `msbrief run`):
  after each kill every source is either stored completely or not at all (no partial rows); the
  final run stores exactly what a clean run stores (no gaps, no duplicate items or figures);
- `msbrief feeds build`: after each kill every file under public/ is a complete feed or page;
- `msbrief briefing --send` to a real SMTP server, killed at random times and at protocol points
  (from inside the server: at RCPT, and after the server has queued a message but before it
  answers): across the killed run and the rerun every recipient gets exactly one email.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest
from conftest import drop_pg_database, new_pg_database
from lxml import etree, html
from mirror_fixture import start_mirror
from reliability import SOURCES, diff, settings_for, snapshot
from sqlalchemy import select

from pipeline.sources import SOURCES as SPECS
from scrapers.normalise import normalise_publication
from store import models as m
from store.db import make_engine, session_factory, upgrade
from tests.smtp_server import KillingHandler, smtp_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MSBRIEF = str(ROOT / ".venv" / "bin" / "msbrief")

DRIVER = """
import sys
from pipeline import ingest
from pipeline.settings import Settings
from store.db import make_engine, upgrade
settings = Settings()
engine = make_engine(settings.database_url)
upgrade(engine)
print("ingesting", flush=True)
for name in sys.argv[1:]:
    report = ingest.store(engine, None, ingest.fetch(settings, engine, name))
    print(name, report.status, report.error or "", flush=True)
"""


def env_for(settings, tmp_path: Path, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
    env.update({
        "MSBRIEF_DATABASE_URL": settings.database_url, "MSBRIEF_OUTPUT_DIR": str(settings.output_dir),
        "MSBRIEF_RATE_LIMIT_PER_HOST": "500", "MSBRIEF_MAX_RETRIES": "1",
        "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost",
        **{spec.env_var: spec.base_url(settings) for spec in SPECS.values()},
        **{f"MSBRIEF_{field.upper()}": value for spec in SPECS.values() for field, value in spec.corpus_settings},
        "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def start(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    # its own process group, so a kill also ends anything it started (Prefect's temporary server)
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def ingest_duration(script: Path, env: dict[str, str], cwd: Path) -> float:
    """Seconds from the driver's "ingesting" line to its end, for a complete ingest."""
    proc = start([PYTHON, str(script), *SOURCES], env, cwd)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ingesting", proc.stderr.read() if proc.stderr else ""
    began = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return time.monotonic() - began


def kill(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def assert_all_or_nothing(engine, reference: dict[str, list], when: str) -> None:  # type: ignore[no-untyped-def]
    """Every source is stored completely (as in the reference) or not at all."""
    from test_faults import snapshot_of

    for source in SOURCES:
        got = snapshot(engine, [source])
        if not got["publications"]:
            empty = {k: v for k, v in got.items() if v}
            assert not empty, f"{when}: {source} has no publications but partial rows: {list(empty)}"
            continue
        problem = diff(got, snapshot_of(reference, source))
        assert not problem, f"{when}: {source} is partly stored:\n{problem}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):  # type: ignore[no-untyped-def]
    from test_faults import reference as ref  # the same clean reference run

    return ref.__wrapped__(tmp_path_factory)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ingest_killed_at_random_points_loses_and_duplicates_nothing(backend, reference, tmp_path, request):
    rng = random.Random(f"ingest-{backend}")
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'crash.db'}", None
    else:
        pg_admin = request.getfixturevalue("pg_admin")
        url = new_pg_database(pg_admin)
        drop = lambda: drop_pg_database(pg_admin, url)  # noqa: E731
    engine = make_engine(url)
    upgrade(engine)
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path / "var")
            env = env_for(settings, tmp_path)
            # Kill points are drawn within how long a whole ingest takes here (on a scratch database),
            # so they land mid-ingest on a fast machine and on a slow one alike.
            duration = ingest_duration(script, env_for(settings_for(mirror, f"sqlite:///{tmp_path / 'time.db'}",
                                                                    tmp_path / "var-time"), tmp_path), tmp_path)
            kills, wanted = 0, (3 if backend == "sqlite" else 2)
            for attempt in range(4 * wanted):  # a busy machine's timings drift: try until enough kills land
                proc = start([PYTHON, str(script), *SOURCES], env, tmp_path)
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "ingesting", proc.stderr.read() if proc.stderr else ""
                time.sleep(rng.uniform(0.1, 0.8) * duration)
                finished = proc.poll() is not None
                kill(proc)
                kills += not finished
                if finished:
                    duration /= 2  # this ingest was quicker than the timing run: aim earlier
                assert_all_or_nothing(engine, reference, f"after kill {attempt + 1}")
                if kills == wanted:
                    break
            assert kills >= 1, "the ingest finished before every kill: the test proves little"
            done = subprocess.run([PYTHON, str(script), *SOURCES], env=env, cwd=tmp_path, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-3000:]
            assert all(line.split()[1] == "ok" for line in done.stdout.splitlines()[1:]), done.stdout
        problem = diff(snapshot(engine), reference)
        assert not problem, f"after the kills and a clean run the rows differ from a clean reference run:\n{problem}"
    finally:
        engine.dispose()
        if drop:
            drop()


def test_msbrief_run_killed_mid_ingest_then_rerun_stores_everything_once(reference, tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    upgrade(engine)
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path / "var")
            env = env_for(settings, tmp_path)
            wanted = random.Random("msbrief-run").randint(3, 25)  # kill after this many source requests
            proc = start([MSBRIEF, "run"], env, tmp_path)
            deadline = time.monotonic() + 120
            while sum(1 for e in mirror.log if "robots.txt" not in e.path) < wanted:
                assert proc.poll() is None, f"msbrief run ended before the kill:\n{proc.communicate()[1][-3000:]}"
                assert time.monotonic() < deadline, "msbrief run made no requests in 120 s"
                time.sleep(0.01)
            kill(proc)
            assert_all_or_nothing(engine, reference, "after killing msbrief run")
            done = subprocess.run([PYTHON, str(script), *SOURCES], env=env, cwd=tmp_path, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-3000:]
        problem = diff(snapshot(engine), reference)
        assert not problem, f"after the killed msbrief run and a rerun the rows differ:\n{problem}"
    finally:
        engine.dispose()


def assert_site_complete(public: Path, when: str) -> int:
    files = [p for p in public.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert files, f"{when}: no files under {public}"
    for path in files:
        data = path.read_bytes()
        if path.suffix in (".xml", ".svg"):
            try:
                etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                raise AssertionError(f"{when}: {path} is not a complete XML document ({exc})") from None
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), f"{when}: {path} is cut short: ...{data[-80:]!r}"
            html.fromstring(data)
    return len(files)


def _state(public: Path) -> dict[str, tuple[float, int]]:
    return {str(p): (p.stat().st_mtime, p.stat().st_size) for p in public.rglob("*") if p.is_file()}


def test_feeds_build_killed_while_writing_never_leaves_a_half_written_file(tmp_path):
    """Each `msbrief feeds build` is killed a random 0-60 ms after it starts writing files."""
    from pipeline import ingest
    from scrapers import records
    from store import repo
    from store.db import transaction

    url = f"sqlite:///{tmp_path / 'site.db'}"
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random("feeds-build")
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path / "var")
            for name in SOURCES:
                ingest.store(engine, None, ingest.fetch(settings, engine, name))
        env = env_for(settings, tmp_path)
        public = settings.public_dir
        first = subprocess.run([MSBRIEF, "feeds", "build"], env=env, cwd=tmp_path, capture_output=True, text=True,
                               timeout=120)
        assert first.returncode == 0, first.stderr[-3000:]
        count = assert_site_complete(public, "after a full build")
        interrupted = 0
        for attempt in range(2):
            with transaction(engine) as s:  # new data, so that the next build rewrites the feeds
                repo.upsert_publication(s, normalise_publication(records.Publication(
                    "iasc", f"https://www.antislaverycommissioner.co.uk/news-insights/crash-test-{attempt}/",
                    f"Crash test item {attempt}", "news", records_now())))
            before = _state(public)
            proc = start([MSBRIEF, "feeds", "build"], env, tmp_path)
            while _state(public) == before and proc.poll() is None:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.06))
            interrupted += proc.poll() is None
            kill(proc)
            assert assert_site_complete(public, f"after kill {attempt + 1}") == count
        assert interrupted >= 1, "the builds finished before the kills: the test proves little"
        for temp in public.rglob(".*.tmp"):  # what a killed writer leaves: old ones go on the next build
            os.utime(temp, (time.time() - 3600, time.time() - 3600))
        done = subprocess.run([MSBRIEF, "feeds", "build"], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        assert_site_complete(public, "after the rerun")
        assert not list(public.rglob(".*.tmp")), "temp files of killed builds are left in the public folder"
        assert b"Crash test item 1" in (public / "feeds" / "all.rss.xml").read_bytes() if (
            public / "feeds" / "all.rss.xml").exists() else any(
            b"Crash test item 1" in p.read_bytes() for p in public.rglob("*.xml")), "the rerun did not publish"
    finally:
        engine.dispose()


def records_now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(UTC)


RECIPIENTS = [f"staff{i}@example.org" for i in range(1, 7)]
KILLS = [("rcpt", 3), ("data", 2), ("time", 0)]


@pytest.mark.parametrize(("point", "nth"), KILLS, ids=[f"{p}-{n}" for p, n in KILLS])
def test_briefing_send_killed_then_rerun_sends_exactly_one_email_each(point, nth, tmp_path):
    from tests.test_briefing import WEEK, populate

    url = f"sqlite:///{tmp_path / 'briefing.db'}"
    engine = make_engine(url)
    upgrade(engine)
    populate(engine)
    handler = KillingHandler(point, nth)
    try:
        with smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as server:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
            env.update(MSBRIEF_DATABASE_URL=url, MSBRIEF_OUTPUT_DIR=str(tmp_path / "var"),
                       MSBRIEF_SMTP_URL=f"smtp+plain://127.0.0.1:{server.port}",
                       MSBRIEF_RECIPIENTS=",".join(RECIPIENTS), MSBRIEF_MAIL_FROM="msbrief <briefing@example.org>",
                       MSBRIEF_CONTACT_EMAIL="msbrief-tests@localhost", PREFECT_HOME=str(tmp_path / "prefect"))
            cmd = [MSBRIEF, "briefing", "--send", "--week", WEEK]
            proc = start(cmd, env, tmp_path)
            if point == "time":
                # killed at a random moment once sending has begun (waited for, not timed: a busy
                # machine starts slowly), anywhere in the SMTP conversations that follow
                deadline = time.monotonic() + 120
                while handler.rcpts == 0 and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert handler.rcpts, f"the briefing never began sending:\n{proc.communicate()[1][-2000:]}"
                time.sleep(random.Random(f"briefing-{nth}").uniform(0.0, 0.1))
                kill(proc)
            else:
                handler.victim = proc.pid
                out, err = proc.communicate(timeout=120)
                finished = proc.returncode != -signal.SIGKILL
                assert not finished, f"the server never killed the client at {point} #{nth}:\n{out}\n{err[-2000:]}"
            first = Counter(r for msg in server.handler.messages for r in msg.rcpt_tos)
            rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
            received = Counter(r for msg in server.handler.messages for r in msg.rcpt_tos)
        assert max(received.values(), default=0) <= 1, \
            f"a briefing was sent twice (killed at {point} #{nth}): {dict(received)}\n{rerun.stdout}"
        assert received == Counter(RECIPIENTS), \
            f"some recipient never got the briefing (killed at {point} #{nth}; first run delivered {dict(first)}):\n" \
            f"{rerun.stdout}\n{rerun.stderr[-2000:]}"
        with session_factory(engine)() as s:
            statuses = Counter(s.execute(select(m.Delivery.status)).scalars())
        if point == "data":
            # the kill came after the server queued the message and before the client read the 250:
            # the delivery is reported as unconfirmed (probably delivered), never sent twice
            assert statuses["unconfirmed"] == 1 and rerun.returncode == 1, (statuses, rerun.stdout)
            assert "unconfirmed" in rerun.stdout
        elif point == "time":
            # a random moment may fall between the end of DATA and the server's reply: that one
            # delivery is unconfirmed (and was received once); every other one is accepted
            assert statuses["unconfirmed"] <= 1, statuses
            assert statuses["accepted"] == len(RECIPIENTS) - statuses["unconfirmed"], statuses
            assert rerun.returncode == (1 if statuses["unconfirmed"] else 0), rerun.stdout + rerun.stderr[-2000:]
        else:
            assert statuses == Counter({"accepted": len(RECIPIENTS)}), statuses
            assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-2000:]
    finally:
        engine.dispose()
