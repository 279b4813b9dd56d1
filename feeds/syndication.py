"""RSS 2.0 and Atom 1.0 feeds: the only module that uses feedgen.

Feed readers punish unstable ids, missing dates and invalid XML, so:
- an entry's id is derived from the item's key (urn:uuid, uuid5), never from a row id or a date;
- one entry per item: an amended item keeps its id and gets a new updated date and a note;
- a first-seen time is never a publication date: an undated item has no Atom <published>; its
  Atom <updated> and RSS <pubDate> are when msbrief first found it, it carries the category
  "undated" and says so in its summary, and one found in its source's first reading (the archive)
  sorts after every dated entry, so no reader takes the backfill's date for news;
- the same items give the same bytes: entries sorted by (last changed, newest first; key), the
  feed's updated/lastBuildDate is the newest entry's date, a fixed generator string;
- everything a source wrote is reduced to plain text (titles) or allow-listed HTML (summaries).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from feeds.changes import change_line
from feeds.formatting import date_text
from feeds.nrm_summary import summarise_release_html
from feeds.sanitise import clean_html, plain_text, safe_url
from store.read import FeedItem

GENERATOR = "msbrief feeds"
# uuid5 namespace of msbrief's entry and feed ids: changing it would duplicate every entry in every reader.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:msbrief:feeds")
# The updated date of a feed with no entries (Atom requires one; "now" would break repeatability).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedSpec:
    """What a feed is: its file slug, title, description, own URL and the site it belongs to."""

    slug: str
    title: str
    description: str
    self_url: str
    site_url: str
    hub: str = ""  # a WebSub hub's URL (MSBRIEF_WEBSUB_HUB): declared with rel="hub" when set


def entry_id(key: str) -> str:
    """The permanent id of the entry for the item with identity `key`."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'item:' + key)}"


def feed_id(slug: str) -> str:
    """The permanent id of the feed `slug` (independent of where the site is served)."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'feed:' + slug)}"


def newest_first(items: Iterable[FeedItem]) -> list[FeedItem]:
    """One item per key (the latest change wins), newest change first, then key; the archive's
    undated items last (their date is unknown, so they are never "the newest")."""
    by_key: dict[str, FeedItem] = {}
    for item in items:
        seen = by_key.get(item.key)
        if seen is None or (item.last_changed, item.id) > (seen.last_changed, seen.id):
            by_key[item.key] = item
    return sorted(by_key.values(), key=lambda i: (i.archive, -i.last_changed.timestamp(), i.key))


def entry_summary_html(item: FeedItem, *, site_url: str = "") -> str:
    """The entry's summary as safe HTML: the release summary (or the source's; a release with data
    tables links its page on `site_url`), then date and change notes."""
    parts = []
    body = summarise_release_html(item.release, site_url=site_url) if item.release else ""
    parts.append(body or clean_html(item.summary))
    if item.date is None:
        parts.append(f"<p><em>The source gives no date for this item; msbrief first found it on "
                     f"{date_text(item.first_seen)}.</em></p>")
    for change in item.changes[:3]:
        line = html.escape(change_line(change), quote=False)
        parts.append(f"<p><strong>{line[0].upper()}{line[1:]}.</strong></p>")
    return "".join(p for p in parts if p)


FeedFormat = Literal["rss", "atom"]


def render_feed(spec: FeedSpec, items: Sequence[FeedItem], *, fmt: FeedFormat, max_entries: int = 50,
                attributions: Mapping[str, str] | None = None) -> bytes:
    """The feed `spec` as RSS 2.0 or Atom 1.0 bytes (UTF-8), holding the newest `max_entries` items.

    `attributions` (source name -> words) are what a source's licence asks to be said where its items
    are published: the feed's rights (RSS <copyright>) when it has an item of that source, and each
    such Atom entry's <rights>.
    """
    attributions = attributions or {}
    if fmt not in ("rss", "atom"):
        raise ValueError(f"feed format {fmt!r}: expected 'rss' or 'atom'")
    entries = newest_first(items)[: max(max_entries, 0)]
    fg = FeedGenerator()
    fg.register_extension("msbrief", _RssNamespaces, _RssItemExtras, atom=False, rss=True)
    fg.id(feed_id(spec.slug))
    fg.title(spec.title)
    fg.subtitle(spec.description)
    fg.link(href=spec.self_url, rel="self", type="application/atom+xml" if fmt == "atom" else "application/rss+xml")
    if spec.hub:  # WebSub: subscribers learn where to subscribe for pushes (RSS: an atom:link, added below)
        fg.link(href=spec.hub, rel="hub")
        fg.msbrief.hub = spec.hub
    fg.link(href=spec.site_url, rel="alternate", type="text/html")  # the last link is RSS's <link>
    fg.language("en-GB")
    fg.author({"name": "msbrief"})
    fg.generator(GENERATOR)
    rights = sorted({plain_text(attributions[e.source]) for e in entries if attributions.get(e.source)})
    if rights:
        fg.rights(" ".join(rights))
    dated = [e.last_changed for e in entries if not e.archive]
    fg.updated(max(dated) if dated else EMPTY_FEED_UPDATED)
    for item in entries:
        _add_entry(fg, spec, item, rights=plain_text(attributions.get(item.source, "")))
    if fmt == "rss":
        return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _add_entry(fg: FeedGenerator, spec: FeedSpec, item: FeedItem, *, rights: str = "") -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry_id(item.key))  # also the RSS guid, isPermaLink="false"
    fe.title(plain_text(item.title) or "(untitled)")
    fe.link(href=safe_url(item.url) or spec.site_url, rel="alternate", type="text/html")
    if item.date:
        fe.published(item.date)
    else:  # RSS readers sort by pubDate: when msbrief first found it (the category says it is undated)
        fe.msbrief.pub_date = item.first_seen
        fe.category(term="undated", label="the source gives no date", scheme=f"{spec.site_url.rstrip('/')}/#dates")
    fe.updated(item.last_changed)
    fe.msbrief.updated = item.last_changed if item.date or item.changes else None  # RSS: no first-seen dates
    source = plain_text(item.source_title) or item.source
    fe.author({"name": source})
    fe.msbrief.creator = source
    fe.category(term=item.source, label=source, scheme=f"{spec.site_url.rstrip('/')}/#sources")
    for topic in sorted(set(item.topics)):
        fe.category(term=topic, label=topic, scheme=f"{spec.site_url.rstrip('/')}/#topics")
    summary = entry_summary_html(item, site_url=spec.site_url)
    if summary:
        fe.summary(summary, type="html")  # Atom <summary type="html">; RSS <description>
    if rights:
        fe.rights(rights)  # Atom only: RSS has no per-item rights (the channel's <copyright> says it)


class _RssNamespaces(BaseExtension):
    """Declares the Dublin Core namespace in RSS (atom: is declared by feedgen already), and adds the
    WebSub hub's atom:link to the channel (feedgen writes only the self link there)."""

    def __init__(self) -> None:
        self.hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": "http://purl.org/dc/elements/1.1/"}

    def extend_rss(self, feed):
        channel = feed.find("channel")
        if self.hub and channel is not None:
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=self.hub, rel="hub")
        return feed


class _RssItemExtras(BaseEntryExtension):
    """Adds <atom:updated> and <dc:creator> to RSS items (RSS has no updated date, and its
    <author> must be an email address)."""

    def __init__(self) -> None:
        self.updated: datetime | None = None
        self.creator: str | None = None
        self.pub_date: datetime | None = None  # an undated item's <pubDate>: when msbrief first found it

    def extend_rss(self, entry):
        if self.pub_date and entry.find("pubDate") is None:
            xml_elem("pubDate", entry).text = format_datetime(self.pub_date.astimezone(UTC))
        if self.creator:
            xml_elem("{http://purl.org/dc/elements/1.1/}creator", entry).text = self.creator
        if self.updated:
            xml_elem(f"{{{ATOM_NS}}}updated", entry).text = self.updated.isoformat()
        return entry


_READER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def entry_count(data: bytes) -> int:
    """How many entries (RSS items, Atom entries) a feed file has; 0 when it is not a feed."""
    try:
        root = etree.fromstring(data, _READER)
    except (etree.XMLSyntaxError, ValueError):
        return 0
    return sum(1 for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname in ("item", "entry"))
