"""The weekly email briefing: BriefingData -> plain text + HTML (Jinja2) -> one EmailMessage.

The message is multipart/alternative: a text/plain part, and a multipart/related holding the
text/html part (CSS inlined, table layout, at most 640px wide) and the referrals chart PNG it
shows by Content-ID. Everything that came from a source is reduced to plain text here and
escaped by the template (HTML autoescape); links are kept only when they are http(s) URLs.
Nothing from a source ever goes into a header: the subject is built from the week alone.

What is news in a week (one rule, `BriefingData.is_new` and `news_changes`): an item msbrief
first saw that week, published no earlier than `window_start` (the first-run window: older items
found then are the archive, in the feeds by their own dates); an undated item counts only when it
was not found in its source's first reading. A change is news when msbrief learned of it that
week and it is dated no earlier than `window_start`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import css_inline

from feeds.changes import change_line
from feeds.charts import quarterly, referrals_chart
from feeds.formatting import date_text, release_period_label
from feeds.nrm_summary import Headline, headline_figures, revision_text, stale_note
from feeds.parliament import parliament_section
from feeds.render import environment
from feeds.sanitise import plain_text, safe_url
from store.read import Change, FeedItem, ReleaseView, SeriesPoint, SourceHealth, UpcomingRelease
from vocabulary.calendar import LONDON_TZ_NAME
from vocabulary.text import clip
from vocabulary.weeks import week_label

if TYPE_CHECKING:
    from store.read import ParliamentWeek

# Topics that make an item "relevant": listed first; a generalist source's items without one are collapsed.
RELEVANT_TOPICS = frozenset({
    "modern slavery", "human trafficking", "labour exploitation", "sexual exploitation",
    "forced criminality", "child exploitation", "county lines",
})
OFF_TOPIC_MODES = ("collapse", "omit", "list")
SUMMARY_CHARS = 280
CHART_QUARTERS = 12


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
    def is_empty(self) -> bool:
        """True when nothing was published or changed this week."""
        return not self.news and not self.release_is_new


@dataclass(frozen=True)
class RenderedBriefing:
    """A briefing rendered: subject, plain text, HTML (CSS inlined) and the chart PNG (or None)."""

    subject: str
    text: str
    html: str
    chart_png: bytes | None
    chart_cid: str

    def preview_html(self) -> str:
        """The HTML with the chart embedded as a data: URI, for viewing as a file in a browser."""
        if not self.chart_png:
            return self.html
        data = base64.b64encode(self.chart_png).decode("ascii")
        return self.html.replace(f"cid:{self.chart_cid}", f"data:image/png;base64,{data}")


# --- subject and headers ---------------------------------------------------------------------


def briefing_subject(week: str) -> str:
    """"Modern slavery briefing — week of 16 November 2026" (built from the week only)."""
    return f"Modern slavery briefing \N{EM DASH} week of {week_label(week)}"


def _header_value(name: str, value: str) -> str:
    """`value` unchanged if it is safe as a header value; ValueError naming the header if not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} {value!r} is empty: a value is required")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} {value!r} contains a line break or control character: refused")
    return value.strip()


def _address(name: str, value: str) -> str:
    addr = parseaddr(_header_value(name, value))[1]
    if "@" not in addr:
        raise ValueError(f"{name} {value!r} is not an email address (expected name@domain)")
    return value.strip()


@dataclass(frozen=True)
class Unsubscribe:
    """How a recipient leaves the list: a mailto address (always) and a one-click URL (when set)."""

    mailto: str
    url: str | None = None

    @classmethod
    def of(cls, mailto: str, url: str | None = None) -> Unsubscribe:
        """Validated: `mailto` an address (with or without "mailto:"), `url` an http(s) URL or empty."""
        address = _header_value("unsubscribe_mailto", mailto).removeprefix("mailto:")
        if "@" not in address or any(c in address for c in "<> ,?"):
            raise ValueError(f"unsubscribe_mailto {mailto!r} is not an email address (expected name@domain)")
        if url:
            url = _header_value("unsubscribe_url", url)
            if urlsplit(url).scheme not in ("https", "http") or safe_url(url) is None or any(c in url for c in "<>,"):
                raise ValueError(f"unsubscribe_url {url!r} is not an http(s) URL")
        return cls(address, url or None)

    @property
    def mailto_link(self) -> str:
        return f"mailto:{self.mailto}?subject={quote('unsubscribe')}"

    @property
    def header(self) -> str:
        """The List-Unsubscribe value (RFC 2369): "<mailto:...>, <https://...>"."""
        return ", ".join(f"<{v}>" for v in (self.mailto_link, self.url) if v)


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


# --- rendering -------------------------------------------------------------------------------


def _refs(headlines: Sequence[Headline], release_url: str | None) -> dict[str, int]:
    """Numbers for the plain-text part's link references ([1], [2]): each figure's source, then the release."""
    refs: dict[str, int] = {}
    for h in headlines:
        if h.source_url:
            refs.setdefault(h.source_url, len(refs) + 1)
    if release_url:
        refs.setdefault(release_url, len(refs) + 1)
    return refs


def _context(data: BriefingData, week: str, chart_cid: str | None, unsubscribe: Unsubscribe | None,
             *, page: bool) -> dict[str, Any]:
    tz = data.timezone
    release = data.release
    headlines = headline_figures(release) if release else []
    release_url = safe_url(release.bulletin_url or release.page_url) if release else None
    refs = _refs(headlines, release_url)
    archived = data.archived
    return {
        "week": week,
        "subject": briefing_subject(week),
        "week_from": date_text(data.start, tz=tz),
        "week_to": date_text(data.end - timedelta(days=1), tz=tz),
        "empty": data.is_empty,
        "short": data.is_empty and not archived,
        "page": page,
        "archived": len(archived),
        "window_from": date_text(data.since, tz=tz),
        "release": release,
        "release_title": plain_text(release.title) if release else "",
        "release_url": release_url,
        "release_ref": refs.get(release_url or "", 0),
        "release_published": date_text(release.published, tz=tz) if release else "",
        "release_is_new": data.release_is_new,
        "release_period": release_period_label(release.period) if release else "",
        "stale": stale_note(data.newest_release, release),
        "headlines": headlines,
        "refs_of": refs,
        "refs": sorted(((n, u) for u, n in refs.items())),
        "revisions": [revision_text(r) for r in release.revisions] if release else [],
        "chart_cid": chart_cid,
        "parliament": parliament_section(data.parliament, start=data.start, end=data.end, since=data.since, tz=tz),
        "guidance_section": bool(data.guidance_source),
        "guidance": guidance_changes(data),
        "latest_guidance": latest_guidance_line(data),
        "groups": publication_groups(data),
        "coming_up": coming_up(data),
        "health": [] if page else health_rows(data),
        "unsubscribe": unsubscribe,
        "site_url": safe_url(data.site_url),
    }


def render_briefing(data: BriefingData, *, week: str, unsubscribe: Unsubscribe | None,
                    chart: bool = True) -> RenderedBriefing:
    """Render the week's briefing: subject, plain text, HTML with inlined CSS, chart PNG.

    With `unsubscribe` None it is the briefing's page in the site's archive: no source health,
    no unsubscribe line; `chart=False` leaves the chart out.
    """
    chart_cid = f"nrm-referrals-{week.lower()}@msbrief"
    points = quarterly(data.referrals)[-CHART_QUARTERS:]
    short = data.is_empty and not data.archived  # a quiet week: a short message, no figures or chart
    png = referrals_chart(points) if chart and not short and data.release and len(points) >= 2 else None
    ctx = _context(data, week, chart_cid if png else None, unsubscribe, page=unsubscribe is None)
    env = environment()
    text = env.get_template("briefing.txt.j2").render(ctx)
    html = env.get_template("briefing.html.j2").render(ctx)
    html = css_inline.inline(html, load_remote_stylesheets=False, keep_at_rules=True)
    return RenderedBriefing(ctx["subject"], text, html, png, chart_cid)


def message_from(
    rendered: RenderedBriefing,
    *,
    mail_from: str,
    recipients: Sequence[str],
    message_id: str,
    unsubscribe: Unsubscribe,
    date: datetime,
) -> EmailMessage:
    """Wrap a rendered briefing in an EmailMessage with the briefing's headers.

    With one recipient `To` names it; with several (or none, for a preview) it is
    "undisclosed-recipients:;" and the sender gives each recipient its own envelope.
    """
    if date.tzinfo is None:
        raise ValueError(f"date {date!r} is naive: pass an aware datetime")
    addresses = [_address("recipient", r) for r in recipients]
    message_id = _header_value("message_id", message_id)
    if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message_id):
        raise ValueError(f"message_id {message_id!r} is not of the form <left@right>")
    msg = EmailMessage()
    msg["Subject"] = _header_value("subject", rendered.subject)
    msg["From"] = _address("mail_from", mail_from)
    msg["To"] = addresses[0] if len(addresses) == 1 else "undisclosed-recipients:;"  # none: a preview
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = unsubscribe.header
    if unsubscribe.url:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the URL takes a POST
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.chart_png:
        html_part = msg.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage), "the HTML alternative was just added"
        html_part.add_related(
            rendered.chart_png, maintype="image", subtype="png", cid=f"<{rendered.chart_cid}>",
            disposition="inline", filename="nrm-referrals.png",
        )
    return msg


def recipients_of(values: Iterable[str]) -> list[str]:
    """Validated recipient addresses, duplicates removed (first spelling kept, case-insensitive)."""
    seen, out = set(), []
    for value in values:
        addr = parseaddr(_address("recipient", value))[1]
        if addr.lower() not in seen:
            seen.add(addr.lower())
            out.append(addr)
    return out
