"""Concurrency on SQLite and PostgreSQL: two ingests of the same source at once (the stores
start together, after a barrier), and two briefings of the same week at once: one set of rows
(no duplicate publications, amendments, figures), one email per recipient."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from mirror_fixture import FIXTURES, start_mirror
from reliability import SOURCES, diff, settings_for, snapshot
from sqlalchemy import func, select

from pipeline import ingest
from pipeline.briefing import run_briefing
from store import models as m
from store.db import session_factory
from tests.smtp_server import HoldingHandler, smtp_server

FEED = FIXTURES / "sentencing_council" / "feed" / "page-1.xml"
OLD_TITLE = "Miscellaneous amendments to sentencing guidelines consultation 2024"  # the first item: read first by both
MSBRIEF = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "msbrief")
NEW_TITLE = "Miscellaneous amendments to sentencing guidelines: consultation 2024 (corrected)"


def together(*calls):  # type: ignore[no-untyped-def]
    """Run the calls in threads released at the same moment; their results (exceptions re-raised).

    It fails unless the calls really ran at the same time: each began before any of them ended (a
    "race" in which one call finished before the other started would prove nothing)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(calls)

    def run(i, call):  # type: ignore[no-untyped-def]
        barrier.wait()
        began = time.monotonic()
        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        spans[i] = (began, time.monotonic())

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a concurrent run hung (deadlock?)"
    assert not errors, f"a concurrent run raised: {errors!r}"
    assert max(b for b, _ in spans) < min(e for _, e in spans), f"the calls did not overlap: {spans}"
    return results


def test_two_ingests_of_the_same_sources_at_once_store_one_set_of_rows(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        # both runs fetch first (each its own client, as two processes would), then store together
        for source in SOURCES:
            a, b = (ingest.fetch(settings, engine, source) for _ in range(2))
            ra, rb = together(lambda a=a: ingest.store(engine, None, a), lambda b=b: ingest.store(engine, None, b))
            assert ra.status == rb.status == "ok", (ra.error, rb.error)
            assert ra.new + rb.new == len(a.result.publications), \
                f"{source}: {ra.new} + {rb.new} new, expected {len(a.result.publications)} in all"
            assert ra.figures + rb.figures == sum(len(r.figures) for r in a.result.releases), source
        once = snapshot(engine)

        # a third, sequential run changes nothing: one set of rows
        for source in SOURCES:
            ingest.store(engine, None, ingest.fetch(settings, engine, source))
        problem = diff(snapshot(engine), once)
        assert not problem, problem
        with session_factory(engine)() as s:
            keys = Counter(s.execute(select(m.Publication.key)).scalars())
            assert max(keys.values()) == 1
            figures = Counter(s.execute(select(m.Figure.release_id, m.Figure.period, m.Figure.metric)).all())
            assert figures and max(figures.values()) == 1


def test_two_ingests_seeing_the_same_amendment_record_it_once(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        ingest.store(engine, None, ingest.fetch(settings, engine, "sentencing_council"))
        # the site corrects a title; two runs see the change at the same time
        body = FEED.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE)
        mirror.put_response("/sentencing_council/feed/", body, content_type="application/rss+xml; charset=UTF-8")
        for _attempt in range(3):  # the same race three times
            # both runs read the site's change and the stored old title before either stores
            a, b = (ingest.fetch(settings, engine, "sentencing_council") for _ in range(2))
            for fetched in (a, b):
                assert NEW_TITLE in {p.title for p in fetched.result.publications}
            with session_factory(engine)() as s:
                assert s.execute(select(m.Publication.id).where(m.Publication.title == OLD_TITLE)).scalar_one()
            ra, rb = together(lambda a=a: ingest.store(engine, None, a), lambda b=b: ingest.store(engine, None, b))
            assert ra.status == rb.status == "ok", (ra.error, rb.error)
            with session_factory(engine)() as s:
                pub = s.execute(select(m.Publication).where(m.Publication.title == NEW_TITLE)).scalar_one()
                amendments = s.execute(select(func.count()).select_from(m.Amendment)
                                       .where(m.Amendment.publication_id == pub.id)).scalar_one()
            assert ra.amended + rb.amended == 1, f"the change was reported {ra.amended + rb.amended} times"
            assert amendments == 1 and pub.amendment_count == 1, \
                f"one title change recorded as {amendments} amendments (count {pub.amendment_count})"
            # back to the old title for the next attempt
            mirror.reset_responses()
            ingest.store(engine, None, ingest.fetch(settings, engine, "sentencing_council"))
            mirror.put_response("/sentencing_council/feed/", body, content_type="application/rss+xml; charset=UTF-8")
            with session_factory(engine)() as s:
                s.execute(m.Amendment.__table__.delete())
                s.execute(m.Publication.__table__.update().values(amendment_count=0))
                s.commit()


def test_two_briefings_of_the_same_week_at_once_send_one_email_each(engine, db_url, tmp_path):
    from tests.test_briefing import NOW, RECIPIENTS, WEEK, populate

    populate(engine)
    with smtp_server(tmp_path) as server:
        from tests.smtp_server import PASSWORD, USERNAME

        def settings(n: int):  # type: ignore[no-untyped-def]
            from pipeline.settings import Settings
            return Settings(database_url=db_url, output_dir=tmp_path / f"var{n}", smtp_url=server.url,
                            smtp_username=USERNAME, smtp_password=PASSWORD, smtp_ca_file=server.cert_file,
                            recipients=RECIPIENTS, mail_from="msbrief <briefing@example.org>")

        outcomes = together(*(lambda n=n: run_briefing(engine, settings(n), week=WEEK, send=True, now=NOW)
                              for n in range(2)))
        received = Counter(r for msg in server.handler.messages for r in msg.rcpt_tos)
        assert received == Counter(RECIPIENTS), f"emails received per recipient: {dict(received)}"
        ids = {msg.message().get("Message-ID") for msg in server.handler.messages}
        assert len(ids) == 1, f"two different briefings were composed for one week: {ids}"
        with session_factory(engine)() as s:
            assert s.execute(select(func.count()).select_from(m.Dispatch)).scalar_one() == 1
            statuses = Counter(s.execute(select(m.Delivery.status)).scalars())
            assert statuses == Counter({"accepted": len(RECIPIENTS)}), statuses
        assert {o.status for o in outcomes} <= {"sent", "sending"}
        assert outcomes[0].ok or outcomes[1].ok

        # and a third run of the week sends nothing
        again = run_briefing(engine, settings(3), week=WEEK, send=True, now=NOW)
        assert again.action == "already-sent" and len(server.handler.messages) == len(RECIPIENTS)


@pytest.mark.parametrize("held", ["last", "first"])
def test_a_briefing_run_that_loses_the_race_says_another_run_is_sending(engine, db_url, tmp_path, held):
    """Two real `msbrief briefing --send` processes, the server holding one message at DATA (the
    first run's delivery is then "unconfirmed" while it waits for the reply). The second run, started
    then, says another run is sending this week's briefing, never "unconfirmed"; when the first
    recipient is held, it sends to the others itself. Each recipient gets exactly one email."""
    from tests.test_briefing import RECIPIENTS, WEEK, populate

    populate(engine)
    recipient = RECIPIENTS[-1] if held == "last" else RECIPIENTS[0]
    handler = HoldingHandler(recipient)
    with smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_") and k != "PREFECT_API_URL"}
        env.update(MSBRIEF_DATABASE_URL=db_url, MSBRIEF_SMTP_URL=f"smtp+plain://127.0.0.1:{server.port}",
                   MSBRIEF_RECIPIENTS=",".join(RECIPIENTS), MSBRIEF_MAIL_FROM="msbrief <briefing@example.org>",
                   MSBRIEF_CONTACT_EMAIL="msbrief-tests@localhost", MSBRIEF_SMTP_TIMEOUT="600")  # the held reply is slow, not lost
        command = [MSBRIEF, "briefing", "--send", "--week", WEEK]
        first = subprocess.Popen(command, cwd=tmp_path, env={**env, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var1")},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # generous: a busy machine starts a process slowly; the event is what the test waits for
            assert handler.holding.wait(300), "the first run never reached DATA for " + recipient
            assert first.poll() is None
            second = subprocess.run(command, cwd=tmp_path, env={**env, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var2")},
                                    capture_output=True, text=True, timeout=300)
            assert first.poll() is None, "the first run ended while its message was held"
        finally:
            handler.release.set()
        out, err = first.communicate(timeout=300)
    said = second.stdout + second.stderr
    assert second.returncode == 0, said
    assert "another run is sending this week's briefing" in said, said
    assert "unconfirmed" not in said.lower(), said
    assert f"{recipient}: being sent by another run" in second.stdout, said
    assert first.returncode == 0 and "unconfirmed" not in (out + err).lower(), out + err
    received = Counter(r for msg in server.handler.messages for r in msg.rcpt_tos)
    assert received == Counter(RECIPIENTS), f"emails received per recipient: {dict(received)}"
    with session_factory(engine)() as s:
        statuses = Counter(s.execute(select(m.Delivery.status)).scalars())
        assert statuses == Counter({"accepted": len(RECIPIENTS)}), statuses
        assert s.execute(select(m.Dispatch.status)).scalar_one() == "sent"
