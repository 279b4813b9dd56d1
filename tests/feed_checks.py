"""Checks the feed and page tests share: feed validity rules, and "is this HTML inert?".

`feed_problems` is a small validator for what feed readers rely on (the W3C validator's core
rules): well-formed XML, required elements, RFC 822 dates in RSS and RFC 3339 dates in Atom,
unique ids, a self link. It returns the problems it found, so a test can also show it fails.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as ET
import feedparser

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT)$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^(urn:uuid:[0-9a-f-]{36}|tag:[^\s]+|https?://[^\s]+)$")


def _text(parent: Element, tag: str) -> str | None:
    el = parent.find(tag)
    return el.text if el is not None else None


def _self_link_problems(parent: Element, self_url: str | None) -> list[str]:
    """An atom:link rel=self (in RSS too), pointing where the feed says it lives."""
    selfs = [link.get("href") for link in parent.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if not selfs:
        return ["no atom:link rel=self"]
    if self_url and selfs != [self_url]:
        return [f"self link {selfs!r}, expected {self_url!r}"]
    return []


def _rss_problems(root: Element, self_url: str | None) -> list[str]:
    problems = []
    if root.get("version") != "2.0":
        problems.append(f"rss version {root.get('version')!r}, expected '2.0'")
    channel = root.find("channel")
    if channel is None:
        return problems + ["no <channel>"]
    for tag in ("title", "link", "description"):
        if not _text(channel, tag):
            problems.append(f"channel has no <{tag}>")
    for tag in ("lastBuildDate", "pubDate"):
        value = _text(channel, tag)
        if value is not None and not RFC822.match(value):
            problems.append(f"channel <{tag}> {value!r} is not an RFC 822 date")
    problems += _self_link_problems(channel, self_url)
    guids = []
    for n, item in enumerate(channel.findall("item")):
        if not (_text(item, "title") or _text(item, "description")):
            problems.append(f"item {n} has neither title nor description")
        guid = item.find("guid")
        if guid is None or not guid.text:
            problems.append(f"item {n} has no guid")
        else:
            guids.append(guid.text)
            if guid.get("isPermaLink") != "false" or not URI.match(guid.text):
                problems.append(f"item {n} guid {guid.text!r} isPermaLink={guid.get('isPermaLink')!r}")
        pub = _text(item, "pubDate")
        if pub is None and UNDATED in (_text(item, "description") or ""):
            pass  # the source gives no date: a first-seen time is never passed off as one
        elif pub is None or not RFC822.match(pub):
            problems.append(f"item {n} pubDate {pub!r} is not an RFC 822 date")
        else:
            parsedate_to_datetime(pub)
        updated = _text(item, f"{ATOM}updated")
        if updated is not None and not RFC3339.match(updated):
            problems.append(f"item {n} atom:updated {updated!r} is not RFC 3339")
        link = _text(item, "link")
        if not link or not link.startswith(("http://", "https://")):
            problems.append(f"item {n} link {link!r} is not an absolute http(s) URL")
        author = _text(item, "author")
        if author is not None and "@" not in author:
            problems.append(f"item {n} <author> {author!r} is not an email address")
    if len(guids) != len(set(guids)):
        problems.append("duplicate guids")
    return problems


def _atom_problems(root: Element, self_url: str | None) -> list[str]:
    problems = []
    for tag in ("id", "title", "updated"):
        if not _text(root, f"{ATOM}{tag}"):
            problems.append(f"feed has no <{tag}>")
    updated = _text(root, f"{ATOM}updated")
    if updated and not RFC3339.match(updated):
        problems.append(f"feed updated {updated!r} is not RFC 3339")
    problems += _self_link_problems(root, self_url)
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for n, entry in enumerate(root.findall(f"{ATOM}entry")):
        entry_id = _text(entry, f"{ATOM}id")
        if not entry_id or not URI.match(entry_id):
            problems.append(f"entry {n} id {entry_id!r} is not a URI")
        ids.append(entry_id)
        if not _text(entry, f"{ATOM}title"):
            problems.append(f"entry {n} has no title")
        for tag in ("updated", "published"):
            value = _text(entry, f"{ATOM}{tag}")
            if (tag == "updated" or value is not None) and (value is None or not RFC3339.match(value)):
                problems.append(f"entry {n} <{tag}> {value!r} is not RFC 3339")
        links = entry.findall(f"{ATOM}link")
        if entry.find(f"{ATOM}content") is None and not any(l.get("rel", "alternate") == "alternate" for l in links):
            problems.append(f"entry {n} has neither content nor an alternate link")
        if not feed_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            problems.append(f"entry {n} has no author (and the feed has none)")
    if len(ids) != len(set(ids)):
        problems.append("duplicate entry ids")
    return problems


def feed_problems(data: bytes, *, self_url: str | None = None) -> list[str]:
    """Everything wrong with feed `data` (RSS 2.0 or Atom 1.0); empty when it is valid."""
    parsed = feedparser.parse(data)
    problems = [f"feedparser: {parsed.get('bozo_exception')!r}"] if parsed.bozo else []
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return problems + [f"not well-formed XML: {exc}"]
    if root.tag == "rss":
        return problems + _rss_problems(root, self_url)
    if root.tag == f"{ATOM}feed":
        return problems + _atom_problems(root, self_url)
    return problems + [f"root element {root.tag!r} is neither rss nor atom:feed"]


FRAGMENT_FORBIDDEN = ("script", "style", "iframe", "object", "embed", "img", "form", "base", "meta", "link")
PAGE_FORBIDDEN = ("script", "iframe", "object", "embed", "img", "form", "base")


class _Inspector(HTMLParser):
    def __init__(self, forbidden: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.forbidden = forbidden
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.forbidden:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in ("href", "src", "action", "xlink:href") and value and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                self.problems.append(f"{name}={value!r} on <{tag}>")


UNDATED = "The source gives no date for this item"


def active_html(fragment: str, *, page: bool = False) -> list[str]:
    """What in HTML could run or load something: scripts, handlers, javascript: URLs, embeds.
    A fragment from a source may not carry style/meta/link either; a whole page (`page`) may."""
    inspector = _Inspector(PAGE_FORBIDDEN if page else FRAGMENT_FORBIDDEN)
    inspector.feed(fragment)
    inspector.close()
    return inspector.problems
