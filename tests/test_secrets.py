"""Secrets: a full cycle and a briefing send with a PostgreSQL URL that carries a password (a role
made for this test) and SMTP credentials, including a forced failure of each. Everything msbrief
wrote and printed is scanned for the passwords and their encoded forms (URL-encoded, base64 and
the AUTH PLAIN/LOGIN encodings): stdout/stderr of the commands, every log record, the exceptions'
messages, the output directory and outbox, the messages the SMTP server received, and every text
column of the database (fetch_state.last_error, sources.last_error, source_runs.error,
deliveries.smtp_response, ...)."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import drop_pg_database, new_pg_database
from mirror_fixture import start_mirror
from reliability import SOURCES, settings_for
from sqlalchemy import String, Text, create_engine, select, text
from sqlalchemy.exc import OperationalError
from tcp_proxy import TcpProxy

from feeds.build import build_site
from feeds.publish import write_site
from pipeline import ingest
from pipeline.briefing import run_briefing
from pipeline.settings import Settings
from pipeline.site import load_site_data
from store import models as m
from store.db import make_engine, upgrade
from tests.smtp_server import PASSWORD as SMTP_PASSWORD
from tests.smtp_server import USERNAME as SMTP_USERNAME
from tests.smtp_server import smtp_server
from vocabulary.weeks import format_week

ROOT = Path(__file__).resolve().parent.parent
MSBRIEF = str(ROOT / ".venv" / "bin" / "msbrief")


def encodings(secret: str, user: str) -> set[str]:
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    forms = {secret, quote(secret, safe=""), quote_plus(secret), b64(secret), b64(f"\0{user}\0{secret}"),
             b64(f"{user}\0{user}\0{secret}")}
    return {f for f in forms if len(f) >= 6}


def leaks(haystack: str, needles: set[str]) -> list[str]:
    return sorted(n for n in needles if n in haystack)


@pytest.fixture
def secret_db(pg_admin, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh database owned by a role with a password; (URL with the password, password, role)."""
    role = f"msbrief_secret_{secrets.token_hex(4)}"
    password = f"Pg-{secrets.token_urlsafe(12)}/:@%"
    url = new_pg_database(pg_admin)
    name = url.rsplit("/", 1)[1]
    with pg_admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))  # no quote in the password
        conn.execute(text(f'ALTER DATABASE "{name}" OWNER TO {role}'))
    db = create_engine(url, isolation_level="AUTOCOMMIT")
    with db.connect() as conn:
        conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    db.dispose()
    secret_url = f"postgresql://{role}:{quote(password, safe='')}@127.0.0.1:5432/{name}"
    try:
        yield secret_url, password, role
    finally:
        drop_pg_database(pg_admin, url)
        with pg_admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))


def msbrief(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MSBRIEF, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180)


def test_no_credential_appears_in_any_output(secret_db, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db_url, db_password, role = secret_db
    wrong_smtp = f"Wrong-{secrets.token_urlsafe(10)}"
    needles = encodings(db_password, role) | encodings(SMTP_PASSWORD, SMTP_USERNAME) | encodings(wrong_smtp, SMTP_USERNAME)
    printed: list[str] = []
    errors: list[str] = []
    out = tmp_path / "var"

    engine = make_engine(db_url)
    upgrade(engine)
    with start_mirror() as mirror, smtp_server(tmp_path) as server:
        settings = settings_for(mirror, db_url, out)
        # a forced source failure, then the full cycle
        mirror.set_fault("/atleu/cases-news?format=json", "500")
        for name in SOURCES:
            report = ingest.store(engine, None, ingest.fetch(settings, engine, name))
            printed.append(str(report))
        mirror.clear_faults()
        ingest.store(engine, None, ingest.fetch(settings, engine, "atleu"))
        write_site(settings.public_dir, build_site(load_site_data(engine), site_url=settings.site_url, max_entries=50))

        # the database going away mid-store (a forced failure of the database)
        with TcpProxy(("127.0.0.1", 5432)) as proxy:
            cut_url = db_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            cut_engine = make_engine(cut_url)
            fetched = ingest.fetch(settings_for(mirror, cut_url, out), cut_engine, "iasc")
            proxy.refuse = True
            proxy.cut()
            with pytest.raises(OperationalError) as failure:
                ingest.store(cut_engine, None, fetched)
            errors += [str(failure.value), repr(failure.value), str(failure.value.orig), repr(cut_engine),
                       str(cut_engine.url)]
            cut_engine.dispose()

        week = format_week(datetime.now(UTC).date())
        common = dict(database_url=db_url, output_dir=out, smtp_url=server.url, smtp_username=SMTP_USERNAME,
                      smtp_ca_file=server.cert_file, recipients=["staff@example.org", "lead@example.org"],
                      mail_from="msbrief <briefing@example.org>")
        # a forced SMTP failure (wrong password), then the real send
        # this week, still in progress: forced (issue 25: only a week that has ended is sent otherwise)
        bad = run_briefing(engine, Settings(smtp_password=wrong_smtp, **common), week=week, send=True, force=True,
                           now=datetime.now(UTC))
        assert bad.failed, "the wrong SMTP password did not fail"
        printed += [bad.summary, repr(bad), str(bad.delivery_rows)]
        good = run_briefing(engine, Settings(smtp_password=SMTP_PASSWORD, **common), week=week, send=True,
                            force=True, now=datetime.now(UTC))
        assert good.ok, good.summary
        printed += [good.summary, repr(good), good.preview_markdown]
        mail = b"".join(msg.data for msg in server.handler.messages).decode("utf-8", "replace")

        # the commands, with the secrets in the environment
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
        env.update(MSBRIEF_DATABASE_URL=db_url, MSBRIEF_OUTPUT_DIR=str(out), MSBRIEF_SMTP_URL=server.url,
                   MSBRIEF_SMTP_USERNAME=SMTP_USERNAME, MSBRIEF_SMTP_PASSWORD=wrong_smtp,
                   MSBRIEF_SMTP_CA_FILE=str(server.cert_file), MSBRIEF_RECIPIENTS="new@example.org",
                   MSBRIEF_CONTACT_EMAIL="msbrief-tests@localhost",
                   PREFECT_HOME=str(tmp_path / "prefect"))
        runs = [msbrief(["db", "upgrade"], env, tmp_path), msbrief(["feeds", "build"], env, tmp_path),
                msbrief(["briefing", "--send", "--week", week, "--force"], env, tmp_path),
                msbrief(["briefing", "--dry-run", "--week", week, "--force"], env, tmp_path)]
        with TcpProxy(("127.0.0.1", 5432)) as proxy:
            proxy.refuse = True
            dead = dict(env, MSBRIEF_DATABASE_URL=db_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
            runs += [msbrief(["run"], dead, tmp_path), msbrief(["briefing", "--send"], dead, tmp_path)]
        assert runs[2].returncode == 1 and runs[-1].returncode == 2, [r.returncode for r in runs]
        printed += [r.stdout + r.stderr for r in runs]

    found = {}
    for i, chunk in enumerate(printed):
        if hit := leaks(chunk, needles):
            found[f"printed output #{i}"] = hit
    for i, chunk in enumerate(errors):
        if hit := leaks(chunk, needles):
            found[f"exception message #{i}: {chunk[:120]!r}"] = hit
    log_text = caplog.text + "\n".join(str(r.args) + repr(r.exc_info) for r in caplog.records)
    if hit := leaks(log_text, needles):
        found["log records"] = hit
    if hit := leaks(mail, needles):
        found["messages sent"] = hit
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".eml" for p in files), "no outbox copy was written: the scan proves little"
    for path in files:
        if hit := leaks(path.read_bytes().decode("utf-8", "replace"), needles):
            found[str(path)] = hit
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text)) or c.name in ("changes", "warnings")]
            for row in conn.execute(select(*columns)) if columns else []:
                if hit := leaks(" ".join(str(v) for v in row), needles):
                    found[f"database table {table.name}"] = hit
        failures = conn.execute(select(m.Delivery.reply_text)).scalars().all()
    engine.dispose()
    assert any(f and "could not open an SMTP session" in f for f in failures) or bad.failed
    assert not found, f"credentials leaked: {found}"
