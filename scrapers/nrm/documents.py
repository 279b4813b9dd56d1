"""The document readers: plain text, an HTML page or fragment, a GOV.UK Content API JSON document.

Each turns its input into the same `Doc`: a title, a list of blocks (headings, paragraphs,
bullets) as plain text, and the dates the Content API envelope gives. Nothing here knows what
a figure is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from scrapers.errors import ParseError
from vocabulary.calendar import LONDON, long_date
from vocabulary.text import LONE_SURROGATES


@dataclass
class Block:
    """One paragraph, heading or bullet of the document, as plain text."""

    text: str
    kind: str  # "heading" | "para" | "bullet"


@dataclass
class Doc:
    """A bulletin as blocks of plain text, whatever its rendering."""

    title: str = ""
    blocks: list[Block] = field(default_factory=list)
    meta_dates: list[tuple[str, str, date]] = field(default_factory=list)  # (metric, evidence, date)


def clean(text: str) -> str:
    """Collapse whitespace (incl. non-breaking and zero-width spaces) to single spaces."""
    return re.sub(r"[\s\u00a0\u200b]+", " ", text).strip()


def decode(document: str | bytes) -> str:
    """The document as text (UTF-8, without a byte order mark)."""
    if isinstance(document, bytes):
        return document.decode("utf-8", errors="replace").lstrip("\ufeff")
    if isinstance(document, str):
        return document.lstrip("\ufeff")
    raise ParseError(f"cannot read a document of type {type(document).__name__!r}", expected="str or bytes")


def looks_like_html(text: str) -> bool:
    """True when the text has block-level HTML tags."""
    return re.search(r"<(?:html|body|div|p|ul|ol|li|h[1-6]|main|section|span)\b[^>]*>", text, re.I) is not None


def read_document(text: str) -> Doc:
    """Split the document into blocks, whatever its rendering."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return read_content_item(data)
    if looks_like_html(text):
        return read_html(text)
    return read_text(text)


_BULLET = re.compile(r"^\s*(?:[•\u2022\u25cf\u25aa\u2023\u2043*·]|[-\u2013\u2014](?=\s))\s*")


def read_text(text: str) -> Doc:
    """Plain text: one block a line; lines starting with a bullet mark are bullets."""
    doc = Doc()
    for line in text.splitlines():
        if not line.strip():
            continue
        if _BULLET.match(line):
            doc.blocks.append(Block(clean(_BULLET.sub("", line, count=1)), "bullet"))
        else:
            doc.blocks.append(Block(clean(line), "para"))
    return doc


_HTML_BLOCKS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "td", "th", "caption",
                          "figcaption"))
_FOOTNOTE_MARK = re.compile(r"\bgovuk-footnote\b|\bfootnote-ref\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def read_html(text: str) -> Doc:
    """An HTML page or fragment: the h1 (else <title>) and every innermost block element.

    One pass over the tree with lxml (linear in the page's size: a 5 MB page of bullets costs
    seconds, not minutes); footnote markers are removed first, so that a "1" glued to a number
    never changes it.
    """
    from lxml import etree
    from lxml import html as lxml_html  # imported here: plain-text callers need no HTML parser

    markup = _CONTROL.sub(" ", LONE_SURROGATES.sub("\ufffd", text))
    try:
        root = lxml_html.document_fromstring(markup, parser=lxml_html.HTMLParser(huge_tree=False, recover=True))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"unreadable HTML ({exc})", expected="an HTML page or fragment") from exc
    for el in list(root.iter("sup", "a", "span")):
        if el.tag == "sup" or _FOOTNOTE_MARK.search(el.get("class") or "") or \
                (el.tag == "a" and (el.get("href") or "").startswith("#fn")):
            _drop(el)
    doc = Doc()
    h1 = next(root.iter("h1"), None)
    title = next(root.iter("title"), None)
    if h1 is not None:
        doc.title = clean(_text(h1, " "))
    elif title is not None:
        doc.title = re.sub(r"\s+-\s+GOV\.UK$", "", clean(_text(title, " ")))
    containers = set()
    for el in root.iter(*_HTML_BLOCKS):
        parent = el.getparent()
        while parent is not None and parent not in containers:
            if parent.tag in _HTML_BLOCKS:
                containers.add(parent)
            parent = parent.getparent()
    for el in root.iter(*_HTML_BLOCKS):
        if el in containers:
            continue  # a container: its inner blocks are read on their own
        words = clean(_text(el))
        if not words:
            continue
        ancestors = list(el.iterancestors())
        if any("footnote" in (a.get("class") or "") for a in ancestors):
            kind = "footnote"
        elif el.tag == "li" or any(a.tag == "li" for a in ancestors):
            kind = "bullet"
        else:
            kind = "heading" if el.tag[0] == "h" and el.tag[1:].isdigit() else "para"
        doc.blocks.append(Block(words, kind))
    return doc


def _text(el: Any, between: str = "") -> str:
    """The text of an element and its descendants."""
    return between.join(str(t) for t in el.itertext())


def _drop(el: Any) -> None:
    """Remove an element and its content, keeping the text that follows it (lxml's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        before = el.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def read_content_item(data: dict[str, Any]) -> Doc:
    """A GOV.UK Content API document: details.body, the title, and the page's date line."""
    details = data.get("details")
    details = details if isinstance(details, dict) else {}
    body = details.get("body")
    if not isinstance(body, str):
        raise ParseError("JSON document without details.body", expected="a GOV.UK Content API document")
    doc = read_html(body) if looks_like_html(body) else read_text(body)
    title = data.get("title")
    doc.title = clean(title) if isinstance(title, str) else doc.title
    doc.meta_dates = _content_item_dates(data, details)
    return doc


def _london_date(stamp: Any) -> date | None:
    if not isinstance(stamp, str):
        return None
    try:
        dt = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(LONDON).date()


def _content_item_dates(data: dict[str, Any], details: dict[str, Any]) -> list[tuple[str, str, date]]:
    """The date line GOV.UK renders for this document ("Published 3 March 2022" / "Updated ...").

    Like GOV.UK's html_publication page: public_timestamp is shown as "Published" on the first
    published version and as "Updated" afterwards; first_published_at, when present, is "Published".
    """
    found: list[tuple[str, str, date]] = []
    first = _london_date(data.get("first_published_at"))
    stamp = _london_date(details.get("public_timestamp") or data.get("public_updated_at"))
    if first:
        found.append(("published_date", f"Published {long_date(first)}", first))
    if stamp:
        is_first = details.get("first_published_version")
        if is_first is True or (is_first is None and first == stamp):
            if not first:
                found.append(("published_date", f"Published {long_date(stamp)}", stamp))
        else:
            found.append(("last_updated_date", f"Updated {long_date(stamp)}", stamp))
    return found
