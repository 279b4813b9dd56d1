"""The Sentencing Council (sentencingcouncil.org.uk, a WordPress site): news, consultations, guidelines.

Reads, in order: the WordPress RSS feed (`/feed/`, older pages `?paged=N`); the WordPress REST
API (`/wp-json/wp/v2/news` and `/publication`, `?page=N`); a feed advertised on the first listing
page; the search listings (`/search/search?post_type=news|publication&s=`, `&paged=N`) with each
new item's page, whose date comes from its markup, else from "Published on: 15 October 2020".
The feed and REST paths are WordPress defaults, not confirmed on the live site: `msbrief sources
check sentencing_council` shows which one works. Everything site-specific is in SITE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapers.adapter import Fetcher
from scrapers.feedread import ACCEPT_JSON, FeedPage, parse_wp_posts
from scrapers.listing import ItemSelectors, ListingSelectors
from scrapers.records import Page, SourceInfo, SourceResult
from scrapers.siterun import KindRule, SiteRun, with_query
from scrapers.walk import ListingConfig, walk_feed, walk_listings

SOURCE = SourceInfo(
    name="sentencing_council",
    title="Sentencing Council",
    home_url="https://www.sentencingcouncil.org.uk/",
    canonical_base="https://www.sentencingcouncil.org.uk",
    hosts=("www.sentencingcouncil.org.uk", "sentencingcouncil.org.uk"),
    kind_hint="news",
)


@dataclass(frozen=True)
class Site:
    """Everything this adapter knows about the site's URLs and markup."""

    rss: tuple[str, ...]
    rest: tuple[str, ...]
    rest_per_page: int
    listings: ListingConfig
    kinds: tuple[KindRule, ...]


SITE = Site(
    rss=("/feed/",),
    rest=("/wp-json/wp/v2/news", "/wp-json/wp/v2/publication"),
    rest_per_page=20,
    listings=ListingConfig(
        urls=("/search/search?post_type=news&s=", "/search/search?post_type=publication&s="),
        listing=ListingSelectors(
            item="article.search-result",
            link="h2 a[href]",
            summary=".search-result__excerpt",
            next_page="a.next.page-numbers",
        ),
        item=ItemSelectors(
            title="main h1",
            body="main .entry-content",
            date="dl.item-meta dt:-soup-contains('Published on') + dd",
            labels=("dl.item-meta dt:-soup-contains('type') + dd",),  # "News type:", "Publication types:"
        ),
        item_pages="always",
    ),
    kinds=(
        KindRule("label", "consultation", "consultation"),
        KindRule("label", "corporate report", "corporate"),
        KindRule("label", "definitive guideline", "guideline"),
        KindRule("label", "guidelines in force", "guideline"),
        KindRule("label", "statistical bulletin", "report"),
        KindRule("label", "data tables", "report"),
        KindRule("label", "research", "report"),
        KindRule("label", "press release", "news"),
        KindRule("url", "/publications/", "report"),
        KindRule("url", "/html-publication/", "report"),
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
    """Read the Sentencing Council's new items (all of them with `backfill`)."""
    run = SiteRun(client, info=SOURCE, base_url=base_url, is_known=is_known, topics=topics,
                  backfill=backfill, kind_rules=SITE.kinds)
    for path in SITE.rss:
        if walk_feed(run, run.site_url(path), next_url=lambda url, fp, n: with_query(url, paged=n + 1)):
            return run.result("rss")
    if _read_rest(run):
        return run.result("wordpress-rest")
    return run.result(walk_listings(run, SITE.listings))


def _read_rest(run: SiteRun) -> bool:
    """Read every REST collection of SITE.rest; False when the API is not there."""
    for n, path in enumerate(SITE.rest):
        first = with_query(run.site_url(path), per_page=SITE.rest_per_page, page=1)
        found = walk_feed(run, first, parse=_rest_parser(run), next_url=_rest_next, accept=ACCEPT_JSON)
        if not found and n == 0:
            return False
        if not found:
            run.warn(f"WordPress REST collection {path!r} is absent")
    return True


def _rest_parser(run: SiteRun) -> Callable[[Page, str], FeedPage]:
    def parse(page: Page, url: str) -> FeedPage:
        return parse_wp_posts(page.body, source=run.source, url=url, total_pages=page.headers.get("x-wp-totalpages"))
    return parse


def _rest_next(url: str, fp: FeedPage, number: int) -> str | None:
    """The next REST page, while X-WP-TotalPages (or a full page, without the header) says there is one."""
    if fp.total_pages is not None:
        return with_query(url, page=number + 1) if number < fp.total_pages else None
    return with_query(url, page=number + 1) if len(fp.entries) >= SITE.rest_per_page else None
