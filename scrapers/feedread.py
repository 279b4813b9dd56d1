"""Read feeds safely: RSS/Atom/RDF (feedparser, after defusedxml), WordPress REST and Squarespace JSON.

Every reader takes the response bytes and returns a `FeedPage`; anything unreadable or unsafe
(an XML DTD, entity declarations, external references) is a ParseError naming the source and URL.
No reader does I/O: following pages is the adapter's job, with the hints a FeedPage carries.

Every reader works inside a `budget` (scrapers/limits.py): a document over its bytes or tags is
refused before a tree is built; XML is first scanned by expat (through defusedxml), which is
linear whatever the document holds, refusing an element with too many attributes (feedparser is
quadratic in them) and stopping at the source deadline; entries past the page's limit are not
read, and `FeedPage.dropped` says how many.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import defusedxml.ElementTree as SafeET
import feedparser
from bs4 import Tag
from defusedxml import DefusedXmlException

from scrapers import dates
from scrapers.errors import ParseError
from scrapers.htmltext import soup, visible_text
from scrapers.limits import UNBOUNDED_TIME, Budget, check_size, parse_slot

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
ACCEPT_XML = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
ACCEPT_JSON = "application/json, */*;q=0.1"


@dataclass(frozen=True)
class Entry:
    """One item of a feed or JSON collection, before an adapter turns it into a Publication."""

    title: str
    url: str
    published: datetime | None
    updated: datetime | None = None
    summary: str = ""
    labels: tuple[str, ...] = ()
    id: str | None = None
    refused_date: str = ""  # no `published` because the date is outside the years we accept: as written


@dataclass(frozen=True)
class FeedPage:
    """The entries of one feed document and how to reach the next (older) one, if it says."""

    entries: tuple[Entry, ...]
    next_url: str | None = None
    next_offset: str | None = None
    total_pages: int | None = None
    dropped: int = 0  # entries past the page's limit (MSBRIEF_MAX_ITEMS_PER_PAGE), not read


def capped(page: FeedPage, budget: Budget) -> FeedPage:
    """`page` with at most max_items_per_page entries; `dropped` counts the rest."""
    limit = budget.limits.max_items_per_page
    if len(page.entries) <= limit:
        return page
    return replace(page, entries=page.entries[:limit], dropped=page.dropped + len(page.entries) - limit)


def _first_items(items: list[Any], budget: Budget) -> tuple[list[Any], int]:
    """The items a page may have read (max_items_per_page), and how many are left unread."""
    limit = budget.limits.max_items_per_page
    return items[:limit], max(0, len(items) - limit)


def looks_like_feed(body: bytes) -> bool:
    """True when `body` starts like XML or JSON rather than an HTML page (a soft 404, a home page)."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return True
    return head.startswith(b"<") and b"<html" not in head and b"<!doctype html" not in head


SCAN_CHECK_EVERY = 5_000  # elements between two looks at the deadline while scanning


def check_xml_safe(body: bytes, *, source: str, url: str, budget: Budget = UNBOUNDED_TIME) -> None:
    """Refuse XML with a DTD, entity declarations or external references, that is not well-formed,
    or with an element carrying more than max_attributes attributes; stop at the deadline.

    One linear pass of expat that keeps no tree (each element is cleared once scanned).
    """
    limit = budget.limits.max_attributes
    try:
        events = SafeET.iterparse(io.BytesIO(body), events=("start", "end"), forbid_dtd=True,
                                  forbid_entities=True, forbid_external=True)
        for seen, (event, element) in enumerate(events):
            if event == "end":
                element.clear()
                continue
            if len(element.attrib) > limit:
                raise ParseError(f"an element <{element.tag}> with {len(element.attrib):,} attributes is over "
                                 f"MSBRIEF_MAX_ATTRIBUTES ({limit:,}); not read", source=source, url=url)
            if seen % SCAN_CHECK_EVERY == 0:
                budget.deadline.check(source=source, url=url, when="while scanning the feed")
    except ParseError:
        raise
    except DefusedXmlException as exc:
        raise ParseError(f"unsafe XML refused: {exc.__class__.__name__}", source=source, url=url,
                         expected="a feed without DTD or entity declarations") from None
    except Exception as exc:  # noqa: BLE001 - expat's errors vary; all mean "not well-formed XML"
        raise ParseError(f"not well-formed XML: {exc}", source=source, url=url,
                         expected="an RSS, Atom or RDF feed") from None


def parse_feed(body: bytes, *, source: str, url: str, budget: Budget = UNBOUNDED_TIME) -> FeedPage:
    """The entries of an RSS 2.0, RSS 1.0 (RDF) or Atom document; JSON Feed is accepted too."""
    if not isinstance(body, bytes):
        raise ParseError(f"feed body must be bytes, got {type(body).__name__}", source=source, url=url)
    if body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(body, source=source, url=url, budget=budget)
    check_size(body, budget, source=source, url=url, what="feed")
    check_xml_safe(body, source=source, url=url, budget=budget)
    with parse_slot(budget, source=source, url=url):
        try:
            parsed = feedparser.parse(body, resolve_relative_uris=False, sanitize_html=True)
        except Exception as exc:  # noqa: BLE001 - feedparser on hostile input: report, never crash
            raise ParseError(f"feed could not be read: {exc.__class__.__name__}", source=source,
                             url=url) from None
        if not parsed.get("version"):
            raise ParseError("not an RSS/Atom/RDF feed", source=source, url=url,
                             expected="an <rss>, <feed> or <rdf:RDF> document")
        limit = budget.limits.max_items_per_page
        entries = tuple(_feed_entry(e, url) for e in parsed.entries[:limit])
    next_url = None
    for link in parsed.feed.get("links", []):
        if link.get("rel") == "next" and link.get("href"):
            next_url = _join(url, link["href"]) or None
    return FeedPage(entries=entries, next_url=next_url, dropped=max(0, len(parsed.entries) - limit))


def _feed_entry(entry: Any, page_url: str) -> Entry:
    e = dict(entry)  # the real keys only: feedparser's get() maps "published" to "updated" with a warning
    published = dates.parse_machine(e.get("published")) or _struct_time(e.get("published_parsed"))
    updated = dates.parse_machine(e.get("updated")) or _struct_time(e.get("updated_parsed"))
    if published is None and "published" not in e:
        published = updated  # Atom entries may carry only <updated>
    labels = tuple(t.get("term", "").strip() for t in e.get("tags", []) if t.get("term"))
    return Entry(
        title=" ".join(str(e.get("title", "")).split()),
        url=_join(page_url, e.get("link")),
        published=published,
        updated=updated,
        summary=visible_text(e.get("summary", "")),
        labels=labels,
        id=e.get("id") or None,
        refused_date="" if published else dates.refused(e.get("published") or e.get("updated")),
    )


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return dates.from_local(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
    except (TypeError, ValueError):
        return None


def _load_json(body: bytes, *, source: str, url: str, budget: Budget = UNBOUNDED_TIME) -> Any:
    check_size(body, budget, source=source, url=url, what="JSON document")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not JSON: {exc}", source=source, url=url, expected="a JSON document") from None


def parse_json_feed(body: bytes, *, source: str, url: str, budget: Budget = UNBOUNDED_TIME) -> FeedPage:
    """A JSON Feed (jsonfeed.org) document: `items` with `url`, `title`, `date_published`."""
    data = _load_json(body, source=source, url=url, budget=budget)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(f"JSON feed without an items list: keys {sorted(data)[:8] if isinstance(data, dict) else type(data).__name__!r}",
                         source=source, url=url, expected="a JSON Feed with 'items'")
    entries = []
    items, dropped = _first_items(data["items"], budget)
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item["url"] if isinstance(item.get("url"), str) else ""
        published = dates.parse_machine(item.get("date_published"))
        entries.append(Entry(
            title=_str(item.get("title")),
            url=_join(url, link),
            published=published,
            updated=dates.parse_machine(item.get("date_modified")),
            summary=_str(item.get("summary")) or visible_text(item.get("content_html")),
            labels=tuple(t for t in item.get("tags", []) if isinstance(t, str)) if isinstance(item.get("tags"), list) else (),
            id=_str(item.get("id")) or None,
            refused_date="" if published else dates.refused(item.get("date_published")),
        ))
    next_url = data["next_url"] if isinstance(data.get("next_url"), str) else None
    return FeedPage(entries=tuple(entries), next_url=_join(url, next_url) or None, dropped=dropped)


def parse_wp_posts(body: bytes, *, source: str, url: str, total_pages: str | None = None,
                   budget: Budget = UNBOUNDED_TIME) -> FeedPage:
    """A WordPress REST collection (`/wp-json/wp/v2/<type>`): a list of post objects.

    `total_pages` is the X-WP-TotalPages header. Dates: `date_gmt` (UTC) first, else `date`
    (the site's local time, Europe/London). Labels: the post type and its taxonomy classes.
    """
    data = _load_json(body, source=source, url=url, budget=budget)
    if not isinstance(data, list):
        raise ParseError(f"WordPress REST response is a {type(data).__name__}, not a list", source=source, url=url,
                         expected="a JSON list of posts")
    entries = []
    posts, dropped = _first_items(data, budget)
    for post in posts:
        if not isinstance(post, dict):
            continue
        published = None
        if isinstance(post.get("date_gmt"), str):
            published = dates.parse_machine(post["date_gmt"] + ("" if post["date_gmt"].endswith("Z") else "Z"))
        published = published or dates.parse_machine(post.get("date"))
        updated = None
        if isinstance(post.get("modified_gmt"), str):
            updated = dates.parse_machine(post["modified_gmt"] + ("" if post["modified_gmt"].endswith("Z") else "Z"))
        labels = [_str(post.get("type"))]
        for cls in post.get("class_list", []) if isinstance(post.get("class_list"), list) else []:
            if isinstance(cls, str) and "-" in cls and not cls.startswith(("post-", "type-", "status-", "format-", "hentry")):
                labels.append(cls.split("-", 1)[1].replace("-", " "))
        entries.append(Entry(
            title=visible_text(_rendered(post.get("title"))),
            url=_str(post.get("link")),
            published=published,
            updated=updated,
            summary=visible_text(_rendered(post.get("excerpt"))),
            labels=tuple(label for label in labels if label),
            id=str(post["id"]) if isinstance(post.get("id"), int) else None,
            refused_date="" if published else dates.refused(post.get("date_gmt") or post.get("date")),
        ))
    pages = int(total_pages) if isinstance(total_pages, str) and total_pages.isdigit() else None
    return FeedPage(entries=tuple(entries), total_pages=pages, dropped=dropped)


def parse_squarespace(body: bytes, *, source: str, url: str, budget: Budget = UNBOUNDED_TIME) -> FeedPage:
    """A Squarespace collection as `?format=json`: `items` and `pagination.nextPageOffset`."""
    data = _load_json(body, source=source, url=url, budget=budget)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError("Squarespace JSON without an items list", source=source, url=url,
                         expected="a collection document with 'items' (?format=json)")
    entries = []
    items, dropped = _first_items(data["items"], budget)
    for item in items:
        if not isinstance(item, dict):
            continue
        path = _str(item.get("fullUrl"))
        labels = [c for key in ("categories", "tags") if isinstance(item.get(key), list) for c in item[key] if isinstance(c, str)]
        published = dates.from_epoch_ms(item.get("publishOn"))
        entries.append(Entry(
            title=" ".join(_str(item.get("title")).split()),
            url=_join(url, path),
            published=published,
            updated=dates.from_epoch_ms(item.get("updatedOn")),
            summary=visible_text(item.get("excerpt")),
            labels=tuple(labels),
            id=_str(item.get("id")) or None,
            refused_date="" if published else dates.refused(item.get("publishOn")),
        ))
    pagination = data["pagination"] if isinstance(data.get("pagination"), dict) else {}
    offset = pagination.get("nextPageOffset") if pagination.get("nextPage") else None
    next_offset = str(offset) if isinstance(offset, (int, str)) and not isinstance(offset, bool) and str(offset).isdigit() else None
    return FeedPage(entries=tuple(entries), next_offset=next_offset, dropped=dropped)


def discover_feeds(html: bytes | str | Tag, *, page_url: str, budget: Budget = UNBOUNDED_TIME) -> tuple[str, ...]:
    """The feed URLs a page (markup, or its soup) advertises with `<link rel="alternate" type="application/rss+xml|atom+xml">`."""
    found: list[str] = []
    if not isinstance(html, Tag):
        try:
            check_size(html, budget, source="", url=page_url, what="page")
        except ParseError:
            return ()  # a page too large to read advertises nothing msbrief reads
        html = soup(html)
    for link in html.find_all("link"):
        rel: Any = link.get("rel") or []
        rels = [r.lower() for r in (rel if isinstance(rel, list) else str(rel).split())]
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        href = link.get("href")
        if "alternate" in rels and kind in FEED_TYPES and isinstance(href, str) and href.strip():
            absolute = _join(page_url, href.strip())
            if absolute and absolute not in found:
                found.append(absolute)
    return tuple(found)


def _join(base: str, href: Any) -> str:
    """`href` made absolute against `base`; "" when either is unusable."""
    if not isinstance(href, str) or not href.strip():
        return ""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


def _rendered(value: Any) -> str:
    if isinstance(value, dict):
        return _str(value.get("rendered"))
    return _str(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
