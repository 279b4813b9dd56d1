"""Make text from a source safe to put in HTML: an allow-list for markup, plain text for titles.

Everything a source wrote passes through here before it reaches a feed, the index page or the
email. `clean_html` keeps a small set of harmless tags (no script, style, iframe, img, forms),
drops every event handler and style attribute, and keeps only http(s)/mailto links.
`plain_text` strips all markup for places that show text only (titles, plain-text email).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

from vocabulary.text import XML_INVALID_CHARS

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h3", "h4", "h5", "h6",
    "i", "li", "ol", "p", "pre", "q", "small", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_SPACE = re.compile(r"\s+")


def clean_html(fragment: str) -> str:
    """An HTML fragment reduced to the allow-list: inert whatever the source sent."""
    return nh3.clean(
        XML_INVALID_CHARS.sub("", fragment or ""),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Entity decodings before a text is taken as it is: each changes the text (a decoded entity is
# shorter), so a real text settles in one or two, and hostile nesting costs at most this many passes.
MAX_UNESCAPES = 32


def fully_unescaped(text: str) -> str:
    """`text` with entities decoded until nothing changes ("&amp;amp;lt;b&amp;amp;gt;" -> "<b>"), at
    most MAX_UNESCAPES times; entities still left then lose their "&" (never decoded later)."""
    for _ in range(MAX_UNESCAPES):
        decoded = html.unescape(text)
        if decoded == text:
            return text
        text = decoded
    return text.replace("&", "")


def plain_text(markup: str) -> str:
    """The visible text of `markup` on one line: entities decoded until nothing changes, then every tag
    (and script/style content) removed. However deeply the source encoded markup, none is left."""
    text = fully_unescaped(XML_INVALID_CHARS.sub("", markup or ""))
    # nh3 returns text with "<" and "&" escaped: decoding once gives the text back, tags gone.
    text = html.unescape(nh3.clean(text, tags=set(), attributes={}))
    return _SPACE.sub(" ", XML_INVALID_CHARS.sub("", text)).strip()


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with no whitespace inside and no user information
    (`https://www.sentencingcouncil.org.uk@evil.example/` leads to evil.example), else None (never
    a javascript: or data: link)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and "@" not in parts.netloc \
            and not XML_INVALID_CHARS.search(url) and not any(c.isspace() for c in url):
        return url
    return None
