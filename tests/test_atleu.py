"""The ATLEU adapter over the mirror: Squarespace JSON and RSS, and the listing dated by permalinks."""

from __future__ import annotations

from datetime import UTC, datetime

from source_runs import client, run, served, validators_from

from scrapers import atleu

UTC = UTC
SITE = "https://www.atleu.org.uk"
DRIVING = f"{SITE}/news/2024/12/5/driving-exploitation-and-breaching-international-law-atleu-legal-challenge-to-the-uks-seasonal-worker-visa"
CASE = f"{SITE}/cases/2024/1/19/challenge-to-governments-seasonal-worker-scheme"
REPORT = f"{SITE}/news/2022/10/17/it-has-destroyed-me-new-report"
OFFSET = "1705658400000"


def by_url(result):
    return {p.url: p for p in result.publications}


def test_rss_when_there_is_no_json(fixtures_mirror):
    result = run(atleu, fixtures_mirror, "atleu_rss")
    assert result.strategy == "rss"
    pubs = by_url(result)
    assert len(pubs) == 5
    assert pubs[DRIVING].published == datetime(2024, 12, 5, 10, 0, tzinfo=UTC)
    assert {"labour exploitation", "immigration"} <= set(pubs[DRIVING].topics)
    assert pubs[CASE].kind == "case" and pubs[REPORT].kind == "report" and pubs[DRIVING].kind == "news"
    assert "modern slavery" in pubs[REPORT].topics and "legal aid" in pubs[REPORT].topics


def test_squarespace_json_is_read_first_and_paginated_by_offset(fixtures_mirror):
    result = run(atleu, fixtures_mirror, "atleu")
    assert result.strategy == "squarespace-json"
    assert len(result.publications) == 5
    assert by_url(result)[REPORT].published == datetime(2022, 10, 17, 9, 0, tzinfo=UTC)  # 10:00 BST
    paths = [p for p, _ in served(fixtures_mirror, "atleu")]
    assert paths == ["/cases-news?format=json", f"/cases-news?format=json&offset={OFFSET}"]


def test_incremental_json_run_stops_at_the_first_known_page(fixtures_mirror):
    result = run(atleu, fixtures_mirror, "atleu", known=[DRIVING, f"{SITE}/news/2024/1/19/uk-government-fails-to-protect-workers-from-trafficking-and-exploitation", CASE])
    assert len(result.publications) == 3
    assert [p for p, _ in served(fixtures_mirror, "atleu")] == ["/cases-news?format=json"]


def test_listing_dated_by_permalinks_without_opening_items(fixtures_mirror):
    result = run(atleu, fixtures_mirror, "atleu_nofeed")
    assert result.strategy == "listing-html"
    pubs = by_url(result)
    assert len(pubs) == 5
    assert pubs[DRIVING].published == datetime(2024, 12, 5, tzinfo=UTC)
    assert pubs[f"{SITE}/news/2018/1/25/new-online-resource-to-help-lawyers-working-with-victims-of-trafficking"].published == datetime(2018, 1, 25, tzinfo=UTC)
    assert pubs[CASE].kind == "case"
    assert pubs[DRIVING].summary.startswith("ATLEU has sent the government")
    assert [p for p, _ in served(fixtures_mirror, "atleu_nofeed")] == [
        "/cases-news?format=json", "/cases-news?format=rss", "/cases-news", f"/cases-news?offset={OFFSET}"]


def test_backfill_of_the_listing_reads_known_pages_too(fixtures_mirror):
    first_page = [DRIVING, f"{SITE}/news/2024/1/19/uk-government-fails-to-protect-workers-from-trafficking-and-exploitation", CASE]
    incremental = run(atleu, fixtures_mirror, "atleu_nofeed", known=first_page)
    assert incremental.publications == []
    full = run(atleu, fixtures_mirror, "atleu_nofeed", known=first_page, backfill=True)
    assert len(full.publications) == 5


def test_second_run_of_the_default_corpus_is_all_304(fixtures_mirror):
    base_url = fixtures_mirror.url_for("atleu")
    http = client(atleu, base_url)
    run(atleu, fixtures_mirror, "atleu", http=http)
    fixtures_mirror.clear_log()
    again = run(atleu, fixtures_mirror, "atleu", http=client(atleu, base_url, validators_from(http)))
    assert again.strategy == "squarespace-json" and again.publications == []
    assert served(fixtures_mirror, "atleu") == [("/cases-news?format=json", 304)]
