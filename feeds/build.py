"""Everything under var/public from one snapshot of the store: feeds, index page, chart.

The flows layer queries the store into `SiteData`; `build_site` turns it into
{relative path: bytes}; `feeds.publish.write_site` puts those on disk. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from feeds.briefing import BriefingData, briefing_subject, render_briefing
from feeds.briefing_sections import quiet_words
from feeds.changes import change_entries, changes_of
from feeds.opendata import open_data_files, release_page_path
from feeds.release_page import release_pages
from feeds.site import BriefingLink, DataLink, FeedLink, render_index
from feeds.syndication import FeedFormat, FeedSpec, render_feed
from store.read import FeedItem, ReleaseTables, ReleaseView, SeriesPoint
from vocabulary.weeks import week_bounds

TOPIC = "modern slavery"
FORMATS: tuple[FeedFormat, ...] = ("rss", "atom")


@dataclass(frozen=True)
class SiteData:
    """What the site shows, as the flows layer read it from the store."""

    items: Sequence[FeedItem]  # every item
    by_source: Mapping[str, Sequence[FeedItem]]  # source name -> its items
    statistics: Sequence[FeedItem]  # items of kind "statistics"
    topic: Sequence[FeedItem]  # items tagged with TOPIC
    latest_release: ReleaseView | None  # the latest with figures: the headline
    referrals: Sequence[SeriesPoint]  # total_referrals by period
    source_titles: Mapping[str, str] = field(default_factory=dict)  # name -> title, also for sources with no items
    newest_release: ReleaseView | None = None  # the latest, with or without figures
    guidance: Sequence[FeedItem] = ()  # the guidance source's documents (their changes make the guidance feed)
    briefings: Sequence[tuple[str, BriefingData, bool]] = ()  # (week, its data, complete) for the archive, oldest first
    table_releases: Sequence[ReleaseTables] = ()  # releases with data tables: their pages and the open data
    attributions: Mapping[str, str] = field(default_factory=dict)  # source name -> what its licence asks to be said
    source_notes: Mapping[str, str] = field(default_factory=dict)  # source name -> what readers are told about it


def feed_path(slug: str, fmt: str) -> str:
    """Where feed `slug` in format `fmt` lives under the public directory."""
    return f"feeds/{slug}.{fmt}.xml"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")


def _source_title(data: SiteData, name: str) -> str:
    if data.source_titles.get(name):
        return data.source_titles[name]
    return next((i.source_title for i in data.by_source.get(name, ()) if i.source_title), name)


@dataclass(frozen=True)
class FeedDef:
    """One feed the site publishes (in every format): its slug, what it is, and its items."""

    slug: str
    title: str
    description: str
    items: Sequence[FeedItem]


def briefing_path(week: str) -> str:
    """Where the archive page of `week`'s briefing lives under the public directory."""
    return f"briefings/{week}.html"


def _briefing_entries(data: SiteData, site_url: str) -> list[FeedItem]:
    """One feed entry per week of the archive: a complete week dated the Monday after it, the week in
    progress dated its Monday (the same store gives the same bytes); the summary as true as the page."""
    entries = []
    for week, briefing, complete in data.briefings:
        news = briefing.news
        start, end = week_bounds(week, briefing.timezone)
        said = (f"{len(news)} new or changed publication{'s' if len(news) != 1 else ''} from the sources" if news
                else quiet_words(briefing)[0])
        summary = f"{said}." if complete else f"This week so far: {said[0].lower()}{said[1:]}."
        when = end if complete else start
        entries.append(FeedItem(
            id=0, key=f"briefing:{week}", source="msbrief", source_title="msbrief", url=site_url + briefing_path(week),
            title=briefing_subject(week), kind="briefing", summary=summary, topics=(), published=when, updated=None,
            date_estimated=False, first_seen=when, amended_at=None,
        ))
    return entries


def _source_names(data: SiteData) -> list[str]:
    return sorted(set(data.by_source) | set(data.source_titles))


def feed_catalogue(data: SiteData, site_url: str = "") -> list[FeedDef]:
    """Every feed the site publishes: all, statistics, the topic, guidance changes, past briefings,
    then each source by name."""
    names = _source_names(data)
    titles = [_source_title(data, n) for n in names]
    if len(titles) > 1:
        everywhere = f" from {', '.join(titles[:-1])} and {titles[-1]}"
    else:
        everywhere = f" from {titles[0]}" if titles else ""
    catalogue = [
        FeedDef("all", "msbrief: UK modern slavery and trafficking, all sources",
                f"Everything msbrief collects{everywhere}: news, reports, guidelines and statistics, newest first.",
                data.items),
        FeedDef("statistics", "msbrief: NRM and Duty to Notify statistics",
                "Home Office statistics on modern slavery (National Referral Mechanism and Duty to Notify), "
                "each release summarised from its key figures.",
                data.statistics),
        FeedDef(f"topic-{_slug(TOPIC)}", f"msbrief: topic \u201c{TOPIC}\u201d",
                f"Items from every source tagged \u201c{TOPIC}\u201d, newest first.", data.topic),
        FeedDef("guidance", "msbrief: modern slavery guidance and policy changes",
                "Each new GOV.UK guidance or policy document, and each change to one, in GOV.UK's own words.",
                change_entries(data.guidance)),
        FeedDef("briefings", "msbrief: weekly briefings",
                "The weekly modern slavery briefing, one entry per week, linked to its page in the archive.",
                _briefing_entries(data, site_url)),
    ]
    catalogue += [
        FeedDef(f"source-{_slug(name)}", f"msbrief: {title}",
                f"New and updated items from {title}, newest first." + (
                    f" {data.source_notes[name]}" if data.source_notes.get(name) else ""),
                data.by_source.get(name, ()))
        for name, title in zip(names, titles, strict=True)
    ]
    return catalogue


def build_site(data: SiteData, *, site_url: str, max_entries: int) -> dict[str, bytes]:
    """Every public file: each feed in RSS and Atom, the open data and release pages, and index.html.
    Same data, same bytes."""
    site_url = site_url.rstrip("/") + "/"
    files: dict[str, bytes] = {}
    links: list[FeedLink] = []
    for feed in feed_catalogue(data, site_url):
        paths = {fmt: feed_path(feed.slug, fmt) for fmt in FORMATS}
        for fmt in FORMATS:
            path = paths[fmt]
            spec = FeedSpec(feed.slug, feed.title, feed.description, f"{site_url}{path}", site_url)
            files[path] = render_feed(spec, feed.items, fmt=fmt, max_entries=max_entries,
                                      attributions=data.attributions)
        links.append(FeedLink(feed.title, feed.description, rss=paths["rss"], atom=paths["atom"], site_url=site_url))
    sources = [(name, _source_title(data, name), data.by_source.get(name, ())) for name in _source_names(data)]
    archive = []
    for week, briefing, complete in data.briefings:
        files[briefing_path(week)] = render_briefing(briefing, week=week, unsubscribe=None, chart=False).html.encode()
        archive.append(BriefingLink(week, briefing_subject(week), briefing_path(week), complete))
    if data.table_releases:  # the NRM data tables: open data files and a page per release
        files.update(open_data_files(data.table_releases, site_url=site_url))
        files.update(release_pages(data.table_releases, site_url=site_url))
    files["index.html"] = render_index(
        feeds=links, sources=sources, release=data.latest_release, newest_release=data.newest_release,
        referrals=data.referrals, guidance=changes_of(data.guidance), briefings=archive[::-1], site_url=site_url,
        data_releases=[DataLink(r.release.period, release_page_path(r.release.period)) for r in data.table_releases][::-1],
        attributions=sorted(set(data.attributions.values())), notes=data.source_notes,
    )
    return files
