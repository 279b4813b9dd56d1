"""RSS and Atom feeds: valid for readers, stable ids, one entry per item, inert source content."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import defusedxml.ElementTree as ET
import feedparser
import pytest
from feed_checks import ATOM, active_html, feed_problems
from feed_samples import EVIL, SITE, T0, item, site_data, site_items

from feeds.build import build_site
from feeds.syndication import FeedSpec, entry_id, render_feed
from scrapers import records
from scrapers.normalise import normalise_publication
from store import queries, repo
from store.db import transaction
from store.read import Change

SPEC = FeedSpec("all", "msbrief: all", "Everything msbrief collects.", f"{SITE}feeds/all.rss.xml", SITE)
FILES = build_site(site_data(), site_url=SITE, max_entries=50)
FEEDS = sorted(path for path in FILES if path.endswith(".xml"))


def entries(data: bytes) -> list:
    return feedparser.parse(data).entries


@pytest.mark.parametrize("path", FEEDS)
def test_every_feed_is_valid_for_feed_readers(path):
    assert feed_problems(FILES[path], self_url=f"{SITE}{path}") == []


def test_the_site_publishes_every_feed_in_both_formats():
    slugs = {"all", "statistics", "topic-modern-slavery", "guidance", "briefings", "source-govuk_nrm", "source-iasc",
             "source-atleu", "source-sentencing_council"}
    assert set(FEEDS) == {f"feeds/{s}.{fmt}.xml" for s in slugs for fmt in ("rss", "atom")}
    parsed = feedparser.parse(FILES["feeds/source-iasc.atom.xml"])
    assert parsed.feed.title == "msbrief: Independent Anti-Slavery Commissioner"
    assert "Independent Anti-Slavery Commissioner" in parsed.feed.subtitle
    assert {e.link for e in parsed.entries} == {"https://iasc.example.org/item-2", "https://iasc.example.org/item-3"}
    topic = feedparser.parse(FILES["feeds/topic-modern-slavery.rss.xml"])
    assert "modern slavery" in topic.feed.title and len(topic.entries) == 3
    assert [e.title for e in feedparser.parse(FILES["feeds/statistics.rss.xml"]).entries] == ["NRM statistics April to June 2023"]


def test_the_validator_catches_broken_feeds():
    good = render_feed(SPEC, [item(1), item(2, days=1)], fmt="rss")
    assert feed_problems(good, self_url=SPEC.self_url) == []
    text = good.decode()
    guids = [e.id for e in entries(good)]
    broken = {
        "iso date in RSS": text.replace("Thu, 10 Aug 2023 08:30:00 +0000", "2023-08-10T08:30:00Z"),
        "duplicate guid": text.replace(guids[0], guids[1]),
        "no self link": text.replace('rel="self"', 'rel="related"'),
        "not XML": text.replace("</channel>", ""),
    }
    for what, bad in broken.items():
        assert feed_problems(bad.encode(), self_url=SPEC.self_url), what
    atom = render_feed(SPEC, [item(1)], fmt="atom").decode()
    assert feed_problems(atom.replace("2023-08-10T08:30:00+00:00", "10 Aug 2023").encode())


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_entries_carry_ids_dates_source_topics_and_summary(fmt):
    it = item(7, source="atleu", topics=("modern slavery", "compensation"), updated=T0 + timedelta(days=2))
    (entry,) = entries(render_feed(SPEC, [it], fmt=fmt))
    assert entry.id == entry_id(it.key) and entry.id.startswith("urn:uuid:")
    assert entry.link == it.url and entry.title == it.title
    assert entry.published_parsed[:5] == (2023, 8, 10, 8, 30)
    assert entry.updated_parsed[:5] == (2023, 8, 12, 8, 30)
    assert entry.author == "ATLEU"
    assert {t.term for t in entry.tags} >= {"modern slavery", "compensation"}
    assert {t.term for t in entry.tags} & {"atleu", "ATLEU"}
    assert "Summary of item 7." in entry.summary


def test_the_id_depends_on_the_identity_only():
    a = item(1)
    moved = replace(a, id=99, title="A new title", url="https://iasc.example.org/new-slug", published=T0 - timedelta(days=5))
    assert entry_id(a.key) == entry_id(moved.key)
    assert entry_id(a.key) != entry_id(item(2).key)
    assert entries(render_feed(SPEC, [a], fmt="rss"))[0].id == entries(render_feed(SPEC, [moved], fmt="rss"))[0].id


def test_same_items_same_bytes_whatever_their_order():
    items = site_items()
    shuffled = items[:]
    random.Random(4).shuffle(shuffled)
    for fmt in ("rss", "atom"):
        assert render_feed(SPEC, items, fmt=fmt) == render_feed(SPEC, shuffled, fmt=fmt)


def test_entries_are_newest_change_first_and_capped():
    items = [item(n, days=n) for n in range(10)]
    # item 0 is the oldest publication but was amended last: it leads
    items[0] = replace(items[0], amended_at=T0 + timedelta(days=20),
                       changes=(Change(T0 + timedelta(days=20), "", "title changed", T0 + timedelta(days=20)),))
    for fmt in ("rss", "atom"):
        got = entries(render_feed(SPEC, items, fmt=fmt, max_entries=3))
        assert [e.link for e in got] == [items[0].url, items[9].url, items[8].url]
    parsed = feedparser.parse(render_feed(SPEC, items, fmt="atom", max_entries=3))
    assert parsed.feed.updated_parsed[:3] == (2023, 8, 30)  # the newest entry's date, never "now"
    rss = ET.fromstring(render_feed(SPEC, items, fmt="rss", max_entries=3))
    assert rss.findtext("channel/lastBuildDate") == "Wed, 30 Aug 2023 08:30:00 +0000"


def test_an_empty_feed_is_valid_and_repeatable():
    for fmt in ("rss", "atom"):
        data = render_feed(SPEC, [], fmt=fmt)
        assert feed_problems(data, self_url=SPEC.self_url) == []
        assert data == render_feed(SPEC, [], fmt=fmt) and entries(data) == []


def test_an_undated_item_says_so_and_is_dated_when_msbrief_first_found_it():
    """Issue 25: never today's date, never no date: when msbrief first found it, marked undated; Atom
    claims no <published> for it."""
    found = T0 + timedelta(days=1)
    it = item(3, date_estimated=True, first_seen=found, published=found)
    for fmt in ("rss", "atom"):
        data = render_feed(SPEC, [it], fmt=fmt)
        assert feed_problems(data, self_url=SPEC.self_url) == []
        (entry,) = entries(data)
        assert f"The source gives no date for this item; msbrief first found it on {found.day} August 2023" \
            in entry.summary
        assert {"undated", "the source gives no date"} & {t.term for t in entry.tags}
        if fmt == "rss":
            assert entry.published_parsed[:6] == found.timetuple()[:6]  # <pubDate>: first found
        else:
            assert "published_parsed" not in entry and entry.updated_parsed[:6] == found.timetuple()[:6]


def test_the_archive_s_undated_items_never_top_a_feed():
    dated = [item(n, days=-100 * n) for n in range(1, 4)]  # published long before the backfill
    undated = [item(n, date_estimated=True, archive=True, first_seen=T0 + timedelta(days=30),
                    published=T0 + timedelta(days=30)) for n in range(4, 6)]
    for fmt in ("rss", "atom"):
        data = render_feed(SPEC, undated + dated, fmt=fmt)
        assert feed_problems(data, self_url=SPEC.self_url) == []
        got = entries(data)
        assert [e.link for e in got[:3]] == [i.url for i in dated]
        parsed = feedparser.parse(data)
        assert parsed.feed.updated_parsed[:3] == dated[0].published.timetuple()[:3]  # not the backfill's day


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_title_and_summary_come_out_inert(fmt):
    data = render_feed(SPEC, [item(5, title=EVIL, summary=EVIL)], fmt=fmt)
    root = ET.fromstring(data)
    if fmt == "rss":
        (el,) = root.findall("channel/item")
        title, summary = el.findtext("title"), el.findtext("description")
    else:
        (el,) = root.findall(f"{ATOM}entry")
        title, summary = el.findtext(f"{ATOM}title"), el.findtext(f"{ATOM}summary")
    # the title is plain text: no markup left at all, nothing of the script
    assert title == "Evil click"
    # the summary is HTML once a reader decodes it: nothing in it can run or load
    assert active_html(summary) == [] and "click" in summary
    assert "alert" not in summary and "javascript" not in summary.lower()
    assert all(s not in data.decode() for s in ("<script", "onerror=", "onclick="))


def test_an_amended_item_keeps_its_entry_with_a_new_date_and_a_note(sqlite_engine):
    pub = records.Publication(source="iasc", url="https://www.antislaverycommissioner.co.uk/news-insights/letter-on-nrm/",
                              title="Letter on the NRM", kind="letter", published=T0, summary="A letter.")
    with transaction(sqlite_engine) as s:
        repo.upsert_publication(s, normalise_publication(pub), seen_at=T0)
    with transaction(sqlite_engine) as s:
        before = queries.feed_items(s)
    amended_at = T0 + timedelta(days=3)
    with transaction(sqlite_engine) as s:
        saved = repo.upsert_publication(s, normalise_publication(replace(pub, title="Letter on the NRM (corrected)")), seen_at=amended_at)
        assert saved.outcome == "amended"
    with transaction(sqlite_engine) as s:
        after = queries.feed_items(s)
    for fmt in ("rss", "atom"):
        old, = entries(render_feed(SPEC, before, fmt=fmt))
        new, = entries(render_feed(SPEC, after + after, fmt=fmt))  # even handed twice: one entry
        assert new.id == old.id
        assert new.title == "Letter on the NRM (corrected)"
        assert new.updated_parsed[:3] == (2023, 8, 13) and new.published_parsed[:3] == (2023, 8, 10)
        assert "Updated 13 August 2023:" in new.summary and "title changed from" in new.summary
