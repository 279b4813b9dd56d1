"""scrapers.feedread: feeds and JSON collections read from fixture bytes; unsafe XML refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.errors import ParseError
from scrapers.feedread import (
    check_xml_safe,
    discover_feeds,
    looks_like_feed,
    parse_feed,
    parse_squarespace,
    parse_wp_posts,
)

FIXTURES = Path(__file__).parent / "fixtures"
FEEDS = FIXTURES / "feedread"
CASES = sorted(p for p in FEEDS.iterdir() if p.suffix in (".xml", ".json") and not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_feed_fixture(path):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    page = parse_feed(path.read_bytes(), source="test", url="https://example.org/feed/")
    assert page.next_url == expected["next_url"]
    got = [
        {"title": e.title, "url": e.url, "published": e.published.isoformat() if e.published else None,
         "labels": list(e.labels)}
        for e in page.entries
    ]
    want = [{k: v for k, v in e.items() if k != "summary_starts"} for e in expected["entries"]]
    assert got == want
    for entry, exp in zip(page.entries, expected["entries"], strict=True):
        assert entry.summary.startswith(exp["summary_starts"])
        assert "<" not in entry.summary and "alert(1)" not in entry.summary


@pytest.mark.parametrize("path", sorted((FEEDS / "refuse").glob("*.xml")), ids=lambda p: p.name)
def test_unsafe_or_broken_feeds_are_refused(path):
    with pytest.raises(ParseError) as info:
        parse_feed(path.read_bytes(), source="sentencing_council", url="https://www.sentencingcouncil.org.uk/feed/")
    assert info.value.source == "sentencing_council"
    assert info.value.url == "https://www.sentencingcouncil.org.uk/feed/"


def test_entity_bomb_is_refused_before_expansion():
    body = (FEEDS / "refuse" / "billion-laughs.xml").read_bytes()
    with pytest.raises(ParseError, match="unsafe XML refused"):
        check_xml_safe(body, source="s", url="u")


def test_wordpress_rest_page():
    body = (FIXTURES / "sentencing_council_rest" / "wp-json" / "news-1.json").read_bytes()
    page = parse_wp_posts(body, source="sentencing_council", url="https://x/wp-json/wp/v2/news", total_pages="2")
    assert page.total_pages == 2
    first = page.entries[0]
    assert first.title == "Consultation on proposed sentencing guidelines for immigration offences"
    assert first.published.isoformat() == "2024-03-20T09:30:00+00:00"  # date_gmt, in March = GMT
    assert first.labels == ("news", "immigration offences")
    assert first.id == "1001"


def test_squarespace_collection_page():
    body = (FIXTURES / "atleu" / "cases-news.page-1.json").read_bytes()
    page = parse_squarespace(body, source="atleu", url="https://www.atleu.org.uk/cases-news?format=json")
    assert [e.url for e in page.entries][:1] == [
        "https://www.atleu.org.uk/news/2024/12/5/driving-exploitation-and-breaching-international-law-atleu-legal-challenge-to-the-uks-seasonal-worker-visa"
    ]
    assert page.entries[2].labels == ("Cases",)
    assert page.next_offset == "1705658400000"
    last = parse_squarespace((FIXTURES / "atleu" / "cases-news.page-2.json").read_bytes(), source="atleu", url="u")
    assert last.next_offset is None


@pytest.mark.parametrize(
    ("body", "reader"),
    [
        (b"[]", parse_squarespace),
        (b'{"items": "nope"}', parse_squarespace),
        (b"<html>", parse_squarespace),
        (b'{"posts": []}', parse_wp_posts),
        (b"{", parse_wp_posts),
    ],
)
def test_json_of_the_wrong_shape_is_a_parse_error(body, reader):
    with pytest.raises(ParseError):
        reader(body, source="atleu", url="https://www.atleu.org.uk/cases-news?format=json")


def test_autodiscovery_finds_rss_and_atom_links_only():
    html = b"""<html><head>
      <link rel="alternate" type="application/rss+xml" href="/cases-news?format=rss">
      <link rel="ALTERNATE" type="application/atom+xml; charset=utf-8" href="https://example.org/atom.xml">
      <link rel="alternate" hreflang="cy" href="/cy/">
      <link rel="stylesheet" type="text/css" href="/site.css">
      <link rel="alternate" type="application/rss+xml" href="">
    </head></html>"""
    assert discover_feeds(html, page_url="https://www.atleu.org.uk/cases-news") == (
        "https://www.atleu.org.uk/cases-news?format=rss",
        "https://example.org/atom.xml",
    )


def test_html_is_not_taken_for_a_feed():
    assert not looks_like_feed((FIXTURES / "sentencing_council_drift" / "listing" / "news-1.html").read_bytes())
    assert looks_like_feed((FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_bytes())
    assert looks_like_feed((FEEDS / "refuse" / "billion-laughs.xml").read_bytes())  # so it gets refused, not skipped


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_readers_raise_only_parse_error(body):
    for reader in (parse_feed, parse_squarespace, parse_wp_posts):
        try:
            reader(body, source="fuzz", url="https://example.org/")
        except ParseError:
            pass
    discover_feeds(body, page_url="https://example.org/")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_feed_like_text_raises_only_parse_error(text):
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><item><title>{text}</title><pubDate>{text}</pubDate><link>{text}</link></item></channel></rss>'.encode()
    try:
        parse_feed(body, source="fuzz", url="https://example.org/")
    except ParseError:
        pass
