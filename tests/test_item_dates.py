"""An item dated outside the years msbrief accepts (1900, 2999) fails alone (issue 16, point 6).

The date is written into a recorded document of each adapter; the adapter runs over the mirror.
That item is skipped with a warning naming the source, its URL and the date as written; the
source does not fail ("has no publication date" was the misleading error) and its other items
are read as in a clean run. The parsers' part (what they report as refused) is checked on
recorded documents too, for each way a date reaches an item.
"""

from __future__ import annotations

import json

import pytest
from mirror_fixture import FIXTURES
from reliability import FAULT_PATHS
from source_runs import run

from scrapers import atleu, dates, feedread, govuk, iasc, sentencing_council
from scrapers.listing import read_item, read_listing

IASC = "https://www.antislaverycommissioner.co.uk"
LYONS = f"{IASC}/news-insights/independent-anti-slavery-commissioner-eleanor-lyons-begins-in-role/"
ATLEU_ITEM = "/news/2024/1/19/uk-government-fails-to-protect-workers-from-trafficking-and-exploitation"
SC_ITEM = "https://sentencingcouncil.org.uk/publications/item/miscellaneous-amendments-to-sentencing-guidelines-consultation-2024"
GOVUK_ITEM = ("https://www.gov.uk/government/statistics/"
              "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023")


def text(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="utf-8")


def govuk_document() -> tuple[str, bytes, str]:
    path = FAULT_PATHS[("govuk_nrm", "item")]
    doc = json.loads((FIXTURES / "govuk_nrm" / "content" / (path.rsplit("/", 1)[1] + ".json")).read_text())
    doc["first_published_at"] = doc["details"]["first_public_at"] = "2999-08-10T09:30:00.000+00:00"
    return path, json.dumps(doc).encode(), "application/json"


def sentencing_council_document() -> tuple[str, bytes, str]:
    body = text("sentencing_council/feed/page-1.xml").replace(
        "<pubDate>Thu, 05 Sep 2024 08:30:00 +0000</pubDate>", "<pubDate>Mon, 03 Sep 1900 08:30:00 +0000</pubDate>", 1)
    return "/sentencing_council/feed/", body.encode(), "application/rss+xml"


def iasc_document() -> tuple[str, bytes, str]:
    body = text("iasc/news-insights/page-1.html")
    card = body.index(LYONS)
    meta = body.rindex('<p class="news-card__meta">News</p>', 0, card)
    body = body[:meta] + '<p class="news-card__meta">News | 17 July 1900</p>' + body[meta + len('<p class="news-card__meta">News</p>'):]
    return "/iasc/news-insights/", body.encode(), "text/html; charset=utf-8"


def atleu_document() -> tuple[str, bytes, str]:
    data = json.loads(text("atleu/cases-news.page-1.json"))
    [item] = [i for i in data["items"] if i["fullUrl"] == ATLEU_ITEM]
    item["publishOn"] = 32_500_000_000_000  # 2999-12-.. in epoch milliseconds
    item["fullUrl"] = ATLEU_ITEM.replace("/2024/", "/1900/")  # the permalink no longer dates it either
    return "/atleu/cases-news?format=json", json.dumps(data).encode(), "application/json"


CASES = {  # adapter, its folder, the bad document, the item's real URL, the date as written
    "govuk_nrm": (govuk, govuk_document, GOVUK_ITEM, "2999-08-10T09:30:00.000+00:00"),
    "sentencing_council": (sentencing_council, sentencing_council_document, SC_ITEM, "Mon, 03 Sep 1900 08:30:00 +0000"),
    "iasc": (iasc, iasc_document, LYONS, "News | 17 July 1900"),
    "atleu": (atleu, atleu_document, "https://www.atleu.org.uk" + ATLEU_ITEM.replace("/2024/", "/1900/"),
              "32500000000000"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_out_of_range_date_fails_that_item_alone(fixtures_mirror, name):
    module, document, item_url, written = CASES[name]
    clean = run(module, fixtures_mirror, name, backfill=True)
    path, body, content_type = document()
    fixtures_mirror.put_response(path, body, content_type=content_type)
    result = run(module, fixtures_mirror, name, backfill=True)  # no ParseError: the source goes on
    [warning] = [w for w in result.warnings if "outside the years" in w]
    assert warning.startswith(f"[{name}] ") and item_url.rstrip("/") in warning and repr(written) in warning
    assert "1990-2100" in warning and "skipped" in warning
    kept = {p.url for p in result.publications}
    assert item_url not in kept
    other = {p.url for p in clean.publications} - {item_url, item_url.replace("/1900/", "/2024/")}
    assert kept == other and len(kept) >= 2
    if name == "govuk_nrm":  # the release goes with its page; the other releases keep their figures
        assert {r.period for r in result.releases} == {r.period for r in clean.releases} - {"2023-Q2"}


# -- the parsers' part ------------------------------------------------------------------------


@pytest.mark.parametrize("value, written", [
    ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z"),
    ("Mon, 01 Jan 2999 10:00:00 GMT", "Mon, 01 Jan 2999 10:00:00 GMT"),
    ("News | 17 July 1900", "News | 17 July 1900"),
    ("1989-12-31", "1989-12-31"),
    ("https://www.atleu.org.uk/news/1900/12/5/slug-2015", "https://www.atleu.org.uk/news/1900/12/5/slug-2015"),
    (-2_208_988_800_000, "-2208988800000"),  # 1900 in epoch milliseconds
    ("2023-01-01", ""),  # in range: not refused
    ("soon", ""),  # unreadable is not "out of range": still "no date"
    ("between 1900 and 2999", ""),
    ("/news/2019/13/40/x", ""),
    (None, ""),
    (float("nan"), ""),
    (True, ""),
])
def test_refused_tells_an_out_of_range_date_from_no_date(value, written):
    assert dates.refused(value) == written


def test_feed_parsers_report_the_refused_date_as_written():
    rss = text("sentencing_council/feed/page-1.xml").replace("<pubDate>Thu, 05 Sep 2024", "<pubDate>Thu, 05 Sep 2999", 1)
    entry = feedread.parse_feed(rss.encode(), source="t", url="https://x/feed").entries[0]
    assert entry.published is None and entry.refused_date == "Thu, 05 Sep 2999 08:30:00 +0000"
    posts = json.loads(text("sentencing_council_rest/wp-json/news-1.json"))
    posts[0]["date_gmt"] = posts[0]["date"] = "1900-03-20T09:30:00"
    wp = feedread.parse_wp_posts(json.dumps(posts).encode(), source="t", url="https://x/wp").entries[0]
    assert wp.published is None and wp.refused_date == "1900-03-20T09:30:00"
    json_feed = {"items": [{"url": "https://x/1", "title": "t", "date_published": "2999-01-01T00:00:00Z"}]}
    jf = feedread.parse_json_feed(json.dumps(json_feed).encode(), source="t", url="https://x/f").entries[0]
    assert jf.published is None and jf.refused_date == "2999-01-01T00:00:00Z"


def test_listing_and_item_parsers_report_the_refused_date_as_written():
    _, body, _ = iasc_document()
    items = read_listing(body, page_url=IASC + "/news-insights/", selectors=iasc.SITE.listings.listing, source="iasc")
    [item] = [i for i in items.items if i.url == LYONS]
    assert item.published is None and item.refused_date == "News | 17 July 1900"
    page = text("iasc/items/lyons.html").replace(
        "</head>", '<meta property="article:published_time" content="2999-12-11T09:00:00+00:00"></head>', 1)
    ip = read_item(page, page_url=LYONS, selectors=iasc.SITE.listings.item, source="iasc")
    assert ip.published is None and ip.refused_date == "2999-12-11T09:00:00+00:00"
    undated = read_item("<html><main><h1>t</h1></main></html>", page_url="https://x/", selectors=iasc.SITE.listings.item,
                        source="t")
    assert undated.published is None and undated.refused_date == ""  # no date at all is not a refused one


def test_atleu_listing_dated_only_by_a_1900_permalink_is_refused(fixtures_mirror):
    body = text("atleu_nofeed/cases-news.page-1.html").replace(ATLEU_ITEM, ATLEU_ITEM.replace("/2024/", "/1900/"))
    fixtures_mirror.put_response("/atleu_nofeed/cases-news", body.encode(), content_type="text/html; charset=utf-8")
    result = run(atleu, fixtures_mirror, "atleu_nofeed", backfill=True)
    assert result.strategy == "listing-html"
    [warning] = [w for w in result.warnings if "outside the years" in w]
    assert "/news/1900/1/19/" in warning
    assert not any("/1900/" in p.url for p in result.publications) and result.publications
