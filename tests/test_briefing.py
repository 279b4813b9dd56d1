"""The weekly briefing end to end: a store with the real 2023-Q2 figures, a real SMTP server on
loopback (aiosmtpd, AUTH + STARTTLS with a certificate made here), the messages parsed as they
arrived, the delivery record in SQLite and PostgreSQL, and the HTML rendered by headless Chromium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update

from feeds.charts import LATEST
from feeds.mailer import Mailer, MailerError, SmtpConfig, parse_smtp_url
from pipeline.briefing import run_briefing
from pipeline.settings import Settings
from pipeline.sources import SOURCES
from scrapers import records
from scrapers.normalise import normalise_announcement, normalise_publication
from store import models as m
from store import repo
from store.db import transaction
from tests.smtp_server import PASSWORD, USERNAME, smtp_server
from vocabulary.weeks import parse_week, previous_week, week_bounds

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "briefing" / "2023-Q2.expected.json"
EXPECTED = json.loads(FIXTURE.read_text(encoding="utf-8"))
FIGURES = {f["metric"]: f for f in EXPECTED["figures"]}
BULLETIN = EXPECTED["url"]
# Restated earlier quarters are filed under the period they describe (as the extractor files them).
PERIOD_OF = {"previous_period_referrals": "2023-Q1", "dtn_previous_period": "2023-Q1",
             "same_period_last_year_referrals": "2022-Q2"}

WEEK = "2023-W32"  # Monday 7 August 2023: the week the 2023-Q2 bulletin came out (10 August)
NOW = datetime(2023, 8, 14, 7, 0, tzinfo=UTC)  # Monday 14 August, 08:00 in London
UTC = UTC
RECIPIENTS = ["alice@example.org", "bob@example.org", "carol@example.org"]
INJECTED = "Test injected title\r\nBcc: evil@example.org"
CHROMIUM = "/usr/bin/chromium"


def at(day: int, hour: int = 10, month: int = 8) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=UTC)


ATLEU_ERROR = ("FetchError: [atleu] connection failed: connection reset by peer (gave up after 4 attempts): "
               "https://www.atleu.org.uk/cases-news?format=json&offset=1699999999999&reversePaginate=true&category=x")


def populate(engine, *, with_week: bool = True, failing: tuple[str, ...] = ("atleu",)) -> None:  # type: ignore[no-untyped-def]
    """The 2023-Q2 release and, when `with_week`, a week of made-up publications around it, read
    that week from every source but those `failing`."""
    with transaction(engine) as s:
        for name, title in (("govuk_nrm", "GOV.UK: Home Office"), ("iasc", "Independent Anti-Slavery Commissioner"),
                            ("sentencing_council", "Sentencing Council"), ("atleu", "ATLEU")):
            repo.ensure_source(s, name, title=title, home_url=f"https://{name}.example.org/")
            repo.record_source_outcome(s, name, ok=True, strategy="test")
        release_pub = records.Publication(
            "govuk_nrm", BULLETIN, "Modern Slavery: NRM and DtN statistics UK, Quarter 2 2023 – April to June",
            "statistics", at(10, 8), topics=("modern slavery", "statistics"),
        )
        saved = repo.upsert_publication(s, normalise_publication(release_pub), seen_at=at(10, 12) if with_week else at(10, 12, month=7))
        figures = tuple(
            records.Figure(f["metric"], f["value"], f["unit"], f["quote"], PERIOD_OF.get(f["metric"], "2023-Q2"))
            for f in EXPECTED["figures"]
        )
        repo.upsert_release(s, records.Release(
            "2023-Q2", release_pub.title, BULLETIN, BULLETIN, at(10, 8) if with_week else at(10, 8, month=7), None,
            figures, warnings=("test warning: made up for this test",),
        ), publication_id=saved.id)
        repo.upsert_announcement(s, normalise_announcement(records.Announcement(
            "https://www.gov.uk/government/statistics/announcements/test-nrm-q3-2023",
            "Modern Slavery: NRM and DtN statistics, July to September 2023", "confirmed",
            datetime(2023, 11, 2, 9, 30, tzinfo=UTC), "2 November 2023 9:30am",
        )))
        s.execute(update(m.StatisticsAnnouncement).values(first_seen=at(10, 12, month=7)))  # seen with the release
        if not with_week:
            return
        repo.upsert_publication(s, normalise_publication(records.Publication(
            "iasc", "https://iasc.example.org/report", "Test report on trafficking in care work", "report", at(8),
            summary="<p>A test summary &amp; <script>alert(1)</script>findings.</p>", topics=("human trafficking",),
        )), seen_at=at(8, 12))
        repo.upsert_publication(s, normalise_publication(records.Publication(
            "iasc", "https://iasc.example.org/injected", INJECTED, "news", at(9), topics=(),
        )), seen_at=at(9, 12))
        repo.upsert_publication(s, normalise_publication(records.Publication(
            "sentencing_council", "https://sc.example.org/news/annual", "Test news: annual report published",
            "news", at(9),
        )), seen_at=at(9, 12))
        guideline = records.Publication(
            "sentencing_council", "https://sc.example.org/guideline", "Test guideline: modern slavery offences",
            "guideline", at(1, month=6), summary="The guideline comes into force on 1 October 2023.",
            topics=("modern slavery",),
        )
        repo.upsert_publication(s, normalise_publication(guideline), seen_at=at(1, month=7))
        repo.upsert_publication(s, normalise_publication(records.Publication(
            guideline.source, guideline.url, "Test guideline: modern slavery offences (revised)", "guideline",
            at(1, month=6), summary=guideline.summary, topics=guideline.topics,
        )), seen_at=at(11, 12))
        repo.upsert_publication(s, normalise_publication(records.Publication(
            "atleu", "https://atleu.example.org/news/undated", "Test undated case update", "case", None,
            date_estimated=True, topics=("human trafficking",),
        )), seen_at=at(11, 13))
        run_id = repo.start_run(s)
        for name in SOURCES:  # that week's reading
            if name in failing:
                repo.record_source_run(s, run_id, name, status="failed", error=ATLEU_ERROR.replace("atleu", name))
            else:
                repo.record_source_run(s, run_id, name, status="ok")
        s.flush()
        s.execute(update(m.SourceRun).where(m.SourceRun.run_id == run_id).values(finished_at=at(12)))


def settings_for(tmp_path: Path, server=None, **over) -> Settings:  # type: ignore[no-untyped-def]
    values = dict(
        database_url="sqlite://", output_dir=tmp_path / "var",
        smtp_url=server.url if server else "", smtp_username=USERNAME, smtp_password=PASSWORD,
        smtp_ca_file=server.cert_file if server else None, smtp_timeout=10,
        mail_from="msbrief <briefing@example.org>", recipients=RECIPIENTS[:2],
        unsubscribe_mailto="unsubscribe@example.org", unsubscribe_url="https://briefing.example.org/unsubscribe",
        send_empty_briefing=True, timezone="Europe/London",
    )
    values.update(over)
    return Settings(_env_file=None, **values)


def deliveries(engine) -> dict[str, tuple[str, str | None, int]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rows = s.execute(select(m.Delivery).order_by(m.Delivery.id)).scalars().all()
        return {d.address: (d.status, f"{d.reply_code} {d.reply_text}" if d.reply_code else d.reply_text, d.attempts)
                for d in rows}


def briefing_status(engine) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [(b.key, b.status) for b in s.execute(select(m.Dispatch).where(m.Dispatch.kind == "briefing")).scalars()]


def count_text(metric: str) -> str:
    return f"{FIGURES[metric]['value']:,}"


# --- the message as it arrived ---------------------------------------------------------------


def test_briefing_arrives_over_starttls_with_auth_and_is_sent_once(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server:
        settings = settings_for(tmp_path, server)
        outcome = run_briefing(engine, settings, week=None, send=None, force=False, now=NOW)
        assert outcome.week == WEEK and outcome.action == "sent" and outcome.ok, outcome.summary
        assert outcome.status == "sent"

        got = server.handler.messages
        assert [r.rcpt_tos for r in got] == [["alice@example.org"], ["bob@example.org"]]  # one envelope each
        assert all(r.tls and r.login == USERNAME for r in got)
        assert server.authenticator.attempts == [True]  # one session, one AUTH, both messages
        msg = got[0].message()

        # headers
        assert msg["Subject"] == "Modern slavery briefing — week of 7 August 2023"
        assert msg["From"] == "msbrief <briefing@example.org>"
        assert msg["To"] == "undisclosed-recipients:;"
        assert msg["Date"].datetime == NOW
        assert re.fullmatch(r"<[^@<>]+@example\.org>", msg["Message-ID"])
        assert msg["Message-ID"] == got[1].message()["Message-ID"] == outcome.message_id
        # (a long header is folded after the colon; unfolded, Python keeps that space: strip it)
        assert msg["List-Unsubscribe"].strip() == "<mailto:unsubscribe@example.org?subject=unsubscribe>, <https://briefing.example.org/unsubscribe>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["Bcc"] is None and "evil@example.org" not in "".join(f"{k}: {v}" for k, v in msg.items())

        # parts: alternative(text, related(html, png)), the PNG referenced by its Content-ID
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.walk()] == [
            "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"]
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
        assert image.get_content_disposition() == "inline"
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")

        # the figures, in both parts (one headline view model with the index page); in HTML each
        # headline number links to the bulletin that states it, with the restated counts beside it
        for metric in ("total_referrals", "sca_count", "ieca_count", "reasonable_grounds_decisions",
                       "conclusive_grounds_decisions", "dtn_count"):
            value = count_text(metric)
            assert value in text, metric
            assert re.search(rf'<a href="{re.escape(BULLETIN)}"[^>]*>{re.escape(value)}</a>', html), metric
        for metric in ("previous_period_referrals", "same_period_last_year_referrals", "dtn_previous_period"):
            assert f"({count_text(metric)})" in html, metric
        for metric in ("pct_change_vs_previous", "pct_change_vs_last_year", "dtn_pct_change_vs_previous"):
            change = FIGURES[metric]["value"]
            words = f"a {abs(change)}% {'decrease' if change < 0 else 'increase'} on"
            assert words in text.replace("\n  ", " ") and words in html, metric
        for metric in ("sca_pct", "ieca_pct", "positive_rg_pct", "positive_cg_pct"):
            assert f"{FIGURES[metric]['value']}%" in text, metric
        assert BULLETIN in text
        # operator warnings stay with operators; nothing of the store's vocabulary reaches staff
        assert "test warning: made up for this test" not in text and "test warning" not in html
        words = re.sub(r"https?://\S+", "", text)  # link targets are not words
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", words), re.findall(r"\b[a-z]+_[a-z_]+\b", words)
        assert "+1 other Sentencing Council update on other subjects" in text  # the off-topic annual report
        assert "Unsubscribe (one click): https://briefing.example.org/unsubscribe" in text
        assert 'href="https://briefing.example.org/unsubscribe"' in html

        # publications: per source, relevant first, amended ones say what changed, undated flagged
        assert "Test report on trafficking in care work" in text
        assert "<script" not in html and "alert(1)" not in text
        assert "A test summary &amp; findings." in html
        assert "[AMENDED] Test guideline: modern slavery offences (revised)" in text
        assert "What changed: updated 11 August 2023: title changed from \u201cTest guideline: modern slavery offences\u201d" in text.replace("\n  ", " ")
        assert "Test undated case update" in text and "(the source gives no date)" in text
        iasc = text[text.index("Independent Anti-Slavery Commissioner\n---"):]
        assert iasc.index("Test report on trafficking") < iasc.index("Test injected title")
        assert "Test injected title Bcc: evil@example.org" in text  # one line of body text, not a header

        # coming up and source health
        assert "* 2 November 2023, 9:30am: Modern Slavery: NRM and DtN statistics, July to\n  September 2023" in text
        assert "* 1 October 2023: Test guideline: modern slavery offences (revised) (comes\n  into force; Sentencing Council)" in text
        assert text.index("1 October 2023: Test guideline") < text.index("2 November 2023, 9:30am")
        # source problems in plain words for staff, last; the error itself is for operators (the log)
        flat = " ".join(text.split())
        assert "* ATLEU: could not be read this week: anything it published is missing here" in flat
        assert "1 of 8 sources could not be read this week" in flat and "FetchError" not in text + html
        assert flat.index("NEW AND AMENDED PUBLICATIONS") < flat.index("SOURCES 1 of 8")

        assert deliveries(engine) == {
            "alice@example.org": ("accepted", "250 2.0.0 queued as 1", 1),
            "bob@example.org": ("accepted", "250 2.0.0 queued as 2", 1),
        }
        assert briefing_status(engine) == [(WEEK, "sent")]

        again = run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW)
        assert again.action == "already-sent" and again.ok
        assert len(server.handler.messages) == 2  # nothing sent the second time
        assert [d.attempted for d in again.deliveries] == [False, False]


def test_refused_recipient_is_recorded_reported_and_not_retried(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server:
        server.handler.refuse["bob@example.org"] = "550 5.1.1 <bob@example.org>: no such mailbox"
        settings = settings_for(tmp_path, server, recipients=RECIPIENTS)
        outcome = run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW)
        assert [r.rcpt_tos for r in server.handler.messages] == [["alice@example.org"], ["carol@example.org"]]
        assert outcome.failed and outcome.status == "partial"
        assert [(d.recipient, d.status) for d in outcome.problems] == [("bob@example.org", "refused")]
        assert outcome.problems[0].response.startswith("550 5.1.1 <bob@example.org>: no such mailbox")
        assert deliveries(engine)["bob@example.org"][0] == "refused"

        again = run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW)
        assert len(server.handler.messages) == 2  # a permanent refusal is not retried, nobody gets it twice
        assert again.failed and [d.recipient for d in again.problems] == ["bob@example.org"]


def test_connection_lost_mid_list_then_rerun_completes_the_rest(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server:
        server.handler.accept_only = 1  # after the first message, every DATA drops the connection
        settings = settings_for(tmp_path, server, recipients=RECIPIENTS)
        first = run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW)
        assert [r.rcpt_tos for r in server.handler.messages] == [["alice@example.org"]]
        record = deliveries(engine)
        assert record["alice@example.org"][0] == "accepted"
        assert record["bob@example.org"][0] == record["carol@example.org"][0] == "failed"
        assert first.failed and first.status == "partial"

        server.handler.accept_only = None
        second = run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW)
        assert [r.rcpt_tos for r in server.handler.messages] == [
            ["alice@example.org"], ["bob@example.org"], ["carol@example.org"]]
        assert second.ok and second.status == "sent"
        assert {r: (st, n) for r, (st, _, n) in deliveries(engine).items()} == {
            "alice@example.org": ("accepted", 1), "bob@example.org": ("accepted", 2), "carol@example.org": ("accepted", 2)}
        ids = {r.message()["Message-ID"] for r in server.handler.messages}
        assert len(ids) == 1  # the rerun sent the same briefing, not a new one


def test_two_concurrent_runs_of_a_week_send_one_email_each(engine, tmp_path):
    populate(engine)
    with smtp_server(tmp_path) as server:
        settings = settings_for(tmp_path, server, recipients=RECIPIENTS)
        barrier, outcomes, errors = threading.Barrier(2), [], []

        def run() -> None:
            barrier.wait()
            try:
                outcomes.append(run_briefing(engine, settings, week=WEEK, send=True, force=False, now=NOW))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(r.rcpt_tos[0] for r in server.handler.messages) == RECIPIENTS
        assert all(st == "accepted" and n == 1 for st, _, n in deliveries(engine).values())
        assert briefing_status(engine) == [(WEEK, "sent")]


def test_force_sends_again_to_everyone(sqlite_engine, tmp_path):
    populate(sqlite_engine)
    with smtp_server(tmp_path) as server:
        settings = settings_for(tmp_path, server)
        run_briefing(sqlite_engine, settings, week=WEEK, send=True, force=False, now=NOW)
        forced = run_briefing(sqlite_engine, settings, week=WEEK, send=True, force=True, now=NOW)
        assert forced.action == "sent" and forced.ok
        assert [r.rcpt_tos[0] for r in server.handler.messages] == RECIPIENTS[:2] * 2


# --- modes and edge cases ----------------------------------------------------------------------


def test_dry_run_writes_eml_and_html_and_records_nothing(sqlite_engine, tmp_path):
    populate(sqlite_engine)
    settings = settings_for(tmp_path)  # no SMTP URL: a dry run by default
    outcome = run_briefing(sqlite_engine, settings, week=WEEK, send=None, force=False, now=NOW)
    outbox = tmp_path / "var" / "outbox"
    assert outcome.dry_run and outcome.action == "written"
    assert outcome.files == [outbox / f"{WEEK}.eml", outbox / f"{WEEK}.html"]
    msg = BytesParser(policy=policy.default).parsebytes((outbox / f"{WEEK}.eml").read_bytes())
    assert msg["Subject"] == "Modern slavery briefing — week of 7 August 2023"
    preview = (outbox / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in preview and "cid:" not in preview
    assert count_text("total_referrals") in preview
    assert briefing_status(sqlite_engine) == [] and deliveries(sqlite_engine) == {}
    assert sorted(p.name for p in outbox.iterdir()) == [f"{WEEK}.eml", f"{WEEK}.html"]  # no temp files left


def read_sources(engine, at_: datetime, *, failed: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """A reading of every source at `at_` (those in `failed` failed)."""
    with transaction(engine) as s:
        run_id = repo.start_run(s)
        for name in SOURCES:
            ok = name not in failed
            repo.record_source_run(s, run_id, name, status="ok" if ok else "failed",
                                   error=None if ok else f"FetchError: connection failed: {'x' * 300}")
        s.flush()
        s.execute(update(m.SourceRun).where(m.SourceRun.run_id == run_id).values(finished_at=at_))


def test_nothing_new_week_sends_a_short_message_or_nothing(engine, tmp_path):
    populate(engine, with_week=False)
    with smtp_server(tmp_path) as server:
        quiet = run_briefing(engine, settings_for(tmp_path, server, send_empty_briefing=False),
                             week=WEEK, send=True, force=False, now=NOW)
        assert quiet.empty and quiet.action == "nothing-new" and server.handler.messages == []
        assert briefing_status(engine) == [(WEEK, "empty")]
        assert "no source was read this week" in quiet.summary  # never "nothing new": nothing was read

        def told(week: str, now: datetime) -> tuple[str, str]:
            outcome = run_briefing(engine, settings_for(tmp_path, server), week=week, send=True, force=False,
                                   now=now)
            assert outcome.empty and outcome.action == "sent", outcome.summary
            msg = server.handler.messages[-1].message()
            assert not [p for p in msg.walk() if p.get_content_type() == "image/png"]  # short: no chart
            text = " ".join(msg.get_body(("plain",)).get_content().split())
            return text, msg.get_body(("html",)).get_content()

        # nothing read that week: said so, never "nothing new"
        text, html = told("2023-W33", NOW + timedelta(days=7))
        assert "No source was read this week" in text and "No source was read this week" in html
        assert "Nothing new" not in text + html and "nothing new" not in text + html
        # some could not be read: "N of M", and nothing new only from the others
        read_sources(engine, datetime(2023, 8, 23, 12, tzinfo=UTC), failed=("iasc", "atleu"))
        text, html = told("2023-W34", NOW + timedelta(days=14))
        assert "2 of 8 sources could not be read this week" in text and "Nothing new this week" not in text
        assert "Nothing new from the sources that were read" in html
        # every source read, nothing published: only now "nothing new"
        read_sources(engine, datetime(2023, 8, 30, 12, tzinfo=UTC))
        text, html = told("2023-W35", NOW + timedelta(days=21))
        assert "Nothing new this week: None of the sources published or changed anything" in text
        assert "week of 28 August 2023" in server.handler.messages[-1].message()["Subject"]
        assert len(text) < 1500


def test_a_header_in_a_setting_is_refused(sqlite_engine, tmp_path):
    populate(sqlite_engine)
    settings = settings_for(tmp_path, recipients=["alice@example.org\r\nBcc: evil@example.org"])
    with pytest.raises(ValueError, match="line break"):
        run_briefing(sqlite_engine, settings, week=WEEK, send=False, force=False, now=NOW)


# --- the mailer ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the session is TLS from the start
def test_smtps_with_implicit_tls(sqlite_engine, tmp_path):
    populate(sqlite_engine)
    with smtp_server(tmp_path, mode="ssl") as server:
        assert server.url.startswith("smtps://")
        outcome = run_briefing(sqlite_engine, settings_for(tmp_path, server), week=WEEK, send=True, force=False, now=NOW)
        assert outcome.ok and len(server.handler.messages) == 2 and server.handler.messages[0].tls


def send_each(config: SmtpConfig, message, recipients):  # type: ignore[no-untyped-def]
    """One Mailer session sending `message` to each recipient, as pipeline/briefing.py does."""
    with Mailer(config) as mailer:
        return [mailer.send(message, r) for r in recipients]


def test_starttls_is_required_not_opportunistic(tmp_path):
    with smtp_server(tmp_path, mode="plain", auth=False) as server:
        msg = _tiny_message()
        results = send_each(SmtpConfig(f"smtp://127.0.0.1:{server.port}", timeout=5), msg, ["a@example.org", "b@example.org"])
        assert [r.status for r in results] == ["failed", "failed"]
        assert "does not offer STARTTLS" in results[0].response
        assert server.handler.messages == []
        # smtp+plain:// is the explicit, loopback-only way to send without TLS
        plain = send_each(SmtpConfig(f"smtp+plain://127.0.0.1:{server.port}", timeout=5), msg, ["a@example.org"])
        assert plain[0].status == "accepted" and len(server.handler.messages) == 1
    with pytest.raises(MailerError, match="loopback only"):
        parse_smtp_url("smtp+plain://mail.example.org:25")
    with pytest.raises(MailerError, match="credentials"):
        parse_smtp_url(f"smtps://{USERNAME}:{PASSWORD}@mail.example.org")


def test_credentials_never_appear_in_results_logs_or_repr(tmp_path, caplog):
    caplog.set_level("DEBUG")
    with smtp_server(tmp_path) as server:
        ca = str(server.cert_file)
        wrong = "Wr0ng-" + PASSWORD
        config = SmtpConfig(server.url, username=USERNAME, password=wrong, timeout=5, ca_file=ca)
        send_each(config, _tiny_message(), ["a@example.org"])
        per_session = len(server.authenticator.attempts)  # smtplib tries each mechanism once
        results = send_each(config, _tiny_message(), ["a@example.org", "b@example.org", "c@example.org"])
        assert [r.status for r in results] == ["failed", "failed", "failed"]
        assert "SMTPAuthenticationError: 535" in results[0].response
        assert len(server.authenticator.attempts) == 2 * per_session  # no new login per recipient
        assert not any(server.authenticator.attempts)
        everything = " ".join(r.response for r in results) + caplog.text + repr(config)
        assert wrong not in everything and PASSWORD not in everything


def _tiny_message():  # type: ignore[no-untyped-def]
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "briefing@example.org", "undisclosed-recipients:;", "test"
    msg.set_content("test")
    return msg


def test_cli_briefing_reports_and_exits_1_on_a_refusal(tmp_path):
    db = tmp_path / "cli.db"
    from store.db import make_engine, upgrade

    eng = make_engine(f"sqlite:///{db}")
    upgrade(eng)
    populate(eng)
    eng.dispose()
    with smtp_server(tmp_path) as server:
        server.handler.refuse["bob@example.org"] = "550 5.1.1 no such mailbox"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
        env.update({
            "MSBRIEF_DATABASE_URL": f"sqlite:///{db}", "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"),
            "MSBRIEF_SMTP_URL": server.url, "MSBRIEF_SMTP_USERNAME": USERNAME, "MSBRIEF_SMTP_PASSWORD": PASSWORD,
            "MSBRIEF_SMTP_CA_FILE": str(server.cert_file), "MSBRIEF_RECIPIENTS": "alice@example.org, bob@example.org",
            "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost",
        })
        proc = subprocess.run([sys.executable, "-m", "commands.main", "briefing", "--week", WEEK], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "alice@example.org: accepted" in proc.stdout
        assert "bob@example.org: refused - 550 5.1.1 no such mailbox" in proc.stdout
        assert PASSWORD not in proc.stdout + proc.stderr
        dry = subprocess.run([sys.executable, "-m", "commands.main", "briefing", "--week", WEEK, "--dry-run"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120)
        assert dry.returncode == 0 and f"{WEEK}.eml" in dry.stdout
        assert len(server.handler.messages) == 1


# --- rendering in a browser -------------------------------------------------------------------


def _screenshot(html: Path, png: Path, profile: Path, width: int, height: int) -> Image.Image:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"
    )
    proc = subprocess.run([
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--window-size={width},{height}", f"--screenshot={png}", html.as_uri(),
    ], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]
    return Image.open(png).convert("RGB")


def _pixels_like(img: Image.Image, hex_colour: str, tolerance: int = 12) -> int:
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    pixels = np.asarray(img, dtype=np.int16)
    return int((np.abs(pixels - target) <= tolerance).all(axis=2).sum())


def test_html_part_renders_in_headless_chromium(sqlite_engine, tmp_path):
    populate(sqlite_engine)
    with smtp_server(tmp_path) as server:
        run_briefing(sqlite_engine, settings_for(tmp_path, server, recipients=RECIPIENTS[:1]),
                     week=WEEK, send=True, force=False, now=NOW)
    msg = server.handler.messages[0].message()
    html = msg.get_body(("html",)).get_content()
    assert "<script" not in html and "<link" not in html and "max-width: 640px" in html
    assert "<style" not in html  # CSS inlined into style attributes
    # Resolve cid: the way a mail client does, from the message's own image part.
    import base64

    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    data_uri = "data:image/png;base64," + base64.b64encode(image.get_content()).decode()
    page = tmp_path / "briefing.html"
    page.write_text(html.replace(f"cid:{image['Content-ID'].strip('<>')}", data_uri), encoding="utf-8")
    for width, height in ((800, 1800), (375, 2400)):  # desktop and phone
        shot = _screenshot(page, tmp_path / f"shot-{width}.png", tmp_path / f"profile-{width}", width, height)
        assert shot.size == (width, height)
        assert _pixels_like(shot, "#0b0c0c") > 5000, "the masthead did not render"
        assert _pixels_like(shot, LATEST) > 300, "the chart's latest-quarter bar did not render"


# --- small pure parts -------------------------------------------------------------------------


def test_weeks_in_london():
    assert previous_week(NOW) == WEEK
    assert previous_week(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == "2026-W47"
    assert parse_week("2026-W47").isoformat() == "2026-11-16"
    start, end = week_bounds("2023-W43")  # clocks go back on Sunday 29 October 2023
    assert start == datetime(2023, 10, 22, 23, 0, tzinfo=UTC) and end == datetime(2023, 10, 30, 0, 0, tzinfo=UTC)
    for bad in ("2026-47", "2026-W54", "W47"):
        with pytest.raises(ValueError, match="week"):
            parse_week(bad)


def test_the_chart_series_is_the_series_as_it_stood_at_the_end_of_the_week(sqlite_engine):
    from scrapers.records import Figure, Release
    from store import repo
    from store.db import transaction
    from store.series import series

    def rel(period: str, month: int, figs: list[tuple[str, int, str]]) -> Release:
        return Release(period, period, f"https://www.gov.uk/{period}", None, datetime(2023, month, 1, tzinfo=UTC), None,
                       tuple(Figure(mt, v, "count", "", p) for mt, v, p in figs))

    with transaction(sqlite_engine) as s:
        repo.upsert_release(s, rel("2023-Q2", 8, [("total_referrals", 3998, "2023-Q2"),
                                                  ("previous_period_referrals", 4739, "2023-Q1")]))
        repo.upsert_release(s, rel("2023-Q1", 5, [("total_referrals", 4746, "2023-Q1"),
                                                  ("pct_change_vs_previous", -3, "2023-Q1")]))
    with transaction(sqlite_engine) as s:
        now = series(s, "total_referrals")
        in_june = series(s, "total_referrals", before=datetime(2023, 6, 1, tzinfo=UTC))
    assert [(p.period, p.value, p.release_period, p.revisions) for p in now] == [
        ("2023-Q1", 4739, "2023-Q2", (("2023-Q1", 4746),)),
        ("2023-Q2", 3998, "2023-Q2", ()),
    ]
    assert [(p.period, p.value, p.revisions) for p in in_june] == [("2023-Q1", 4746, ())]

