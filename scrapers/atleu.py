"""ATLEU, the Anti-Trafficking and Labour Exploitation Unit (atleu.org.uk, a Squarespace site): news, cases, reports.

Reads, in order: the collection as Squarespace JSON (`/cases-news?format=json`, older pages
`&offset=<nextPageOffset>`); the collection's RSS (`?format=rss`); a feed advertised on the
listing page; the listing itself (`/cases-news`, older pages `?offset=`), dating each item by its
permalink (`/news/2024/12/5/slug`) and opening an item's page only when the permalink has no date.
The JSON and RSS forms are Squarespace defaults, not confirmed on the live site: `msbrief sources
check atleu` shows which one works. Everything site-specific is in SITE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapers.adapter import Fetcher
from scrapers.feedread import ACCEPT_JSON, FeedPage, parse_squarespace
from scrapers.listing import ItemSelectors, ListingSelectors
from scrapers.records import Page, SourceInfo, SourceResult
from scrapers.siterun import KindRule, SiteRun, with_query
from scrapers.walk import ListingConfig, walk_feed, walk_listings

SOURCE = SourceInfo(
    name="atleu",
    title="ATLEU (Anti-Trafficking and Labour Exploitation Unit)",
    home_url="https://www.atleu.org.uk/",
    canonical_base="https://www.atleu.org.uk",
    hosts=("www.atleu.org.uk", "atleu.org.uk"),
    kind_hint="news",
)


@dataclass(frozen=True)
class Site:
    """Everything this adapter knows about the site's URLs and markup."""

    collection: str
    json_query: dict[str, str]
    rss_query: dict[str, str]
    listings: ListingConfig
    kinds: tuple[KindRule, ...]


SITE = Site(
    collection="/cases-news",
    json_query={"format": "json"},
    rss_query={"format": "rss"},
    listings=ListingConfig(
        urls=("/cases-news",),
        listing=ListingSelectors(
            item="article.blog-item",
            link=".blog-title a[href]",
            summary=".blog-excerpt",
            label=".blog-categories",
            next_page=".blog-list-pagination .older a[href]",
        ),
        item=ItemSelectors(title="article h1", body=".blog-item-content"),
        item_pages="when-undated",
    ),
    kinds=(
        KindRule("label", "cases", "case"),
        KindRule("title", "new report", "report"),
        KindRule("url", "/cases/", "case"),
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
    """Read ATLEU's new items (all of them with `backfill`)."""
    run = SiteRun(client, info=SOURCE, base_url=base_url, is_known=is_known, topics=topics,
                  backfill=backfill, kind_rules=SITE.kinds)
    collection = run.site_url(SITE.collection)
    if walk_feed(run, with_query(collection, **SITE.json_query), parse=_json_parser(run), next_url=_json_next,
                 accept=ACCEPT_JSON):
        return run.result("squarespace-json")
    if walk_feed(run, with_query(collection, **SITE.rss_query)):
        return run.result("rss")
    return run.result(walk_listings(run, SITE.listings))


def _json_parser(run: SiteRun) -> Callable[[Page, str], FeedPage]:
    def parse(page: Page, url: str) -> FeedPage:
        return parse_squarespace(page.body, source=run.source, url=url)
    return parse


def _json_next(url: str, fp: FeedPage, number: int) -> str | None:
    return with_query(url, offset=fp.next_offset) if fp.next_offset else None
