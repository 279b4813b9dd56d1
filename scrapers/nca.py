"""The National Crime Agency (nationalcrimeagency.gov.uk, a Joomla site): its news on the briefing's subjects.

Reads the news page (`/news`) and the feed it advertises (`<link rel="alternate">`: Joomla's RSS
2.0, `/news?format=feed&type=rss`, about 20 items, guid = link, no paging) — strategy
"feed-autodiscovery"; when the page advertises no feed, the listing itself (`/news`, older pages
through its "next" link), dated by each item's date line ("23 May 2018") — "listing-html".

Most NCA news is about other crime (drugs, fraud, cyber): an item is kept only when its title or
summary speaks of modern slavery, trafficking of people, labour or sexual exploitation, county
lines or organised immigration crime (`scrapers.subjects`; never "trafficking" alone: drugs).
Joomla writes a new `lastBuildDate` on every fetch, so the feed's bytes (and any validator
derived from them) change each time: items are told apart by their links, never by the feed's
date, and a feed whose items are all known is nothing new. A news page answering 304 has no new
news to discover from: the feed is then read (conditionally) at the address Joomla gives it,
FEED, so a steady run costs two conditional requests and reads the source the same way as the run
before (a run that read the listing finds no feed there, and reads the listing's way again).
No recording of the live feed or page markup exists yet: `msbrief sources check nca` shows
whether SITE still fits, and `msbrief sources record nca DIR` records it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapers.adapter import Fetcher, IsKnown, Topics
from scrapers.listing import ItemSelectors, ListingSelectors
from scrapers.records import SourceInfo, SourceResult
from scrapers.siterun import KindRule, SiteRun
from scrapers.subjects import on_subject_or_smuggling
from scrapers.walk import ACCEPT_HTML, ListingConfig, walk_feed, walk_listings

SOURCE = SourceInfo(
    name="nca",
    title="National Crime Agency",
    home_url="https://www.nationalcrimeagency.gov.uk/news",
    canonical_base="https://www.nationalcrimeagency.gov.uk",
    hosts=("www.nationalcrimeagency.gov.uk", "nationalcrimeagency.gov.uk"),
    kind_hint="news",
)
DISCOVERED, LISTING = "feed-autodiscovery", "listing-html"  # walk_listings' names for the two ways


@dataclass(frozen=True)
class Site:
    """Everything this adapter knows about the site's URLs and markup."""

    feed: str  # Joomla's feed of the news category (what the news page advertises)
    listings: ListingConfig
    kinds: tuple[KindRule, ...]


SITE = Site(
    feed="/news?format=feed&type=rss",
    listings=ListingConfig(
        urls=("/news",),
        listing=ListingSelectors(
            item=".blog-items .blog-item",
            link=".item-title a[href]",
            date=".published time",
            summary=".item-intro",
            next_page="a.page-link[aria-label='Go to next page'][href]",
        ),
        item=ItemSelectors(title="h1", body=".com-content-article__body", date=".published"),
        item_pages="when-undated",
    ),
    kinds=(
        KindRule("title", "annual report", "report"),
        KindRule("title", "national strategic assessment", "report"),
    ),
)


def collect(client: Fetcher, *, base_url: str, is_known: IsKnown, topics: Topics,
            backfill: bool = False) -> SourceResult:
    """Read the NCA's new items on the briefing's subjects (all of them with `backfill`)."""
    run = SiteRun(client, info=SOURCE, base_url=base_url, is_known=is_known, topics=topics, backfill=backfill,
                  kind_rules=SITE.kinds, keep=on_subject_or_smuggling)
    news = run.fetch(run.site_url(SITE.listings.urls[0]), absent_ok=False, accept=ACCEPT_HTML)
    if news is not None and news.not_modified:  # nothing new to discover: the feed at its address, if any
        return run.result(DISCOVERED if walk_feed(run, run.site_url(SITE.feed)) else LISTING)
    return run.result(walk_listings(run, SITE.listings))  # the page read above is not fetched again
