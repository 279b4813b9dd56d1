"""Turn HTML (pages or fragments) into a soup or into plain one-line text, quietly."""

from __future__ import annotations

import re
import warnings
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning


# A lone surrogate (JSON may carry "\ud800") cannot be encoded, so lxml cannot take it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def soup(markup: Any) -> BeautifulSoup:
    """A lenient lxml soup of `markup` (str or bytes); never warns about odd-looking input."""
    if isinstance(markup, str):
        markup = _LONE_SURROGATE.sub("\ufffd", markup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup if isinstance(markup, (str, bytes)) else "", "lxml")


def plain_text(markup: Any, *, limit: int = 600) -> str:
    """The visible text of an HTML fragment on one line, cut at a word boundary near `limit`."""
    if not isinstance(markup, (str, bytes)) or not markup:
        return ""
    text = " ".join(soup(markup).get_text(" ", strip=True).split())
    return clip(text, limit=limit)


def clip(text: str, *, limit: int = 600) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
