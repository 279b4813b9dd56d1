"""Everything under var/public from one snapshot of the store: feeds, index page, chart.

The flows layer queries the store into `SiteData`; `build_site` turns it into
{relative path: bytes}; `feeds.publish.write_site` puts those on disk. No I/O here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from feeds.briefing import BriefingData, briefing_subject, render_briefing
from feeds.briefing_sections import quiet_words
from feeds.calendar import calendar_entries
from feeds.changes import amendment_entries, change_entries, changes_of
from feeds.jsonfeed import render_json_feed
from feeds.opendata import open_data_files, release_page_path
from feeds.release_page import release_pages
from feeds.site import BriefingLink, DataLink, FeedLink, render_index, with_alternates
from feeds.syndication import FeedFormat, FeedSpec, newest_first, render_feed
from store.read import FeedItem, ReleaseTables, ReleaseView, SeriesPoint, UpcomingRelease
from vocabulary.calendar import LONDON_TZ_NAME
from vocabulary.weeks import week_bounds

TOPIC = "modern slavery"
STATISTICS_SOURCE = "govuk_nrm"  # the source whose release calendar the statistics feed follows
XML_FORMATS: tuple[FeedFormat, ...] = ("rss", "atom")
FORMATS: tuple[str, ...] = (*XML_FORMATS, "json")  # json: JSON Feed 1.1 (feeds/jsonfeed.py)


@dataclass(frozen=True)
class ArchiveWeek:
    """A week of the briefing archive as the site lists it (its page and its briefings-feed entry)."""

    week: str
    complete: bool  # False for the week in progress
    news: int  # new or changed publications that week
    said: str  # what the week's briefing says of it in one line: its news, or why it is quiet


def week_said(briefing: BriefingData) -> str:
    """A week's briefing in one line, as true as its page: how many publications, or why none."""
    news = len(briefing.news)
    return (f"{news} new or changed publication{'s' if news != 1 else ''} from the sources" if news
            else quiet_words(briefing)[0])


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
    # Every week of the archive when `briefings` holds only the weeks being rebuilt (default: `briefings`'s)
    archive: Sequence[ArchiveWeek] = ()
    timezone: str = LONDON_TZ_NAME
    data_periods: Sequence[str] | None = None  # periods with release pages when `table_releases` is not loaded
    calendar: Sequence[UpcomingRelease] = ()  # releases confirmed, moved or cancelled (statistics feed entries)

    def archive_list(self) -> list[ArchiveWeek]:
        """Every week of the briefing archive, oldest first."""
        if self.archive:
            return list(self.archive)
        return [ArchiveWeek(week, complete, len(b.news), week_said(b)) for week, b, complete in self.briefings]

    def release_periods(self) -> list[str]:
        """The periods that have a release page, oldest first."""
        if self.data_periods is not None:
            return list(self.data_periods)
        return [r.release.period for r in self.table_releases]


def feed_path(slug: str, fmt: str) -> str:
    """Where feed `slug` in format `fmt` lives under the public directory (JSON Feed: `<slug>.feed.json`)."""
    return f"feeds/{slug}.feed.json" if fmt == "json" else f"feeds/{slug}.{fmt}.xml"


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
    for archived in data.archive_list():
        week, said = archived.week, archived.said
        start, end = week_bounds(week, data.timezone)
        summary = f"{said}." if archived.complete else f"This week so far: {said[0].lower()}{said[1:]}."
        when = end if archived.complete else start
        entries.append(FeedItem(
            id=0, key=f"briefing:{week}", source="msbrief", source_title="msbrief", url=site_url + briefing_path(week),
            title=briefing_subject(week), kind="briefing", summary=summary, topics=(), published=when, updated=None,
            date_estimated=False, first_seen=when, amended_at=None,
        ))
    return entries


def _statistics_entries(data: SiteData) -> list[FeedItem]:
    """The releases, their amendments after publication, and the calendar's events."""
    source = STATISTICS_SOURCE
    return [*data.statistics, *amendment_entries(data.statistics),
            *calendar_entries(data.calendar, source=source, source_title=_source_title(data, source),
                              tz=data.timezone)]


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
                "each release summarised from its key figures; each release date confirmed, moved or cancelled "
                "on GOV.UK's calendar, and each bulletin edited after publication.",
                _statistics_entries(data)),
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


@dataclass(frozen=True)
class FeedOutput:
    """One feed as this build would publish it: what it is, its newest entries, and a digest of them."""

    feed: FeedDef
    entries: Sequence[FeedItem]
    digest: str  # moves whenever any of its files would change

    def paths(self) -> dict[str, str]:
        return {fmt: feed_path(self.feed.slug, fmt) for fmt in FORMATS}

    def link(self, site_url: str) -> FeedLink:
        paths = self.paths()
        return FeedLink(self.feed.title, self.feed.description, rss=paths["rss"], atom=paths["atom"],
                        site_url=site_url.rstrip("/") + "/", json=paths["json"])


def feed_outputs(data: SiteData, *, site_url: str, max_entries: int, hub: str = "") -> list[FeedOutput]:
    """Every feed with the entries it shows and a digest of what its files are made of (`hub`: the
    WebSub hub they declare)."""
    site_url = site_url.rstrip("/") + "/"
    outputs = []
    for feed in feed_catalogue(data, site_url):
        entries = newest_first(feed.items)[: max(max_entries, 0)]
        rights = sorted({(e.source, data.attributions[e.source]) for e in entries if data.attributions.get(e.source)})
        shown = repr((FORMATS, site_url, hub, feed.slug, feed.title, feed.description, rights, entries))
        outputs.append(FeedOutput(feed, entries, hashlib.sha256(shown.encode("utf-8")).hexdigest()))
    return outputs


def feed_files(data: SiteData, output: FeedOutput, *, site_url: str, hub: str = "") -> dict[str, bytes]:
    """The files of one feed, in every format."""
    site_url = site_url.rstrip("/") + "/"
    files = {}
    for fmt, path in output.paths().items():
        spec = FeedSpec(output.feed.slug, output.feed.title, output.feed.description, f"{site_url}{path}", site_url,
                        hub=hub)
        if fmt == "json":
            files[path] = render_json_feed(spec, output.entries, max_entries=len(output.entries),
                                           attributions=data.attributions)
        else:
            files[path] = render_feed(spec, output.entries, fmt="atom" if fmt == "atom" else "rss",
                                      max_entries=len(output.entries), attributions=data.attributions)
    return files


def _feed_link(slug: str, data: SiteData, site_url: str) -> list[FeedLink]:
    """The link of feed `slug` (for a page's rel="alternate" links)."""
    site_url = site_url.rstrip("/") + "/"
    found = [FeedOutput(f, (), "").link(site_url) for f in feed_catalogue(data, site_url) if f.slug == slug]
    return found[:1]


def briefing_files(data: SiteData, *, site_url: str = "") -> dict[str, bytes]:
    """The archive pages of the weeks in `data.briefings`, each linking the briefings feed in every format."""
    feeds = _feed_link("briefings", data, site_url) if data.briefings else []
    return {briefing_path(week): with_alternates(
                render_briefing(briefing, week=week, unsubscribe=None, chart=False).html.encode(), feeds)
            for week, briefing, _ in data.briefings}


def data_files(data: SiteData, *, site_url: str) -> dict[str, bytes]:
    """The open data files and a page per release with data tables (each linking the statistics feed
    in every format)."""
    site_url = site_url.rstrip("/") + "/"
    files: dict[str, bytes] = {}
    if data.table_releases:
        files.update(open_data_files(data.table_releases, site_url=site_url))
        feeds = _feed_link("statistics", data, site_url)
        files.update({path: with_alternates(page, feeds)
                      for path, page in release_pages(data.table_releases, site_url=site_url).items()})
    return files


def index_file(data: SiteData, outputs: Sequence[FeedOutput], *, site_url: str) -> bytes:
    """index.html: the feeds, the sources' latest items, the figures, the archive and the open data."""
    site_url = site_url.rstrip("/") + "/"
    links = [o.link(site_url) for o in outputs]
    sources = [(name, _source_title(data, name), data.by_source.get(name, ())) for name in _source_names(data)]
    archive = [BriefingLink(a.week, briefing_subject(a.week), briefing_path(a.week), a.complete)
               for a in data.archive_list()]
    return render_index(
        feeds=links, sources=sources, release=data.latest_release, newest_release=data.newest_release,
        referrals=data.referrals, guidance=changes_of(data.guidance), briefings=archive[::-1], site_url=site_url,
        data_releases=[DataLink(period, release_page_path(period)) for period in data.release_periods()][::-1],
        attributions=sorted(set(data.attributions.values())), notes=data.source_notes,
    )


def build_site(data: SiteData, *, site_url: str, max_entries: int, hub: str = "") -> dict[str, bytes]:
    """Every public file: each feed in RSS, Atom and JSON Feed, the open data and release pages, the
    briefing archive and index.html. Same data, same bytes."""
    outputs = feed_outputs(data, site_url=site_url, max_entries=max_entries, hub=hub)
    files: dict[str, bytes] = {}
    for output in outputs:
        files.update(feed_files(data, output, site_url=site_url, hub=hub))
    files.update(briefing_files(data, site_url=site_url))
    files.update(data_files(data, site_url=site_url))
    files["index.html"] = index_file(data, outputs, site_url=site_url)
    return files
