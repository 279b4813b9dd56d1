"""The sections of a week's briefing as plain view objects for the templates: the week's items per
source, guidance changes, what is coming up, and how the sources are doing (in plain words for staff)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from feeds.briefing_data import BriefingData
from feeds.calendar import calendar_line
from feeds.changes import change_line
from feeds.formatting import date_text
from feeds.sanitise import plain_text, safe_url
from store.read import FeedItem
from vocabulary.calendar import MONTH_NAMES
from vocabulary.text import clip

# Topics that make an item "relevant": listed first; a generalist source's items without one are collapsed.
RELEVANT_TOPICS = frozenset({
    "modern slavery", "human trafficking", "labour exploitation", "sexual exploitation",
    "forced criminality", "child exploitation", "county lines",
})
OFF_TOPIC_MODES = ("collapse", "omit", "list")
SUMMARY_CHARS = 280


# --- the week's items ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    """A publication as the briefing lists it (plain text, safe link)."""

    title: str
    url: str | None
    kind: str
    date_text: str  # "" when the source gives no date
    first_found: str  # when msbrief first found it: shown, marked, for an item the source gives no date
    status: str  # "new" or "amended"
    changes: tuple[str, ...]  # what changed, one line per change, in the source's words where it gave them
    summary: str
    relevant: bool


@dataclass(frozen=True)
class SourceGroup:
    """The week's publications of one source; `others` counts its collapsed off-topic items."""

    name: str
    title: str
    items: tuple[ItemView, ...]
    others: int = 0
    others_url: str | None = None


def _relevant(item: FeedItem) -> bool:
    return bool(RELEVANT_TOPICS.intersection(item.topics))


def _item_view(data: BriefingData, item: FeedItem) -> ItemView:
    new = data.is_new(item)
    return ItemView(
        title=clip(plain_text(item.title), 300) or "(untitled)",
        url=safe_url(item.url),
        kind=item.kind,
        date_text=date_text(item.date, tz=data.timezone),
        first_found=date_text(item.first_seen, tz=data.timezone),
        status="new" if new else "amended",
        changes=() if new else tuple(change_line(c, data.timezone) for c in data.news_changes(item)),
        summary=clip(plain_text(item.summary), SUMMARY_CHARS),
        relevant=_relevant(item),
    )


def _newest_first_key(item: FeedItem) -> tuple[float, int]:
    when = item.date or item.first_seen
    return (-when.timestamp(), -item.id)


def publication_groups(data: BriefingData) -> list[SourceGroup]:
    """The week's news per source (the guidance source has its own section): relevant items
    first, then newest first; sources with relevant items lead. A generalist source's off-topic
    items are collapsed to a count, left out, or listed, as `data.off_topic` says."""
    by_source: dict[str, list[FeedItem]] = {}
    titles: dict[str, str] = {}
    for item in data.news:
        if item.source == data.guidance_source or (data.parliament and item.source == data.parliament.source):
            continue  # each has a section of its own
        by_source.setdefault(item.source, []).append(item)
        titles[item.source] = plain_text(item.source_title) or item.source
    groups = []
    for name, items in by_source.items():
        items.sort(key=lambda i: (not _relevant(i), *_newest_first_key(i)))
        shown, hidden = items, []
        if name in data.generalist_sources and data.off_topic != "list":
            shown = [i for i in items if _relevant(i)]
            hidden = [i for i in items if not _relevant(i)]
        if not shown and (not hidden or data.off_topic == "omit"):
            continue
        others = len(hidden) if data.off_topic == "collapse" else 0
        link = safe_url(f"{data.site_url.rstrip('/')}/#source-{name}") if data.site_url else None
        groups.append(SourceGroup(name, titles[name], tuple(_item_view(data, i) for i in shown), others, link))
    groups.sort(key=lambda g: (not any(i.relevant for i in g.items), g.title.lower()))
    return groups


@dataclass(frozen=True)
class GuidanceView:
    """A guidance document that is new or changed: what it is and each change, in GOV.UK's words."""

    title: str
    url: str | None
    lines: tuple[str, ...]  # "published 16 December 2024", "updated 8 October 2024: ..."


def guidance_changes(data: BriefingData) -> list[GuidanceView]:
    """The guidance source's documents new or changed this week, most recent change first."""
    found = []
    for item in data.news:
        if item.source != data.guidance_source:
            continue
        if data.is_new(item):
            lines = [f"published {date_text(item.date, tz=data.timezone)}" if item.date else "new"]
            when = item.date or item.first_seen
        else:
            changes = data.news_changes(item)
            lines = [change_line(c, data.timezone) for c in changes]
            when = changes[0].at
        found.append((when, GuidanceView(clip(plain_text(item.title), 300) or "(untitled)", safe_url(item.url),
                                         tuple(lines))))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [view for _, view in found]


def latest_guidance_line(data: BriefingData) -> GuidanceView | None:
    """The most recent guidance change known by the week's end, for a week with none: where things
    stood then (never a change made or learned of later)."""
    for item in data.latest_guidance:
        known = [c for c in item.changes if c.at < data.end and c.seen < data.end]
        change = max(known, key=lambda c: c.at, default=None)
        line = change_line(change, data.timezone) if change else (
            f"published {date_text(item.date, tz=data.timezone)}" if item.date and item.date < data.end else "")
        if line:
            return GuidanceView(clip(plain_text(item.title), 300) or "(untitled)", safe_url(item.url), (line,))
    return None


# --- coming up, health -----------------------------------------------------------------------


@dataclass(frozen=True)
class ComingUp:
    """An announced release or an in-force date."""

    title: str
    url: str | None
    when: str
    note: str


def _month_passed(text: str, *, now: datetime, tz: str) -> bool:
    """True when `text` gives only a month ("May 2024 (provisional)", "April to May 2024") and that
    month, the last it names, has ended by `now`."""
    found = re.findall(rf"\b({'|'.join(MONTH_NAMES)})\s+(\d{{4}})\b", text)
    if not found or re.search(r"\b\d{1,2}\s+(?:" + "|".join(MONTH_NAMES) + ")", text):
        return False  # no month, or a day is given (then release_at says when)
    month, year = found[-1]
    last_month = date(int(year), MONTH_NAMES.index(month) + 1, 1)
    return now.astimezone(ZoneInfo(tz)).date() >= (last_month + timedelta(days=32)).replace(day=1)


def coming_up(data: BriefingData) -> list[ComingUp]:
    """Announced releases and in-force dates, soonest first (undated ones last); a provisional month
    that has passed by the briefing's date is no longer coming up."""
    dated: list[tuple[float, ComingUp]] = []
    as_of = min(data.as_of or data.end, data.end)
    for ann in data.upcoming:
        if ann.release_at is None and _month_passed(ann.release_date_text, now=as_of, tz=data.timezone):
            continue
        notes = []
        when = date_text(ann.release_at, tz=data.timezone, with_time=True) or plain_text(ann.release_date_text) \
            or "date not announced"
        if ann.state == "cancelled":
            notes.append("cancelled" + (f": {plain_text(ann.cancellation_reason)}" if ann.cancellation_reason else ""))
        elif ann.state == "provisional" and "provisional" not in when.lower():
            notes.append("provisional date")
        if ann.previous_dates:
            notes.append("moved from " + ", ".join(plain_text(d) for d in ann.previous_dates))
        key = ann.release_at.timestamp() if ann.release_at else float("inf")
        dated.append((key, ComingUp(plain_text(ann.title), safe_url(ann.url), when, "; ".join(notes))))
    for entry in data.in_force:
        source = f"; {plain_text(entry.source_title)}" if entry.source_title else ""
        dated.append((entry.date.timestamp(), ComingUp(
            plain_text(entry.title), safe_url(entry.url), date_text(entry.date, tz=data.timezone),
            f"comes into force{source}",
        )))
    dated.sort(key=lambda pair: pair[0])
    return [c for _, c in dated]


def calendar_changes(data: BriefingData) -> list[tuple[str, str | None]]:
    """(line, link) for each release date GOV.UK confirmed, moved or cancelled this week."""
    return [(calendar_line(event, data.timezone), safe_url(event.url)) for event in data.calendar]


@dataclass(frozen=True)
class HealthRow:
    """How one source did this week, in plain words for staff (operators' details go to the logs)."""

    title: str
    ok: bool
    text: str


def _title(data: BriefingData, name: str) -> str:
    titles = {h.name: plain_text(h.title) for h in data.health}
    return titles.get(name) or name


def health_rows(data: BriefingData) -> list[HealthRow]:
    """One line per source, as that week was: read, read after a failed attempt, could not be read, or
    not read. Never the error itself: that is for operators (the run's log and artifacts)."""
    rows = []
    every = data.sources or tuple(sorted({h.name for h in data.health} | set(data.readings)))
    for name in every:
        title = _title(data, name)
        if data.readings.get(name):
            retried = name in data.failed_sources
            rows.append(HealthRow(title, True, "read this week" + (" (after a failed attempt)" if retried else "")))
        elif name in data.readings:
            rows.append(HealthRow(title, False, "could not be read this week: anything it published is missing "
                                                "here, and will be listed once it is read"))
        else:
            rows.append(HealthRow(title, False, "not read this week"))
    return rows


def reading_statement(data: BriefingData) -> str:
    """What msbrief knows about the week's sources, in one true sentence: none read, N of M that
    could not be read (or were not read at all), or every one read. Which ones: `health_rows`."""
    total = data.source_count
    if data.nothing_read:
        return "No source was read this week, so this briefing cannot say what was published."
    if data.all_read:
        return f"All {total} sources were read this week."
    failed = sum(1 for n in data.unread if n in data.readings)
    missing = len(data.unread) - failed
    parts = [f"{failed} of {total} sources could not be read this week"] if failed else []
    if missing:
        parts.append(f"{missing} of {total} {'was' if missing == 1 else 'were'} not read at all")
    return "; ".join(parts) + ": what they published may be missing here."


def quiet_words(data: BriefingData) -> tuple[str, str]:
    """The heading and sentence of a week with no news, true to what was read: "nothing new" only
    when every source was read and none published or changed anything."""
    week_from = date_text(data.start, tz=data.timezone)
    week_to = date_text(data.end - timedelta(days=1), tz=data.timezone)
    if data.nothing_read:
        return ("No source was read this week",
                f"msbrief did not read any source between {week_from} and {week_to}, so it cannot say whether "
                "anything was published. It will list what it finds once it reads them.")
    if data.all_read:
        return ("Nothing new this week",
                f"None of the sources published or changed anything between {week_from} and {week_to}.")
    return ("Nothing new from the sources that were read",
            f"{reading_statement(data)} The sources read between {week_from} and {week_to} published or "
            "changed nothing.")
