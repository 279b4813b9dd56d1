"""The Independent Anti-Slavery Commissioner (antislaverycommissioner.co.uk): news, reports, letters, bulletins.

No feed of the site is known, so this adapter reads a feed only when one is listed in SITE.feeds
or advertised (`<link rel="alternate">`) on the news listing; otherwise it reads the listing
(`/news-insights/`, older pages through its "next" link) and opens the pages of new items the
listing does not date. Item pages show no date: when neither the listing ("News | 17 July 2019")
nor the page markup gives one, the item is stored undated (published=None, date_estimated=True).
The IASC's annual reports also appear on GOV.UK as corporate reports (read by the GOV.UK adapter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapers.adapter import Fetcher
from scrapers.listing import ItemSelectors, ListingSelectors
from scrapers.records import SourceInfo, SourceResult
from scrapers.siterun import KindRule, SiteRun
from scrapers.walk import ListingConfig, walk_feed, walk_listings

SOURCE = SourceInfo(
    name="iasc",
    title="Independent Anti-Slavery Commissioner",
    home_url="https://www.antislaverycommissioner.co.uk/",
    canonical_base="https://www.antislaverycommissioner.co.uk",
    hosts=("www.antislaverycommissioner.co.uk", "antislaverycommissioner.co.uk"),
    kind_hint="news",
)


@dataclass(frozen=True)
class Site:
    """Everything this adapter knows about the site's URLs and markup."""

    feeds: tuple[str, ...]
    listings: ListingConfig
    kinds: tuple[KindRule, ...]


SITE = Site(
    feeds=(),  # none known; add one here once `msbrief sources check iasc` finds it
    listings=ListingConfig(
        urls=("/news-insights/",),
        listing=ListingSelectors(
            item="article.news-card",
            link="h3 a[href]",
            date=".news-card__meta",
            label=".news-card__meta",
            summary=".news-card__excerpt",
            next_page="a.next[href]",
        ),
        item=ItemSelectors(title="main h1", body="main .entry-content"),
        item_pages="when-undated",
    ),
    kinds=(
        KindRule("title", "bulletin", "bulletin"),
        KindRule("label", "bulletin", "bulletin"),
        KindRule("title", "open letter", "letter"),
        KindRule("label", "letter", "letter"),
        KindRule("title", "strategic plan", "corporate"),
        KindRule("title", "annual report", "report"),
        KindRule("label", "report", "report"),
        KindRule("label", "insight", "news"),
    ),
)


def collect(
    client: Fetcher,
    *,
    base_url: str,
    is_known: Callable[[str], bool],
    topics: dict[str, tuple[str, ...]],
    backfill: bool = False,
) -> SourceResult:
    """Read the IASC's new items (all of them with `backfill`); undated items are flagged."""
    run = SiteRun(client, info=SOURCE, base_url=base_url, is_known=is_known, topics=topics,
                  backfill=backfill, kind_rules=SITE.kinds, undated_ok=True)
    for path in SITE.feeds:
        if walk_feed(run, run.site_url(path)):
            return run.result("rss")
    return run.result(walk_listings(run, SITE.listings))
