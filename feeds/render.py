"""The one Jinja2 environment of feeds/templates: HTML templates autoescaped, text ones not."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from feeds.formatting import date_text, number, release_period_label
from feeds.sanitise import plain_text, safe_url


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Autoescaped for *.html.j2, strict about missing names, with the readers' formatters as filters."""
    env = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(date=date_text, number=number, text=plain_text, url=safe_url, period=release_period_label)
    return env
