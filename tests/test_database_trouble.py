"""Database trouble on the real PostgreSQL server, made through a TCP proxy of our own
(tests/tcp_proxy.py; the server itself is never touched):

- unreachable at start (a closed port, or a proxy that drops every connection): `msbrief run`,
  `msbrief db upgrade`, `msbrief feeds build` and `msbrief briefing` print one clear line naming
  the database URL without its password and what failed, exit 2, no traceback;
- gone in the middle of a source's store transaction: a clear OperationalError, nothing of that
  source kept (the transaction rolled back on the server), and the next run stores everything once.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import drop_pg_database, new_pg_database
from mirror_fixture import start_mirror
from reliability import diff, settings_for, snapshot
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from tcp_proxy import TcpProxy

from pipeline import ingest
from store import models as m
from store.db import database_error, make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
MSBRIEF = str(ROOT / ".venv" / "bin" / "msbrief")
PASSWORD = "Db-Pa55word/with:odd@chars"  # characters that need URL-encoding
ENCODED = "Db-Pa55word%2Fwith%3Aodd%40chars"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def msbrief(args: list[str], *, db_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
    env.update(MSBRIEF_DATABASE_URL=db_url, MSBRIEF_OUTPUT_DIR=str(tmp_path / "var"),
               MSBRIEF_SMTP_URL="smtp+plain://127.0.0.1:1", MSBRIEF_RECIPIENTS="a@example.org",
               MSBRIEF_CONTACT_EMAIL="msbrief-tests@localhost",
               PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return subprocess.run([MSBRIEF, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("how", ["closed-port", "proxy-drops-connections"])
@pytest.mark.parametrize("args", [["run"], ["db", "upgrade"], ["feeds", "build"], ["briefing", "--send"],
                                  ["figures", "series", "total_referrals"]], ids=lambda a: " ".join(a))
def test_unreachable_database_at_start_is_one_clear_line(args, how, tmp_path):
    proxy = TcpProxy(("127.0.0.1", 5432))
    with proxy:
        proxy.refuse = True
        port = closed_port() if how == "closed-port" else proxy.port
        url = f"postgresql://msbrief:{ENCODED}@127.0.0.1:{port}/msbrief_prod"
        done = msbrief(args, db_url=url, tmp_path=tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 2, f"exit status {done.returncode}, expected 2\n{out}"
    assert "Traceback" not in out, f"a traceback was printed:\n{out}"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{done.stderr}"
    line = lines[0]
    assert line.startswith(f"msbrief {args[0]}: "), line
    assert f"msbrief:***@127.0.0.1:{port}/msbrief_prod" in line, f"the database URL is not named: {line}"
    assert "could not connect" in line, f"the line does not say what failed: {line}"
    for secret in (PASSWORD, ENCODED, "Pa55word"):
        assert secret not in out, f"the password ({secret!r}) was printed:\n{out}"


def test_database_going_away_mid_store_rolls_back_and_the_next_run_recovers(pg_admin, tmp_path):
    # the clean reference: the same source into SQLite
    ref_engine = make_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    upgrade(ref_engine)
    direct_url = new_pg_database(pg_admin)
    direct = make_engine(direct_url)
    try:
        upgrade(direct)
        with TcpProxy(("127.0.0.1", 5432)) as proxy, start_mirror() as mirror:
            statements = {"n": 0}

            @event.listens_for(ref_engine, "before_cursor_execute")
            def _measure(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
                statements["n"] += 1

            reference_fetch = ingest.fetch(settings_for(mirror, "sqlite://", tmp_path), ref_engine, "govuk_nrm")
            statements["n"] = 0
            ingest.store(ref_engine, None, reference_fetch)
            event.remove(ref_engine, "before_cursor_execute", _measure)
            reference = snapshot(ref_engine, ["govuk_nrm"])

            proxied_url = direct_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            engine = make_engine(proxied_url)
            settings = settings_for(mirror, proxied_url, tmp_path)
            fetched = ingest.fetch(settings, engine, "govuk_nrm")
            assert fetched.error is None and fetched.result is not None

            # statements into the store transaction (drawn within what a whole store takes)
            cut_after = random.Random(9).randint(3, max(3, statements["n"] - 2))
            seen = {"n": 0}

            @event.listens_for(engine, "before_cursor_execute")
            def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
                seen["n"] += 1
                if seen["n"] == cut_after:
                    proxy.cut()

            with pytest.raises(OperationalError) as failure:
                ingest.store(engine, None, fetched)
            event.remove(engine, "before_cursor_execute", _count)
            assert seen["n"] >= cut_after, "the connection was never cut"
            message = database_error(proxied_url, failure.value, what="lost the connection")
            assert "\n" not in message and "postgres" in message and "lost the connection" in message, message

            with direct.connect() as conn:
                counts = {t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                          for t in (m.Publication, m.Figure, m.StatisticsRelease, m.StatisticsAnnouncement,
                                    m.FetchState, m.Source)}
            assert all(n == 0 for n in counts.values()), \
                f"rows of the interrupted store transaction survived (partial state): {counts}"

            # the server is back (the proxy accepts new connections): the next run stores everything once
            report = ingest.store(engine, None, ingest.fetch(settings, engine, "govuk_nrm"))
            assert report.status == "ok" and report.new > 0, report
            problem = diff(snapshot(direct, ["govuk_nrm"]), reference)
            assert not problem, f"after recovery the rows differ from a clean run:\n{problem}"
            engine.dispose()
    finally:
        direct.dispose()
        ref_engine.dispose()
        drop_pg_database(pg_admin, direct_url)
