"""The index page (var/public/index.html): feeds to subscribe to, NRM figures and chart, guidance
changes, the latest items, past briefings.

One self-contained HTML file: CSS inline, the chart as HTML, no scripts and no external
resources. Jinja2 autoescapes everything; source text is reduced to plain text first.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feeds.changes import ChangeEntry, change_line
from feeds.charts import chart_view, quarterly
from feeds.nrm_summary import headline_figures, stale_note, summarise_release
from feeds.opendata import PACKAGE
from feeds.render import environment
from feeds.sanitise import safe_url
from feeds.syndication import newest_first
from store.read import FeedItem, ReleaseView, SeriesPoint

ITEMS_PER_SOURCE = 5
GUIDANCE_CHANGES_SHOWN = 8


@dataclass(frozen=True)
class FeedLink:
    """A feed as the page lists it: what it is and where its RSS and Atom files are."""

    title: str
    description: str
    rss: str  # relative to the site root
    atom: str
    site_url: str
    json: str = ""  # the JSON Feed, relative to the site root

    @property
    def rss_url(self) -> str:
        return self.site_url + self.rss

    @property
    def atom_url(self) -> str:
        return self.site_url + self.atom

    @property
    def json_url(self) -> str:
        return self.site_url + self.json if self.json else ""

    def alternates(self) -> list[tuple[str, str, str]]:
        """(media type, title, absolute URL) of every format of the feed."""
        found = [("application/rss+xml", f"{self.title} (RSS)", self.rss_url),
                 ("application/atom+xml", f"{self.title} (Atom)", self.atom_url)]
        if self.json:
            found.append(("application/feed+json", f"{self.title} (JSON Feed)", self.json_url))
        return found


def with_alternates(page: bytes, feeds: Sequence[FeedLink]) -> bytes:
    """`page` (an HTML page of ours) with a <link rel="alternate"> to every format of `feeds` in its head,
    so a reader pointed at the page finds its feeds."""
    links = "".join(f'<link rel="alternate" type="{kind}" title="{html.escape(title)}" href="{html.escape(url)}">\n'
                    for feed in feeds for kind, title, url in feed.alternates())
    head, found, rest = page.decode("utf-8").partition("</head>")
    return (head + links + found + rest).encode("utf-8") if found else page


@dataclass(frozen=True)
class DataLink:
    """A release's page of figures and data tables."""

    period: str
    path: str  # relative to the site root


@dataclass(frozen=True)
class BriefingLink:
    """A past briefing's page in the archive."""

    week: str
    title: str
    path: str  # relative to the site root
    complete: bool  # False for the week in progress


def render_index(
    *,
    feeds: Sequence[FeedLink],
    sources: Sequence[tuple[str, str, Sequence[FeedItem]]],
    release: ReleaseView | None,
    newest_release: ReleaseView | None = None,
    referrals: Sequence[SeriesPoint],
    guidance: Sequence[ChangeEntry] = (),
    briefings: Sequence[BriefingLink] = (),
    site_url: str,
    data_releases: Sequence[DataLink] = (),
    attributions: Sequence[str] = (),
    notes: Mapping[str, str] | None = None,
) -> bytes:
    """index.html as UTF-8 bytes. `sources` is (name, title, items) per source; `guidance` the
    guidance documents' changes (feeds.changes), newest first; `briefings` the archive, newest first;
    `attributions` what the sources' licences ask to be said; `notes` what readers are told about a source."""
    points = quarterly(referrals)
    latest = [(name, title, newest_first(items)[:ITEMS_PER_SOURCE]) for name, title, items in sources]
    everything = [i for _, _, items in sources for i in items if not i.archive]
    newest = max((i.last_changed for i in everything), default=None)
    page = environment().get_template("index.html.j2").render(
        feeds=feeds,
        sources=latest,
        release=release,
        release_url=(safe_url(release.page_url) if release else None),
        stale=stale_note(newest_release, release),
        headlines=headline_figures(release) if release else [],
        summary=summarise_release(release).split("\n\n") if release else [],
        chart=chart_view(points),
        points=points,
        guidance=list(guidance)[:GUIDANCE_CHANGES_SHOWN],
        briefings=briefings,
        data_releases=data_releases,
        release_page=next((d.path for d in data_releases if release and d.period == release.period), None),
        package=PACKAGE,
        change_line=change_line,
        newest=newest,
        site_url=site_url,
        attributions=attributions,
        notes=notes or {},
    )
    return page.encode("utf-8")
