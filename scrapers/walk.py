"""Follow a site's feed pages or listing pages for a SiteRun, backfill or incremental.

Both walkers stop at the first page whose items are all already known (unless backfilling),
at a page that brings nothing new to this run (a loop guard), at a 304 (nothing changed), at
the last page, after MAX_PAGES, or once the run holds MSBRIEF_MAX_ITEMS_PER_SOURCE items (a
warning says so). Every page is parsed inside the source's budget (scrapers/limits.py). A first
page that is absent (404/410) means "this way of reading the site is not there": the walker
returns False and the adapter tries the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from scrapers import dates
from scrapers.errors import ParseError
from scrapers.feedread import ACCEPT_XML, Entry, FeedPage, capped, looks_like_feed, parse_feed
from scrapers.limits import check_size
from scrapers.listing import (
    ItemPage,
    ItemSelectors,
    ListingItem,
    ListingPage,
    ListingSelectors,
    read_item,
    read_listing,
)
from scrapers.records import Page
from scrapers.siterun import SiteRun

log = logging.getLogger(__name__)

MAX_PAGES = 500
ACCEPT_HTML = "text/html,application/xhtml+xml"

# (page body, real URL of the page) -> FeedPage
FeedParser = Callable[[Page, str], FeedPage]
# (real URL of the page just read, what it said, its number) -> real URL of the next page, or None
NextUrl = Callable[[str, FeedPage, int], "str | None"]


def _feed_parser(page: Page, url: str, run: SiteRun) -> FeedPage:
    return parse_feed(page.body, source=run.source, url=url, budget=run.client.budget)


def _read_feed_page(run: SiteRun, parse: FeedParser, page: Page, url: str) -> FeedPage:
    """One feed page parsed inside the source's budget: over its bytes refused, its items capped."""
    budget = run.client.budget
    check_size(page.body, budget, source=run.source, url=url, what="feed page")
    fp = capped(parse(page, url), budget)
    budget.deadline.check(source=run.source, url=url, when="after reading a feed page")
    _say_dropped(run, url, fp.dropped)
    return fp


def _say_dropped(run: SiteRun, url: str, dropped: int) -> None:
    if dropped:
        limit = run.client.limits.max_items_per_page
        run.warn(f"{url} lists {limit + dropped:,} items: only the first {limit:,} read "
                 "(MSBRIEF_MAX_ITEMS_PER_PAGE)")


def _full(run: SiteRun, url: str) -> bool:
    """Whether the run holds max_items_per_source items already (said once, in a warning)."""
    limit = run.client.limits.max_items_per_source
    if len(run.publications) < limit:
        return False
    run.warn(f"stopped at {url}: {limit:,} items read in this run (MSBRIEF_MAX_ITEMS_PER_SOURCE); "
             "older items were not read")
    return True


def walk_feed(
    run: SiteRun,
    first_url: str,
    *,
    parse: FeedParser | None = None,
    next_url: NextUrl | None = None,
    accept: str = ACCEPT_XML,
) -> bool:
    """Read a feed and the pages after it into `run`; False when the feed is not there."""
    parse = parse or (lambda page, url: _feed_parser(page, url, run))
    next_url = next_url or (lambda url, fp, n: fp.next_url)
    url: str | None = first_url
    number = 1
    while url and number <= MAX_PAGES:
        page = run.fetch(url, accept=accept)
        if page is None:
            return number > 1
        if page.not_modified:
            log.info("%s: %s not modified", run.source, run.fetched_url(url))
            return True
        if number == 1 and not looks_like_feed(page.body):
            run.warn(f"{url} is not a feed (content type {page.content_type!r}); trying the next way")
            return False
        fp = _read_feed_page(run, parse, page, url)
        if not fp.entries:
            if number == 1:
                raise ParseError("feed has no entries", source=run.source, url=url, expected="at least one item")
            return True
        if not _take_entries(run, fp.entries, page_url=url):
            return True
        page_url, url = url, next_url(url, fp, number)
        number += 1
        if url and not _next_on_site(run, url, page_url=page_url):
            return True
    if url:
        run.warn(f"stopped after {MAX_PAGES} feed pages at {url}: older items were not read")
    return True


def _next_on_site(run: SiteRun, url: str, *, page_url: str) -> bool:
    """Whether the page after `page_url` may be fetched: one on another host is not (said in a warning)."""
    if run.fetchable(url):
        return True
    run.warn(f"the page after {page_url} is on another host ({url}): not followed, older items were not read")
    return False


def _take_entries(run: SiteRun, entries: tuple[Entry, ...], *, page_url: str) -> bool:
    """Add a page's entries; whether to go on to the next page."""
    all_known = all(run.known(run.real(e.url)) or not run.wants(e.title, e.summary) for e in entries if e.url)
    fresh = [e for e in entries if e.url and not run.in_run(run.real(e.url))]
    for e in entries:
        url = run.real(e.url) if e.url else ""
        published = e.published or dates.from_permalink(url)
        run.add(url=url, title=e.title, published=published, summary=e.summary, labels=e.labels,
                updated=e.updated, external_id=None, found_at=page_url,
                refused_date=e.refused_date or dates.refused(url))
    return _go_on(run, page_url, fresh=bool(fresh), all_known=all_known)


def _go_on(run: SiteRun, page_url: str, *, fresh: bool, all_known: bool) -> bool:
    """Whether to read the page after `page_url`: not when it added nothing, nor (incremental) when all was known."""
    if not fresh:
        log.info("%s: %s brought nothing new to this run; stopping", run.source, page_url)
        return False
    if all_known and not run.backfill:
        log.info("%s: every item on %s is known; incremental run stops here", run.source, page_url)
        return False
    return True


@dataclass(frozen=True)
class ListingConfig:
    """How to read a site's listing pages (part of an adapter's SITE config)."""

    urls: tuple[str, ...]  # first pages, site paths ("/news-insights/")
    listing: ListingSelectors
    item: ItemSelectors | None = None
    item_pages: str = "always"  # "always" | "when-undated" | "never": when to open an item's page


def walk_listings(run: SiteRun, config: ListingConfig, *, discover: bool = True) -> str:
    """Read every listing of `config` into `run`; the strategy that worked.

    On the first listing page, a feed advertised with `<link rel="alternate">` that was not tried
    yet is read instead ("feed-autodiscovery"); otherwise the listing pages are read
    ("listing-html"). An absent first listing page is a FetchError (nothing else is left to try).
    A feed, next page or item page on another host is never fetched (the item is kept as a link).
    """
    for n, path in enumerate(config.urls):
        url: str | None = run.site_url(path) if path.startswith("/") else path
        number = 1
        while url and number <= MAX_PAGES:
            page = run.fetch(url, absent_ok=False, accept=ACCEPT_HTML)
            assert page is not None
            if page.not_modified:
                log.info("%s: %s not modified", run.source, run.fetched_url(url))
                break
            lp = read_listing(page.body, page_url=url, selectors=config.listing, source=run.source,
                              budget=run.client.budget)
            _say_dropped(run, url, lp.dropped)
            if discover and n == 0 and number == 1 and _read_discovered_feed(run, lp, page_url=url):
                return "feed-autodiscovery"
            if not _take_listing(run, config, lp, page_url=url):
                break
            page_url, url = url, (run.real(lp.next_url) if lp.next_url else None)
            number += 1
            if url and not _next_on_site(run, url, page_url=page_url):
                url = None
        if url and number > MAX_PAGES:
            run.warn(f"stopped after {MAX_PAGES} listing pages at {url}: older items were not read")
    return "listing-html"


def _read_discovered_feed(run: SiteRun, lp: ListingPage, *, page_url: str) -> bool:
    """Read the first feed `lp` advertises that works and was not tried; feeds on other hosts are skipped."""
    for feed_url in (run.real(f) for f in lp.feeds):
        if run.was_tried(feed_url):
            continue
        if not run.fetchable(feed_url):
            run.warn(f"{page_url} advertises a feed on another host ({feed_url}): not read")
            continue
        if walk_feed(run, feed_url):
            log.info("%s: feed discovered on %s: %s", run.source, run.fetched_url(page_url), run.fetched_url(feed_url))
            return True
    return False


def _take_listing(run: SiteRun, config: ListingConfig, lp: ListingPage, *, page_url: str) -> bool:
    """Add a listing page's items (opening item pages as configured); whether to go on."""
    items = [_real_item(run, it) for it in lp.items]
    all_known = all(run.known(it.url) or not run.wants(it.title, it.summary) for it in items)
    fresh = [it for it in items if not run.in_run(it.url)]
    for it in items:
        if run.known(it.url) and not run.backfill:
            continue  # the store has it: no need to open its page again
        if not run.wants(it.title, it.summary) and (it.published or it.refused_date):
            continue  # on another subject, and dated: no page to open (an undated one is judged on its page)
        _take_item(run, config, it, page_url=page_url)
    return _go_on(run, page_url, fresh=bool(fresh), all_known=all_known)


def _real_item(run: SiteRun, it: ListingItem) -> ListingItem:
    return replace(it, url=run.real(it.url))


def _take_item(run: SiteRun, config: ListingConfig, it: ListingItem, *, page_url: str) -> None:
    published = it.published or dates.from_permalink(it.url)
    refused = it.refused_date or dates.refused(it.url)
    summary, labels, title = it.summary, it.labels, it.title
    wanted = config.item is not None and (  # a refused date is a date: it opens no page ("when-undated")
        config.item_pages == "always" or (config.item_pages == "when-undated" and published is None and not refused)
    )
    found_at = page_url
    ip = _read_item_page(run, config, it) if wanted else None
    if ip is not None:
        published = published or ip.published
        refused = refused or ip.refused_date
        summary = summary or ip.summary
        labels = labels + ip.labels
        found_at = it.url
    elif wanted and published is None and not refused and not run.undated_ok:
        run.warn(f"[{run.source}] {it.url}: item {title!r} is off the source's hosts and the listing gives no date; "
                 "its page is not fetched, item skipped")
        return
    run.add(url=it.url, title=title, published=published, summary=summary, labels=labels, found_at=found_at,
            refused_date=refused)


def _read_item_page(run: SiteRun, config: ListingConfig, it: ListingItem) -> ItemPage | None:
    """What the item's page says; None when it is on another host (kept as a link, never fetched).

    A page on the source's hosts that redirects elsewhere fails the source (HostNotAllowed), like
    any item page that cannot be read: the next run tries it again, so nothing is stored half-read.
    """
    assert config.item is not None
    if not run.fetchable(it.url):
        log.info("%s: %s is on another host: kept as a link, not fetched", run.source, it.url)
        return None
    page = run.fetch(it.url, absent_ok=False, accept=ACCEPT_HTML)
    assert page is not None
    if page.not_modified:  # the store has validators but not the item: fetch it whole
        page = run.fetch(it.url, absent_ok=False, conditional=False, accept=ACCEPT_HTML)
        assert page is not None
    return read_item(page.body, page_url=it.url, selectors=config.item, source=run.source, real_url=it.url,
                     budget=run.client.budget)
