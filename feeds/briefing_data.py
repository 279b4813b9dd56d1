"""What one week's briefing shows, as read from the store: `BriefingData`, and the rule of what is news.

What is news in a week (one rule, `BriefingData.is_new` and `news_changes`): an item msbrief
first saw that week, published no earlier than `window_start` (the first-run window: older items
found then are the archive, in the feeds by their own dates); an undated item counts only when it
was not found in its source's first reading. A change is news when msbrief learned of it that
week and it is dated no earlier than `window_start`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from store.read import Change, FeedItem, ReleaseView, SeriesPoint, SourceHealth, UpcomingRelease
from vocabulary.calendar import LONDON_TZ_NAME

if TYPE_CHECKING:
    from store.read import ParliamentWeek


@dataclass(frozen=True)
class InForce:
    """A date something (a sentencing guideline, a law) comes into force."""

    title: str
    url: str
    date: datetime
    source_title: str = ""


@dataclass(frozen=True)
class BriefingData:
    """Everything one week's briefing shows, read from the store by pipeline/briefing.py.

    `start` and `end` bound the week in UTC ([start, end)); `window_start` is the earliest
    publication date that counts as new (the first-run window); `publications` are the candidate
    items (first seen, amended or updated around the week); `guidance_source` names the source
    whose changes have a section of their own; `generalist_sources` publish on every subject:
    their items with no relevant topic are collapsed to one line (`off_topic="collapse"`), left out
    ("omit") or listed ("list"); `site_url` is where the index page is served (the collapsed line
    links to the source's list there).
    """

    start: datetime
    end: datetime
    window_start: datetime | None = None
    release: ReleaseView | None = None  # the latest release with figures: the headline
    newest_release: ReleaseView | None = None  # the latest release, with or without figures
    referrals: tuple[SeriesPoint, ...] = ()
    publications: tuple[FeedItem, ...] = ()
    upcoming: tuple[UpcomingRelease, ...] = ()
    calendar: tuple[UpcomingRelease, ...] = ()  # release dates confirmed, moved or cancelled this week
    in_force: tuple[InForce, ...] = ()
    health: tuple[SourceHealth, ...] = ()
    failed_sources: dict[str, str] = field(default_factory=dict)
    guidance_source: str = ""
    latest_guidance: tuple[FeedItem, ...] = ()  # the guidance documents changed most recently (any week)
    generalist_sources: frozenset[str] = frozenset()
    off_topic: str = "collapse"
    site_url: str = ""
    timezone: str = LONDON_TZ_NAME
    parliament: ParliamentWeek | None = None  # written questions and statements: "In Parliament" (feeds/parliament.py)
    # What msbrief read that week: source name -> True when some reading of it succeeded then (a source
    # absent was not read at all); `sources` are every source configured, so "N of M" is true.
    readings: dict[str, bool] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    as_of: datetime | None = None  # when it is composed: "coming up" is what was still ahead then

    @property
    def source_count(self) -> int:
        return len(self.sources) or len({h.name for h in self.health} | set(self.readings))

    @property
    def unread(self) -> tuple[str, ...]:
        """Sources with no successful reading this week (failed, or not read at all)."""
        every = self.sources or tuple(sorted({h.name for h in self.health} | set(self.readings)))
        return tuple(name for name in every if not self.readings.get(name))

    @property
    def nothing_read(self) -> bool:
        """True when no source was read this week (an empty database, or msbrief did not run)."""
        return not self.readings

    @property
    def all_read(self) -> bool:
        """True when every source was read successfully this week: only then is "nothing new" known."""
        return bool(self.readings) and not self.unread

    @property
    def since(self) -> datetime:
        return self.window_start or self.start

    def is_new(self, item: FeedItem) -> bool:
        """True when `item` is news this week (the rule in the module docstring)."""
        if not self.start <= item.first_seen < self.end:
            return False
        return item.date >= self.since if item.date else not item.archive

    def news_changes(self, item: FeedItem) -> tuple[Change, ...]:
        """The changes of `item` that are news this week (none for an item that is itself new)."""
        if self.is_new(item):
            return ()
        return tuple(c for c in item.changes if self.start <= c.seen < self.end and self.since <= c.at < self.end)

    @property
    def archived(self) -> tuple[FeedItem, ...]:
        """Items first seen this week that are not news: the archive a first reading found."""
        return tuple(i for i in self.publications if self.start <= i.first_seen < self.end and not self.is_new(i))

    @property
    def news(self) -> tuple[FeedItem, ...]:
        """The items that are new or changed this week."""
        return tuple(i for i in self.publications if self.is_new(i) or self.news_changes(i))

    @property
    def release_is_new(self) -> bool:
        """True when the headline release was published during this week."""
        published = self.release.published if self.release else None
        return bool(published and self.start <= published < self.end)

    @property
    def a_release_this_week(self) -> bool:
        """True when some statistics release was published this week, with figures or not yet."""
        return any(r is not None and r.published is not None and self.start <= r.published < self.end
                   for r in (self.release, self.newest_release))

    @property
    def is_empty(self) -> bool:
        """True when nothing was published or changed this week (a release without figures yet is news,
        and so is a release date confirmed, moved or cancelled)."""
        return not self.news and not self.a_release_this_week and not self.calendar
