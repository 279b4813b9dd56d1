"""The sections of a week's briefing as plain view objects for the templates: the week's items per
source, guidance changes, what is coming up, and how the sources are doing (in plain words for staff)."""

from __future__ import annotations

from dataclasses import dataclass

from feeds.briefing_data import BriefingData
from feeds.changes import change_line
from feeds.formatting import date_text
from feeds.sanitise import plain_text, safe_url
from store.read import FeedItem
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
    """The most recent guidance change on record, for a week with none: where things stand."""
    for item in data.latest_guidance:
        change = item.latest_change
        line = change_line(change, data.timezone) if change else (
            f"published {date_text(item.date, tz=data.timezone)}" if item.date else "")
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


def coming_up(data: BriefingData) -> list[ComingUp]:
    """Announced releases and in-force dates, soonest first (undated ones last)."""
    dated: list[tuple[float, ComingUp]] = []
    for ann in data.upcoming:
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


@dataclass(frozen=True)
class HealthRow:
    """How one source is doing, in a sentence."""

    title: str
    ok: bool
    text: str


def health_rows(data: BriefingData) -> list[HealthRow]:
    """One line per source: failed this week (with the error), failing now, or fine."""
    tz = data.timezone
    rows = []
    for h in data.health:
        title = plain_text(h.title) or h.name
        if h.name in data.failed_sources:
            text = f"failed this week: {clip(plain_text(data.failed_sources[h.name]), 200)}"
            if h.last_status == "ok":
                text += f" (recovered; last success {date_text(h.last_success_at, tz=tz)})"
            rows.append(HealthRow(title, False, text))
        elif h.last_status == "failed":
            text = f"failing ({h.consecutive_failures} runs in a row): {clip(plain_text(h.last_error or ''), 200)}"
            rows.append(HealthRow(title, False, text))
        elif h.last_status is None:
            rows.append(HealthRow(title, False, "not read yet"))
        else:
            rows.append(HealthRow(title, True, f"last read {date_text(h.last_run_at, tz=tz)}"))
    for name, error in sorted(data.failed_sources.items()):
        if name not in {h.name for h in data.health}:
            rows.append(HealthRow(name, False, f"failed this week: {clip(plain_text(error), 200)}"))
    return rows
