"""Turn HTML (pages or fragments) into a soup or into plain one-line text, quietly."""

from __future__ import annotations

import warnings
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

from vocabulary.text import LONE_SURROGATES, clip, one_line


def soup(markup: Any) -> BeautifulSoup:
    """A lenient lxml soup of `markup` (str or bytes); never warns about odd-looking input."""
    if isinstance(markup, str):
        markup = LONE_SURROGATES.sub("\ufffd", markup)  # lxml cannot take one (JSON may carry "\ud800")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup if isinstance(markup, (str, bytes)) else "", "lxml")


SUMMARY_CHARS = 600  # a listing's or a page's summary: about three sentences


# A fragment's first characters hold its first `limit` visible ones; the rest is never parsed (a
# summary of a million escaped tags would otherwise be a million-element tree).
MARKUP_PER_TEXT = 100


def visible_text(markup: Any, *, limit: int = SUMMARY_CHARS) -> str:
    """The visible text of an HTML fragment on one line, cut at a word boundary near `limit`."""
    if not isinstance(markup, (str, bytes)) or not markup:
        return ""
    markup = markup[: limit * MARKUP_PER_TEXT]
    return clip(one_line(soup(markup).get_text(" ", strip=True)), limit)
