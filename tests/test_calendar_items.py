"""Release-calendar items and bulletin amendments in the statistics feed: GOV.UK's calendar read
from the mirror (a release confirmed, moved with GOV.UK's reason, cancelled with its reason; a
provisional date is no event), each a feed entry of its own and a line the briefing can show; a
bulletin edited after publication an amendment entry saying what changed. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from feed_checks import feed_problems
from mirror_fixture import start_mirror

from feeds.calendar import calendar_line
from feeds.syndication import entry_id
from pipeline import ingest
from pipeline.site import publish_changes, publish_site
from scrapers import records
from scrapers.normalise import normalise_announcement
from store import queries, repo
from store.db import read_session, transaction
from tests.test_nrm_tables_store import settings_for

MOVED = "https://gov.uk/government/statistics/announcements/modern-slavery-nrm-and-dtn-statistics-july-to-september-2026"
REASON = "Release date moved to allow for additional quality assurance."


def ingested(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        report = ingest.store(engine, None, ingest.fetch(settings, engine, "govuk_nrm"))
        assert report.status == "ok", report.error
    return settings


def statistics_feed(settings):  # type: ignore[no-untyped-def]
    public = Path(settings.public_dir)
    data = (public / "feeds" / "statistics.atom.xml").read_bytes()
    assert feed_problems(data, self_url=f"{settings.site_url.rstrip('/')}/feeds/statistics.atom.xml") == []
    return feedparser.parse(data).entries, json.loads((public / "feeds" / "statistics.feed.json").read_bytes())


def test_the_calendar_and_amended_bulletins_are_statistics_entries(engine, db_url, tmp_path):
    settings = ingested(engine, db_url, tmp_path)
    settings = settings.model_copy(update={"feed_max_entries": 500})
    publish_site(settings, engine)
    entries, json_feed = statistics_feed(settings)
    titles = [e.title for e in entries]
    moved = [t for t in titles if "moved to" in t]
    assert moved == ["Modern slavery: NRM and DtN statistics, July to September 2026 \N{EM DASH} moved to "
                     "3 December 2026 9:30am (was 5 November 2026 9:30am)"], titles
    moved_entry = next(e for e in entries if e.title == moved[0])
    assert REASON in moved_entry.summary and moved_entry.link == MOVED
    cancelled = next(e for e in entries if "cancelled (was due 14 May 2026 9:30am)" in e.title)
    assert "published with the April to June 2026 release" in cancelled.summary
    assert any("release date confirmed: 8 May 2025 9:30am" in t for t in titles)
    assert not any("March 2027" in t for t in titles)  # provisional: not an event yet
    amended = [t for t in titles if "\N{EM DASH} updated" in t]
    assert any("An error in the data cleansing process" in t for t in amended), titles
    assert {i["title"] for i in json_feed["items"]} == set(titles)  # the JSON Feed has them too

    with read_session(engine) as s:  # the read layer the briefing uses, and its one line
        events = {e.url: e for e in queries.calendar_events(s)}
    assert events[MOVED].event == "moved" and events[MOVED].change_note == REASON
    assert calendar_line(events[MOVED]) == (
        "Modern slavery: NRM and DtN statistics, July to September 2026 \N{EM DASH} moved to 3 December 2026 9:30am "
        f"(was 5 November 2026 9:30am): {REASON}")
    assert {e.event for e in events.values()} == {"confirmed", "moved", "cancelled"}


def test_each_calendar_event_is_an_entry_of_its_own(engine, db_url, tmp_path):
    settings = ingested(engine, db_url, tmp_path)
    publish_site(settings, engine)
    url = "https://gov.uk/government/statistics/announcements/nrm-test-2027-q1"  # canonical, as stored
    first = records.Announcement(url=url, title="NRM statistics, January to March 2027", state="confirmed",
                                 release_at=datetime(2027, 5, 6, 8, 30, tzinfo=UTC),
                                 release_date_text="6 May 2027 9:30am", period="2027-Q1")
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(first))
    assert publish_changes(settings, engine).written  # the calendar moved: the statistics feed is rebuilt
    entries, _ = statistics_feed(settings)
    confirmed = next(e for e in entries if e.link == url)
    assert confirmed.title.endswith("release date confirmed: 6 May 2027 9:30am")

    moved = records.Announcement(**{**first.__dict__, "release_at": datetime(2027, 5, 13, 8, 30, tzinfo=UTC),
                                    "release_date_text": "13 May 2027 9:30am", "change_note": "Moved for a data issue."})
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(moved))
    publish_changes(settings, engine)
    entries, _ = statistics_feed(settings)
    now = next(e for e in entries if e.link == url)
    assert now.title.endswith("moved to 13 May 2027 9:30am (was 6 May 2027 9:30am)")
    assert "Moved for a data issue." in now.summary and now.id != confirmed.id
    assert now.id.startswith("urn:uuid:") and now.id != entry_id(url)


def test_the_week_s_briefing_has_a_line_for_each_release_date_changed_that_week(engine, db_url, tmp_path):
    from feeds.briefing import render_briefing
    from pipeline.briefing import read_week
    from vocabulary.weeks import format_week

    settings = ingested(engine, db_url, tmp_path)
    now = datetime.now(UTC)
    week = format_week(now.date())
    assert read_week(engine, week, settings=settings, now=now).calendar == ()  # a first reading is the archive
    url = "https://gov.uk/government/statistics/announcements/nrm-test-2027-q1"
    first = records.Announcement(url=url, title="NRM statistics, January to March 2027", state="confirmed",
                                 release_at=datetime(2027, 5, 6, 8, 30, tzinfo=UTC),
                                 release_date_text="6 May 2027 9:30am", period="2027-Q1")
    moved = records.Announcement(**{**first.__dict__, "release_at": datetime(2027, 5, 13, 8, 30, tzinfo=UTC),
                                    "release_date_text": "13 May 2027 9:30am", "change_note": "Moved for a data issue."})
    for announcement in (first, moved):
        with transaction(engine) as s:
            repo.upsert_announcement(s, normalise_announcement(announcement))
    data = read_week(engine, week, settings=settings, now=datetime.now(UTC))
    assert [e.url for e in data.calendar] == [url] and not data.is_empty  # a date moved is news
    briefing = render_briefing(data, week=week, unsubscribe=None, chart=False)
    line = ("NRM statistics, January to March 2027 \N{EM DASH} moved to 13 May 2027 9:30am (was 6 May 2027 9:30am): "
            "Moved for a data issue.")
    assert line in briefing.text.replace("\n  ", " ") and "RELEASE CALENDAR" in briefing.text
    assert ">Release calendar</h2>" in briefing.html and f'href="{url}"' in briefing.html
    last_week = read_week(engine, format_week((now - timedelta(weeks=1)).date()), settings=settings, now=now)
    assert last_week.calendar == ()  # moved this week: no line in an earlier week's briefing
