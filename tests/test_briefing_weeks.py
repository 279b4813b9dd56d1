"""Which weeks a briefing may be composed for (issue 25): one that has not ended, or that ended before
msbrief first read its sources, is refused in one line and nothing is recorded, unless forced; a
sending run never sends the default week while it is in progress. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from test_briefing import NOW, WEEK, populate, settings_for

from commands import main as cli
from pipeline.briefing import WeekRefused, run_briefing
from pipeline.settings import get_settings
from store import models as m
from store.db import make_engine, read_session, upgrade
from tests.smtp_server import smtp_server


def recorded(engine) -> int:  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(m.Dispatch)).scalar_one())


@pytest.mark.parametrize(("week", "why"), [
    ("2023-W33", "is still in progress"),  # NOW is Monday 14 August 2023: W33 has just begun
    ("2027-W10", "has not started yet"),
    ("3000-W01", "has not started yet"),
    ("2023-W20", "ended before msbrief read any source"),  # msbrief first read its sources on 1 July 2023
])
def test_a_week_not_ended_or_before_the_first_reading_is_refused_and_nothing_recorded(engine, tmp_path, week, why):
    populate(engine)
    with smtp_server(tmp_path) as server:
        settings = settings_for(tmp_path, server)
        for send in (True, False):
            with pytest.raises(WeekRefused) as refused:
                run_briefing(engine, settings, week=week, send=send, force=False, now=NOW)
            line = str(refused.value)
            assert why in line and week in line and "--force" in line and "\n" not in line, line
        assert server.handler.messages == [] and recorded(engine) == 0
        assert not (tmp_path / "var" / "outbox").exists()
        # --force composes it anyway
        forced = run_briefing(engine, settings, week=week, send=False, force=True, now=NOW)
        assert forced.action == "written"


def test_a_sending_run_never_sends_the_default_week_while_it_is_in_progress(engine, tmp_path):
    populate(engine)
    first_day = datetime(2023, 7, 1, 12, tzinfo=UTC)  # msbrief first read its sources that Saturday (2023-W26)
    with smtp_server(tmp_path) as server:
        settings = settings_for(tmp_path, server)
        with pytest.raises(WeekRefused, match="2023-W26 is still in progress"):
            run_briefing(engine, settings, week=None, send=True, force=False, now=first_day)
        assert server.handler.messages == [] and recorded(engine) == 0
        preview = run_briefing(engine, settings, week=None, send=False, force=False, now=first_day)
        assert preview.week == "2023-W26" and preview.action == "written"  # a preview is allowed
        sent = run_briefing(engine, settings, week=None, send=True, force=False, now=NOW)
        assert sent.week == WEEK and sent.action == "sent"  # the last full week, once it has ended


def test_cli_refuses_a_future_week_in_one_line(tmp_path, monkeypatch, capfd):
    db = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    populate(engine)
    monkeypatch.setenv("MSBRIEF_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("MSBRIEF_OUTPUT_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MSBRIEF_SMTP_URL", "smtp+plain://127.0.0.1:9")  # never reached
    monkeypatch.setenv("MSBRIEF_RECIPIENTS", "staff@your-organisation.org.uk")
    get_settings.cache_clear()
    try:
        next_year = f"{datetime.now(UTC).year + 1}-W10"
        for args in (["--week", next_year, "--send"], ["--week", "3000-W01"], ["--week", "2001-W01", "--dry-run"]):
            code = cli.main(["briefing", *args])
            err = capfd.readouterr().err
            assert code == 2 and len(err.strip().splitlines()) == 1 and "nothing was sent or recorded" in err, err
        assert recorded(engine) == 0 and not (tmp_path / "var").exists()
        code = cli.main(["briefing", "--week", (NOW - timedelta(days=7)).strftime("%G-W%V"), "--dry-run"])
        assert code == 0, capfd.readouterr().err
    finally:
        get_settings.cache_clear()
        engine.dispose()


def test_a_recipient_removed_after_a_failed_delivery_is_never_retried(engine, tmp_path):
    """Delivery follows MSBRIEF_RECIPIENTS as it is at each run: an address whose delivery failed and
    that was then removed is never sent to again, and the run reports nothing left to do."""
    populate(engine)
    with smtp_server(tmp_path) as server:
        server.handler.refuse["bob@example.org"] = "451 4.3.0 try again later"
        first = run_briefing(engine, settings_for(tmp_path, server), week=WEEK, send=True, force=False, now=NOW)
        assert {d.recipient: d.status for d in first.deliveries} == {"alice@example.org": "accepted",
                                                                    "bob@example.org": "deferred"}
        server.handler.refuse.clear()
        again = run_briefing(engine, settings_for(tmp_path, server, recipients=["alice@example.org"]), week=WEEK,
                             send=True, force=False, now=NOW)
        assert [r.rcpt_tos for r in server.handler.messages] == [["alice@example.org"]]
        assert {d.recipient: d.status for d in again.deliveries}["bob@example.org"] == "withdrawn"
        assert again.ok and not again.failed


def test_a_past_week_headline_is_a_release_whose_bulletin_was_seen_by_its_end(engine, tmp_path):
    """A release msbrief read only after the week ended is not that week's headline."""
    from sqlalchemy import update

    from pipeline.briefing import read_week
    from store.db import transaction

    populate(engine, with_week=False)  # the 2023-Q2 release published 10 July, read then
    settings = settings_for(tmp_path)
    assert read_week(engine, "2023-W29", settings=settings).release is not None
    with transaction(engine) as s:  # now say msbrief first saw its bulletin on 20 August
        s.execute(update(m.Publication).values(first_seen=datetime(2023, 8, 20, tzinfo=UTC)))
    assert read_week(engine, "2023-W29", settings=settings).release is None
    assert read_week(engine, "2023-W34", settings=settings).release is not None


def test_a_past_week_s_coming_up_lists_only_announcements_known_by_its_end(engine, tmp_path):
    from sqlalchemy import update

    from feeds.briefing_sections import coming_up
    from pipeline.briefing import read_week
    from store.db import transaction

    populate(engine)
    settings = settings_for(tmp_path)
    assert any("July to September 2023" in c.title for c in coming_up(read_week(engine, WEEK, settings=settings)))
    with transaction(engine) as s:  # announced only in September
        s.execute(update(m.StatisticsAnnouncement).values(first_seen=datetime(2023, 9, 1, tzinfo=UTC)))
    assert not any("July to September 2023" in c.title for c in coming_up(read_week(engine, WEEK, settings=settings)))
