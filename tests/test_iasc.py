"""The IASC adapter over the mirror: listing + undated item pages, listing dates, feed autodiscovery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from source_runs import client, run, served, validators_from

from scrapers import iasc
from scrapers.errors import ParseError
from scrapers.listing import read_listing

UTC = UTC
SITE = "https://www.antislaverycommissioner.co.uk"
BULLETIN = f"{SITE}/news-insights/iasc-bulletin-may-2024"
LYONS = f"{SITE}/news-insights/independent-anti-slavery-commissioner-eleanor-lyons-begins-in-role/"
FIXTURES = Path(__file__).parent / "fixtures"


def by_url(result):
    return {p.url: p for p in result.publications}


def test_listing_with_undated_items_flags_them_and_keeps_listing_dates(fixtures_mirror):
    result = run(iasc, fixtures_mirror, "iasc")
    assert result.strategy == "listing-html"
    pubs = by_url(result)
    assert len(pubs) == 7
    bulletin = pubs[BULLETIN]
    # the site shows no date, but the title names its month (issue 25): the 1st of that month, never a guess
    assert bulletin.published == datetime(2024, 5, 1, tzinfo=UTC) and not bulletin.date_estimated
    assert bulletin.kind == "bulletin" and "modern slavery" in bulletin.topics
    assert bulletin.summary.startswith("This bulletin provides a snapshot")  # from its item page
    dated = {p.title: p.published for p in result.publications if p.published}
    assert dated == {
        "Measurement, Action, Freedom report": datetime(2019, 7, 17, tzinfo=UTC),  # "News | 17 July 2019"
        "Government response to the Independent Review of the Modern Slavery Act": datetime(2019, 7, 9, tzinfo=UTC),
        "Operation Fort": datetime(2019, 7, 5, tzinfo=UTC),
        "IASC Bulletin (May 2024)": datetime(2024, 5, 1, tzinfo=UTC),  # its title's month
    }
    assert pubs[f"{SITE}/news-insights/independent-anti-slavery-commissioner-annual-report-2021-2022/"].kind == "report"
    paths = [p for p, _ in served(fixtures_mirror, "iasc")]
    assert "/news-insights/page/2/" in paths
    assert "/news-insights/operation-fort/" not in paths  # dated by the listing: its page is not opened


def test_incremental_run_stops_on_a_known_listing_page(fixtures_mirror):
    page_one = [BULLETIN, LYONS, f"{SITE}/news-insights/independent-anti-slavery-commissioner-annual-report-2021-2022/"]
    result = run(iasc, fixtures_mirror, "iasc", known=page_one)
    assert result.publications == []
    assert [p for p, _ in served(fixtures_mirror, "iasc")] == ["/news-insights/"]


def test_feed_advertised_on_the_listing_is_preferred(fixtures_mirror):
    result = run(iasc, fixtures_mirror, "iasc_autodiscovery")
    assert result.strategy == "feed-autodiscovery"
    pubs = by_url(result)
    assert pubs[LYONS].published == datetime(2023, 12, 11, 9, 0, tzinfo=UTC)
    assert pubs[BULLETIN].published == datetime(2024, 5, 1, tzinfo=UTC) and not pubs[BULLETIN].date_estimated
    paths = [p for p, _ in served(fixtures_mirror, "iasc_autodiscovery")]
    assert paths[-1] == "/news-insights/feed/" and not [p for p in paths if p.startswith("/news-insights/iasc-")]


def test_changed_listing_markup_is_a_parse_error():
    body = (FIXTURES / "sentencing_council_drift" / "listing" / "news-1.html").read_bytes()
    with pytest.raises(ParseError) as info:
        read_listing(body, page_url=f"{SITE}/news-insights/", selectors=iasc.SITE.listings.listing, source="iasc")
    assert info.value.source == "iasc" and "article.news-card" in info.value.expected


def test_listing_item_without_a_link_is_a_parse_error():
    body = b'<main><article class="news-card"><p class="news-card__meta">News</p><h3>IASC Bulletin (May 2024)</h3></article></main>'
    with pytest.raises(ParseError, match="item 1 has no link"):
        read_listing(body, page_url=f"{SITE}/news-insights/", selectors=iasc.SITE.listings.listing, source="iasc")


def test_second_run_of_the_default_corpus_is_all_304(fixtures_mirror):
    base_url = fixtures_mirror.url_for("iasc")
    http = client(iasc, base_url)
    run(iasc, fixtures_mirror, "iasc", http=http)
    fixtures_mirror.clear_log()
    again = run(iasc, fixtures_mirror, "iasc", http=client(iasc, base_url, validators_from(http)))
    assert again.publications == []
    assert served(fixtures_mirror, "iasc") == [("/news-insights/", 304)]
