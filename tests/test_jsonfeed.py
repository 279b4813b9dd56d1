"""JSON Feed 1.1 beside each feed: valid against the specification's rules (a JSON Schema written
from them, tests/fixtures/jsonfeed/), the same entries as the Atom feed, NRM figures as data in the
`_msbrief` extension; the hub declared in every format; rel="alternate" links to every format on
every page."""

from __future__ import annotations

import json
import re

import defusedxml.ElementTree as ET
import feedparser
import jsonschema
import pytest
from conftest import FIXTURES
from feed_checks import ATOM, feed_problems
from feed_samples import SITE, release_view, site_data, site_items

from feeds.build import build_site
from feeds.syndication import entry_id

SCHEMA = json.loads((FIXTURES / "jsonfeed" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
HUB = "https://hub.example.org/"
FILES = build_site(site_data(), site_url=SITE, max_entries=50, hub=HUB)
JSON_FEEDS = sorted(p for p in FILES if p.endswith(".feed.json"))


def problems(feed: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(feed)]


def test_there_is_a_json_feed_beside_every_feed():
    xml = {p.removesuffix(".atom.xml") for p in FILES if p.endswith(".atom.xml")}
    assert {p.removesuffix(".feed.json") for p in JSON_FEEDS} == xml and len(JSON_FEEDS) == 9


@pytest.mark.parametrize("path", JSON_FEEDS)
def test_every_json_feed_is_valid_json_feed_1_1(path):
    feed = json.loads(FILES[path])
    assert problems(feed) == []
    assert feed["feed_url"] == f"{SITE}{path}" and feed["hubs"] == [{"type": "WebSub", "url": HUB}]


def test_the_schema_catches_what_json_feed_1_1_forbids():
    good = json.loads(FILES["feeds/all.feed.json"])
    assert good["items"]
    broken = {
        "version 1.0": {**good, "version": "https://jsonfeed.org/version/1"},
        "no items": {k: v for k, v in good.items() if k != "items"},
        "item without id": {**good, "items": [{k: v for k, v in good["items"][0].items() if k != "id"}]},
        "item without content": {**good, "items": [{k: v for k, v in good["items"][0].items()
                                                    if k not in ("content_html", "content_text")}]},
        "date not RFC 3339": {**good, "items": [{**good["items"][0], "date_modified": "10 Aug 2023"}]},
        "unknown key": {**good, "author": {"name": "1.0's key, gone in 1.1"}},
        "hub without url": {**good, "hubs": [{"type": "WebSub"}]},
    }
    for what, feed in broken.items():
        assert problems(feed), what


def test_json_entries_are_the_atom_entries_with_their_ids_and_dates():
    atom = feedparser.parse(FILES["feeds/all.atom.xml"]).entries
    items = json.loads(FILES["feeds/all.feed.json"])["items"]
    assert [i["id"] for i in items] == [e.id for e in atom]
    assert [i["url"] for i in items] == [e.link for e in atom]
    assert {i["id"] for i in items} <= {entry_id(i.key) for i in site_items()}


def test_nrm_entries_carry_their_figures_as_data():
    feed = json.loads(FILES["feeds/statistics.feed.json"])
    [entry] = feed["items"]
    extension = entry["_msbrief"]
    release = release_view()
    assert extension["release"] == release.period == "2023-Q2"
    figures = {(f["metric"], f["period"]): f for f in extension["figures"]}
    assert len(figures) == len(release.figures)
    for figure in release.figures:
        stated = figures[(figure.metric, figure.period)]
        assert stated["value"] == figure.value and stated["unit"] == figure.unit
        assert stated["source"] == {"sentence": re.sub(r"\s+", " ", figure.evidence).strip()} or \
            stated["source"]["sentence"] in figure.evidence
    assert "_msbrief" not in json.loads(FILES["feeds/source-iasc.feed.json"])["items"][0]
    assert extension["about"] == f"{SITE}#json-feed" and 'id="json-feed"' in FILES["index.html"].decode()


def test_a_figure_a_table_gives_names_its_table_and_cell():
    from dataclasses import replace

    from feeds.jsonfeed import figure_data

    figure = replace(release_view().figures[0], table="Table 2", cell="C7")
    assert figure_data(figure)["source"] == {"table": "Table 2", "cell": "C7"}


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_feeds_declare_the_hub_and_still_validate(fmt):
    path = f"feeds/all.{fmt}.xml"
    assert feed_problems(FILES[path], self_url=f"{SITE}{path}") == []
    root = ET.fromstring(FILES[path])
    parent = root.find("channel") if fmt == "rss" else root
    links = {link.get("rel"): link.get("href") for link in parent.findall(f"{ATOM}link")}
    assert links["hub"] == HUB and links["self"] == f"{SITE}{path}"
    without = build_site(site_data(), site_url=SITE, max_entries=50)[path]
    assert b'rel="hub"' not in without  # no hub set: none declared


def alternates(page: bytes) -> set[tuple[str, str]]:
    head = page.decode().split("</head>")[0]
    return set(re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">', head))


def test_every_page_links_every_format_of_its_feeds():
    index = alternates(FILES["index.html"])
    for slug in ("all", "statistics", "briefings", "source-iasc"):
        for kind, name in (("application/rss+xml", f"{slug}.rss.xml"), ("application/atom+xml", f"{slug}.atom.xml"),
                           ("application/feed+json", f"{slug}.feed.json")):
            assert (kind, f"{SITE}feeds/{name}") in index
    # the briefing archive's pages and the release pages: tests/test_websub.py (they come from the store)


BRIEFINGS_FEED = {("application/rss+xml", f"{SITE}feeds/briefings.rss.xml"),
                  ("application/atom+xml", f"{SITE}feeds/briefings.atom.xml"),
                  ("application/feed+json", f"{SITE}feeds/briefings.feed.json")}
STATISTICS_FEED = {(kind, url.replace("briefings", "statistics")) for kind, url in BRIEFINGS_FEED}
