"""The Sentencing Council adapter over the mirror: RSS, REST, listings, drift, duplicate slugs, bombs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from source_runs import client, run, served, validators_from

from scrapers import sentencing_council as sc
from scrapers.errors import ParseError
from scrapers.normalise import normalise_publication, normalise_title
from store import repo
from store.db import transaction

UTC = UTC
SITE = "https://www.sentencingcouncil.org.uk"
MS_CONSULTATION = f"{SITE}/news/item/consultation-on-proposed-guidelines-for-modern-slavery-offences/"
MS_DATA_TABLES = f"{SITE}/news/item/publication-of-modern-slavery-offences-data-tables/"
MOTORING_OLD = f"{SITE}/news/item/motoring-offences-sentencing-guidelines-published/"
MOTORING_NEW = f"{SITE}/news/item/sentencing-guidelines-for-motoring-offences-published/"


def by_url(result):
    return {p.url: p for p in result.publications}


def test_feed_present_reads_both_feed_pages(fixtures_mirror):
    result = run(sc, fixtures_mirror, "sentencing_council")
    assert result.strategy == "rss"
    pubs = by_url(result)
    assert len(pubs) == 11
    ms = pubs[MS_CONSULTATION]
    assert ms.published == datetime(2020, 10, 15, 8, 30, tzinfo=UTC)
    assert ms.kind == "news" and "modern slavery" in ms.topics and not ms.date_estimated
    tables = pubs[MS_DATA_TABLES]
    assert tables.published == datetime(2021, 8, 11, 9, 2, tzinfo=UTC)  # 10:02 BST
    assert "modern slavery" in tables.topics
    kinds = {p.title: p.kind for p in result.publications}
    assert kinds["Miscellaneous amendments to sentencing guidelines consultation 2024"] == "consultation"
    assert kinds["Sentencing Council annual report 2022/23"] == "corporate"
    assert kinds["Environmental offences guideline comes into force"] == "guideline"
    assert all(p.url.startswith(("https://www.sentencingcouncil.org.uk/", "https://sentencingcouncil.org.uk/"))
               for p in result.publications)
    assert [path for path, _ in served(fixtures_mirror, "sentencing_council") if "feed" in path] == [
        "/feed/", "/feed/?paged=2", "/feed/?paged=3"]  # page 3 is the 404 that ends the feed


def test_incremental_run_stops_at_the_first_known_feed_page(fixtures_mirror):
    first = run(sc, fixtures_mirror, "sentencing_council")
    page_one = [p.url for p in first.publications][:5]
    fixtures_mirror.clear_log()
    again = run(sc, fixtures_mirror, "sentencing_council", known=page_one)
    assert [path for path, _ in served(fixtures_mirror, "sentencing_council") if "feed" in path] == ["/feed/"]
    assert {p.url for p in again.publications} == set(page_one)


def test_backfill_walks_every_page_even_when_known(fixtures_mirror):
    everything = [p.url for p in run(sc, fixtures_mirror, "sentencing_council").publications]
    fixtures_mirror.clear_log()
    result = run(sc, fixtures_mirror, "sentencing_council", known=everything[:5], backfill=True)
    assert len(result.publications) == 11
    assert ("/feed/?paged=2", 200) in served(fixtures_mirror, "sentencing_council")


def test_second_run_with_validators_is_answered_304_and_parses_nothing(fixtures_mirror):
    base_url = fixtures_mirror.url_for("sentencing_council")
    http = client(sc, base_url)
    run(sc, fixtures_mirror, "sentencing_council", http=http)
    fixtures_mirror.clear_log()
    again = run(sc, fixtures_mirror, "sentencing_council", http=client(sc, base_url, validators_from(http)))
    assert again.strategy == "rss" and again.publications == []
    assert [s for p, s in served(fixtures_mirror, "sentencing_council") if "feed" in p] == [304]


def test_rest_api_when_there_is_no_feed(fixtures_mirror):
    result = run(sc, fixtures_mirror, "sentencing_council_rest")
    assert result.strategy == "wordpress-rest"
    assert len(result.publications) == 6  # news pages 1-2 (X-WP-TotalPages: 2) + publications
    pubs = by_url(result)
    assert pubs[MS_CONSULTATION].published == datetime(2020, 10, 15, 8, 30, tzinfo=UTC)
    assert pubs[f"{SITE}/publications/item/sentencing-council-annual-report-2022-23/"].kind == "corporate"
    paths = [p for p, _ in served(fixtures_mirror, "sentencing_council_rest")]
    assert "/wp-json/wp/v2/news?per_page=20&page=2" in paths
    assert "/wp-json/wp/v2/news?per_page=20&page=3" not in paths


def test_feed_absent_reads_paginated_listings_and_item_pages(fixtures_mirror):
    result = run(sc, fixtures_mirror, "sentencing_council_nofeed")
    assert result.strategy == "listing-html"
    pubs = by_url(result)
    assert len(pubs) == 8
    # each item page dates itself differently: visible text, meta, JSON-LD, <time>
    assert pubs[MS_CONSULTATION].published == datetime(2020, 10, 15, tzinfo=UTC)
    assert pubs[MOTORING_OLD].published == datetime(2023, 6, 15, 8, 30, tzinfo=UTC)
    assert pubs[f"{SITE}/news/item/consultation-on-motoring-offences-sentencing-guidelines/"].published == datetime(2022, 7, 7, 8, 30, tzinfo=UTC)
    assert pubs[f"{SITE}/news/item/sentencing-council-consults-on-proposed-guideline-for-the-imposition-of-community-and-custodial-sentences/"].published == datetime(2016, 1, 14, tzinfo=UTC)
    assert pubs[MS_CONSULTATION].summary.startswith("The Council has launched a consultation")
    assert "modern slavery" in pubs[MS_CONSULTATION].topics
    assert pubs["https://sentencingcouncil.org.uk/publications/item/miscellaneous-amendments-to-sentencing-guidelines-consultation-2024"].kind == "consultation"
    paths = [p for p, _ in served(fixtures_mirror, "sentencing_council_nofeed")]
    assert paths.count("/feed/") == 1  # advertised by the listing, but already known to be absent
    assert "/search/search?paged=2&post_type=news&s=" in paths


def test_incremental_listing_run_opens_no_known_item_and_stops(fixtures_mirror):
    first = run(sc, fixtures_mirror, "sentencing_council_nofeed")
    fixtures_mirror.clear_log()
    again = run(sc, fixtures_mirror, "sentencing_council_nofeed", known=[p.url for p in first.publications])
    paths = [p for p, _ in served(fixtures_mirror, "sentencing_council_nofeed")]
    assert again.publications == []
    assert not [p for p in paths if "/item/" in p]
    assert "/search/search?paged=2&post_type=news&s=" not in paths


def test_one_new_item_on_a_known_page_is_the_only_item_page_opened(fixtures_mirror):
    first = run(sc, fixtures_mirror, "sentencing_council_nofeed")
    known = [p.url for p in first.publications if p.url != MOTORING_OLD]
    fixtures_mirror.clear_log()
    again = run(sc, fixtures_mirror, "sentencing_council_nofeed", known=known)
    assert [p.url for p in again.publications] == [MOTORING_OLD]
    assert [p for p, _ in served(fixtures_mirror, "sentencing_council_nofeed") if "/item/" in p] == [
        "/news/item/motoring-offences-sentencing-guidelines-published/"]


def test_layout_drift_is_a_parse_error_naming_source_url_and_selector(fixtures_mirror):
    with pytest.raises(ParseError) as info:
        run(sc, fixtures_mirror, "sentencing_council_drift")
    err = info.value
    assert err.source == "sentencing_council"
    assert err.url == f"{SITE}/search/search?post_type=news&s="
    assert "article.search-result" in err.expected and "no items" in str(err)


def test_item_page_without_a_date_is_a_parse_error(fixtures_mirror):
    with pytest.raises(ParseError) as info:
        run(sc, fixtures_mirror, "sentencing_council_undated")
    assert info.value.url == MS_CONSULTATION
    assert "no publication date" in str(info.value)


def test_entity_bomb_feed_is_refused(fixtures_mirror):
    with pytest.raises(ParseError) as info:
        run(sc, fixtures_mirror, "sentencing_council_bomb")
    assert info.value.url == f"{SITE}/feed/" and "unsafe XML" in str(info.value)


def test_duplicate_slugs_in_one_run_are_one_story(fixtures_mirror):
    result = run(sc, fixtures_mirror, "sentencing_council_dupslug")
    motoring = [p for p in result.publications if "motoring offences published" in normalise_title(p.title)]
    assert len(motoring) == 1
    assert motoring[0].url == MOTORING_NEW and motoring[0].alternate_urls == (MOTORING_OLD,)


def test_duplicate_slugs_across_runs_merge_in_the_store(fixtures_mirror, sqlite_engine):
    """The stored story (old slug, from the feed) and the new-slug variant: one row."""
    old = next(p for p in run(sc, fixtures_mirror, "sentencing_council").publications if p.url == MOTORING_OLD)
    new = next(p for p in run(sc, fixtures_mirror, "sentencing_council_dupslug").publications if p.url == MOTORING_NEW)
    new = type(new)(**{**new.__dict__, "alternate_urls": ()})  # only the title + date can join them
    assert normalise_title(old.title) == normalise_title(new.title) and old.published.date() == new.published.date()
    with transaction(sqlite_engine) as s:
        first = repo.upsert_publication(s, normalise_publication(old))
    with transaction(sqlite_engine) as s:
        second = repo.upsert_publication(s, normalise_publication(new))
    assert first.outcome == "new" and second.id == first.id and second.outcome != "new"
