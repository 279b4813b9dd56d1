"""Read listing pages and item pages of a site with CSS selectors from the adapter's config.

`read_listing` finds the items (title, link, optional date, teaser, type label) and the link to
the next page; `read_item` finds an item page's title, date and summary. Zero items, or an item
without a title or link, is a ParseError naming the source, the page and the selector that failed.
Both parse inside the source's `budget` (scrapers/limits.py): a page over its bytes or tags is
refused before BeautifulSoup sees it, and items past the page's limit are not read (`dropped`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from bs4 import Tag
from soupsieve import SelectorSyntaxError

from scrapers import dates
from scrapers.errors import ParseError
from scrapers.feedread import discover_feeds
from scrapers.htmltext import SUMMARY_CHARS, soup
from scrapers.limits import UNBOUNDED_TIME, Budget, check_size, parse_slot
from vocabulary.text import clip, one_line


@dataclass(frozen=True)
class ListingSelectors:
    """Where the items are on a listing page. All but `item` and `next_page` are relative to an item."""

    item: str
    link: str = "a[href]"
    title: str | None = None  # default: the link's text
    date: str | None = None  # an element with a <time datetime> or a visible date ("News | 17 July 2019")
    summary: str | None = None
    label: str | None = None  # a type label ("News", "Consultations")
    next_page: str | None = None  # on the page: the link to the next (older) page


@dataclass(frozen=True)
class ItemSelectors:
    """Where things are on an item page."""

    title: str = "h1"
    body: str | None = None  # the main text, for the summary
    date: str | None = None  # visible date text, read after the markup (meta, JSON-LD, <time>) and the permalink
    labels: tuple[str, ...] = ()  # elements whose text is a type label


@dataclass(frozen=True)
class ListingItem:
    """One entry of a listing page."""

    title: str
    url: str
    published: datetime | None
    summary: str = ""
    labels: tuple[str, ...] = ()
    refused_date: str = ""  # no `published` because the date is outside the years we accept: as written


@dataclass(frozen=True)
class ListingPage:
    """The items of one listing page, the next page's URL, and any feeds the page advertises."""

    items: tuple[ListingItem, ...]
    next_url: str | None = None
    feeds: tuple[str, ...] = ()
    dropped: int = 0  # items past the page's limit (MSBRIEF_MAX_ITEMS_PER_PAGE), not read


@dataclass(frozen=True)
class ItemPage:
    """What an item page says about itself."""

    title: str
    published: datetime | None
    date_from: str = ""  # "meta:article:published_time", "json-ld", "time", "permalink", "text"
    summary: str = ""
    labels: tuple[str, ...] = field(default_factory=tuple)
    refused_date: str = ""  # no `published` because the date is outside the years we accept: as written


def _select(node: Tag, selector: str, *, source: str, url: str) -> list[Tag]:
    try:
        return node.select(selector)
    except (SelectorSyntaxError, ValueError, TypeError) as exc:
        raise ParseError(f"bad selector {selector!r}: {exc}", source=source, url=url) from None


def _first(node: Tag, selector: str | None, *, source: str, url: str) -> Tag | None:
    if not selector:
        return None
    found = _select(node, selector, source=source, url=url)
    return found[0] if found else None


def _text(el: Tag | None) -> str:
    return one_line(el.get_text(" ", strip=True)) if el is not None else ""


def _join(base: str, href: object) -> str:
    if not isinstance(href, str) or not href.strip() or href.strip().startswith(("#", "javascript:", "mailto:")):
        return ""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


def read_listing(body: bytes | str, *, page_url: str, selectors: ListingSelectors, source: str,
                 budget: Budget = UNBOUNDED_TIME) -> ListingPage:
    """The items on one listing page; links are made absolute against `page_url`."""
    check_size(body, budget, source=source, url=page_url, what="listing page")
    with parse_slot(budget, source=source, url=page_url):
        return _read_listing(soup(body), page_url=page_url, selectors=selectors, source=source, budget=budget)


def _read_listing(doc: Tag, *, page_url: str, selectors: ListingSelectors, source: str, budget: Budget) -> ListingPage:
    nodes = _select(doc, selectors.item, source=source, url=page_url)
    if not nodes:
        raise ParseError("listing has no items", source=source, url=page_url,
                         expected=f"elements matching {selectors.item!r}")
    limit = budget.limits.max_items_per_page
    items = []
    for n, node in enumerate(nodes[:limit], start=1):
        link = node if node.name == "a" and node.get("href") else _first(node, selectors.link, source=source, url=page_url)
        url = _join(page_url, link.get("href")) if link is not None else ""
        if not url:
            raise ParseError(f"listing item {n} has no link", source=source, url=page_url,
                             expected=f"a link matching {selectors.link!r} in each {selectors.item!r}")
        title_el = _first(node, selectors.title, source=source, url=page_url) if selectors.title else link
        title = _text(title_el)
        if not title:
            raise ParseError(f"listing item {n} ({url!r}) has no title", source=source, url=page_url,
                             expected=f"text in {selectors.title or selectors.link!r}")
        date_el = _first(node, selectors.date, source=source, url=page_url)
        # A label may share its element with the date ("News | 17 July 2019"): keep the part before "|".
        label_els = _select(node, selectors.label, source=source, url=page_url) if selectors.label else []
        labels = tuple(t for t in (_text(el).split("|")[0].strip() for el in label_els) if t)
        published = dates.from_element(date_el)
        items.append(ListingItem(
            title=title,
            url=url,
            published=published,
            summary=clip(_text(_first(node, selectors.summary, source=source, url=page_url)), SUMMARY_CHARS),
            labels=labels,
            refused_date="" if published else dates.refused_in_element(date_el),
        ))
    next_el = _first(doc, selectors.next_page, source=source, url=page_url)
    next_url = _join(page_url, next_el.get("href")) if next_el is not None else ""
    return ListingPage(items=tuple(items), next_url=next_url or None, feeds=discover_feeds(doc, page_url=page_url),
                       dropped=max(0, len(nodes) - limit))


def read_item(body: bytes | str, *, page_url: str, selectors: ItemSelectors, source: str, real_url: str = "",
              budget: Budget = UNBOUNDED_TIME) -> ItemPage:
    """An item page's title, date (markup, then permalink, then visible text), summary and labels.

    `real_url` is the item's real-site URL (for a dated permalink); it defaults to `page_url`.
    The date is None when the page shows none: the caller decides whether that is allowed.
    """
    check_size(body, budget, source=source, url=page_url, what="item page")
    with parse_slot(budget, source=source, url=page_url):
        return _read_item(soup(body), page_url=page_url, selectors=selectors, source=source, real_url=real_url)


def _read_item(doc: Tag, *, page_url: str, selectors: ItemSelectors, source: str, real_url: str) -> ItemPage:
    title = _text(_first(doc, selectors.title, source=source, url=page_url))
    if not title:
        raise ParseError("item page has no title", source=source, url=page_url,
                         expected=f"text in {selectors.title!r}")
    published, date_from = dates.from_html(doc)
    if published is None:
        published = dates.from_permalink(real_url or page_url)
        date_from = "permalink" if published else ""
    date_el = _first(doc, selectors.date, source=source, url=page_url) if selectors.date else None
    if published is None and date_el is not None:
        published = dates.from_element(date_el)
        date_from = "text" if published else ""
    refused = "" if published else (
        dates.refused_in_html(doc) or dates.refused(real_url or page_url) or dates.refused_in_element(date_el))
    body_el = _first(doc, selectors.body, source=source, url=page_url) if selectors.body else None
    summary = ""
    if body_el is not None:
        paragraphs = [_text(p) for p in body_el.find_all("p")] or [_text(body_el)]
        summary = clip(" ".join(p for p in paragraphs[:2] if p), SUMMARY_CHARS)
    labels = tuple(
        t for sel in selectors.labels for t in (_text(el) for el in _select(doc, sel, source=source, url=page_url)) if t
    )
    return ItemPage(title=title, published=published, date_from=date_from, summary=summary, labels=labels,
                    refused_date=refused)
