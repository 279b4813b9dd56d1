"""The National Crime Agency adapter over the mirror (tests/fixtures/nca, nca_nofeed): the feed found
on the news page, only items on the briefing's subjects, the listing when no feed is advertised, and
a feed whose lastBuildDate moved is nothing new."""

from __future__ import annotations

from datetime import UTC, datetime

from mirror_fixture import FIXTURES, start_mirror
from reliability import cycle, settings_for
from source_runs import client, run, served, validators_from

from scrapers import nca

KEPT = ["Two suspected people smugglers arrested",
        "73 arrested as national modern slavery crackdown targets sexual exploitation",
        "Dozens of victims safeguarded as modern slavery crackdown focuses on labour exploitation"]
FEED = "/news?format=feed&type=rss"


def test_the_feed_is_found_on_the_news_page_and_only_items_on_the_subjects_are_kept(fixtures_mirror):
    result = run(nca, fixtures_mirror, "nca")
    assert result.strategy == "feed-autodiscovery"
    assert [p.title for p in result.publications] == KEPT  # the annual report is on another subject
    assert served(fixtures_mirror, "nca") == [("/robots.txt", 200), ("/news", 200), (FEED, 200)] or \
        served(fixtures_mirror, "nca")[-2:] == [("/news", 200), (FEED, 200)]
    smugglers = result.publications[0]
    assert smugglers.published == datetime(2020, 8, 15, 8, tzinfo=UTC)  # 09:00 +0100
    assert "organised immigration crime" in smugglers.topics


def test_without_an_advertised_feed_the_listing_is_read_with_its_dates(fixtures_mirror):
    result = run(nca, fixtures_mirror, "nca_nofeed")
    assert result.strategy == "listing-html"
    assert [p.title for p in result.publications] == KEPT
    assert [p.published.date().isoformat() for p in result.publications if p.published] == [
        "2020-08-15", "2018-10-19", "2018-05-23"]


def test_drug_trafficking_is_not_on_the_subjects(fixtures_mirror):
    feed = (FIXTURES / "nca" / "news.rss.xml").read_text(encoding="utf-8")
    item = ("<item><title>Cocaine trafficking gang jailed</title>"
            "<link>https://www.nationalcrimeagency.gov.uk/news/cocaine-trafficking-gang-jailed</link>"
            "<description><![CDATA[<p>Members of a gang that trafficked cocaine into the UK were jailed.</p>]]>"
            "</description><pubDate>Wed, 19 Aug 2026 09:30:00 +0100</pubDate></item>")
    fixtures_mirror.put_response("/nca" + FEED, feed.replace("<item>", item + "<item>", 1),
                                 content_type="application/rss+xml")
    assert [p.title for p in run(nca, fixtures_mirror, "nca").publications] == KEPT


def test_a_new_lastbuilddate_alone_is_nothing_new(fixtures_mirror):
    first = client(nca, fixtures_mirror.url_for("nca"))
    known = [p.url for p in run(nca, fixtures_mirror, "nca", http=first).publications]
    feed = (FIXTURES / "nca" / "news.rss.xml").read_text(encoding="utf-8")
    # Joomla writes a new lastBuildDate on every fetch: new bytes, a new validator, the same items (and
    # the page, rendered again, is new bytes too)
    fixtures_mirror.put_response("/nca" + FEED, feed.replace("Wed, 19 Aug 2026 10:02:11", "Wed, 19 Aug 2026 10:07:45"),
                                 content_type="application/rss+xml")
    page = (FIXTURES / "nca" / "news.html").read_text(encoding="utf-8")
    fixtures_mirror.put_response("/nca/news", page.replace("</body>", "<!-- rendered again --></body>"),
                                 content_type="text/html; charset=utf-8")
    fixtures_mirror.clear_log()
    again = client(nca, fixtures_mirror.url_for("nca"), validators=validators_from(first))
    result = run(nca, fixtures_mirror, "nca", known=known, http=again)
    assert ("/news", 200) in served(fixtures_mirror, "nca") and (FEED, 200) in served(fixtures_mirror, "nca")
    # only the feed was read again: no item page, and every item it lists is known
    assert [path for path, _ in served(fixtures_mirror, "nca") if path not in ("/news", FEED, "/robots.txt")] == []
    assert {p.url for p in result.publications} <= set(known)


def test_a_steady_run_reads_the_source_the_same_way_with_two_conditional_requests(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var")
        first = cycle(settings, engine, ["nca"])["nca"]
        mirror.clear_log()
        second = cycle(settings, engine, ["nca"])["nca"]
        asked = served(mirror, "nca")
    assert first.strategy == second.strategy == "feed-autodiscovery"  # not read again as a "new" strategy
    assert asked == [("/news", 304), (FEED, 304)] and second.requests == second.not_modified == 2
