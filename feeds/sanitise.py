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


def plain_text(markup: str) -> str:
    """The visible text of `markup` on one line: tags (and script/style content) removed, entities decoded."""
    text = XML_INVALID_CHARS.sub("", markup or "")
    # Decoding entities can reveal markup ("&lt;script&gt;"): strip again until nothing changes.
    for _ in range(3):
        decoded = html.unescape(nh3.clean(text, tags=set(), attributes={}))
        if decoded == text:
            break
        text = XML_INVALID_CHARS.sub("", decoded)
    return _SPACE.sub(" ", text).strip()


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with no whitespace inside, else None (never a
    javascript: or data: link)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not XML_INVALID_CHARS.search(url) \
            and not any(c.isspace() for c in url):
        return url
    return None
