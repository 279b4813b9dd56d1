"""The index page (var/public/index.html): feeds to subscribe to, latest items, NRM figures, chart.

One self-contained HTML file: CSS inline, the chart as inline SVG, no scripts and no external
resources. Jinja2 autoescapes everything; source text is reduced to plain text first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from feeds.charts import quarterly, referrals_chart
from feeds.formatting import london_date, number, release_period_label
from feeds.nrm_summary import headline_figures, summarise_release
from feeds.sanitise import plain_text, safe_url
from feeds.syndication import newest_first
from store.read import FeedItem, ReleaseView, SeriesPoint

ITEMS_PER_SOURCE = 5


@dataclass(frozen=True)
class FeedLink:
    """A feed as the page lists it: what it is and where its RSS and Atom files are."""

    title: str
    description: str
    rss: str  # relative to the site root
    atom: str
    site_url: str

    @property
    def rss_url(self) -> str:
        return self.site_url + self.rss

    @property
    def atom_url(self) -> str:
        return self.site_url + self.atom


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for feeds/templates: autoescaped, strict about missing names."""
    env = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(date=london_date, number=number, text=plain_text, url=safe_url,
                       period=release_period_label)
    return env


def inline_svg(svg: bytes, *, label: str) -> Markup:
    """Matplotlib's SVG document as an element to embed: prolog dropped, labelled for screen readers."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    text = re.sub(r"<svg\b", f'<svg role="img" aria-label="{label}" class="chart"', text, count=1)
    return Markup(text)  # our own drawing: numbers and period labels only, nothing from a source


def chart_description(points: Sequence[SeriesPoint]) -> str:
    """A sentence describing the chart for screen readers."""
    if not points:
        return "No quarterly referral figures yet."
    first, last = points[0], points[-1]
    return (f"Bar chart of potential victims referred to the NRM each quarter, from "
            f"{release_period_label(first.period)} to {release_period_label(last.period)}. "
            f"Latest quarter, {release_period_label(last.period)}: {number(last.value)}.")


def render_index(
    *,
    feeds: Sequence[FeedLink],
    sources: Sequence[tuple[str, str, Sequence[FeedItem]]],
    release: ReleaseView | None,
    referrals: Sequence[SeriesPoint],
    site_url: str,
) -> bytes:
    """index.html as UTF-8 bytes. `sources` is (name, title, items) per source."""
    points = quarterly(referrals)
    latest = [(name, title, newest_first(items)[:ITEMS_PER_SOURCE]) for name, title, items in sources]
    everything = [i for _, _, items in sources for i in items]
    newest = max((i.last_changed for i in everything), default=None)
    page = environment().get_template("index.html.j2").render(
        feeds=feeds,
        sources=latest,
        release=release,
        release_url=(safe_url(release.page_url) if release else None),
        headlines=headline_figures(release) if release else [],
        summary=summarise_release(release).split("\n\n") if release else [],
        chart=inline_svg(referrals_chart(points, fmt="svg"), label=chart_description(points)) if points else None,
        points=points,
        newest=newest,
        site_url=site_url,
    )
    return page.encode("utf-8")
