"""The weekly email briefing: BriefingData -> plain text + HTML (Jinja2) -> one EmailMessage.

The message is multipart/alternative: a text/plain part, and a multipart/related holding the
text/html part (CSS inlined, table layout, at most 640px wide) and the referrals chart PNG it
shows by Content-ID. Everything that came from a source is reduced to plain text here and
escaped by the template (HTML autoescape); links are kept only when they are http(s) URLs.
Nothing from a source ever goes into a header: the subject is built from the week alone.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from feeds import sanitise
from feeds.charts import quarterly, referrals_chart
from feeds.formatting import release_period_label
from feeds.sanitise import plain_text
from feeds.weeks import week_label
from store.read import FeedItem, ReleaseView, SeriesPoint, SourceHealth, UpcomingRelease
from vocabulary.calendar import LONDON_TZ_NAME
from vocabulary.periods import previous_period, same_period_last_year

# Topics that make an item "relevant": listed before the others of its source.
RELEVANT_TOPICS = frozenset({
    "modern slavery", "human trafficking", "labour exploitation", "sexual exploitation",
    "forced criminality", "child exploitation", "county lines",
})
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
    """Everything one week's briefing shows, read from the store by flows/weekly.py.

    `start` and `end` bound the week in UTC ([start, end)); `publications` are the items first
    seen or amended in it; `failed_sources` maps a source name to its latest error this week.
    """

    start: datetime
    end: datetime
    release: ReleaseView | None = None
    referrals: tuple[SeriesPoint, ...] = ()
    publications: tuple[FeedItem, ...] = ()
    upcoming: tuple[UpcomingRelease, ...] = ()
    in_force: tuple[InForce, ...] = ()
    health: tuple[SourceHealth, ...] = ()
    failed_sources: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    timezone: str = LONDON_TZ_NAME

    @property
    def release_is_new(self) -> bool:
        """True when the latest release was published during this week."""
        published = self.release.published if self.release else None
        return bool(published and self.start <= published < self.end)

    @property
    def is_empty(self) -> bool:
        """True when nothing was published or amended this week."""
        return not self.publications and not self.release_is_new


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


def list_unsubscribe(mailto: str | None, url: str | None) -> str | None:
    """The List-Unsubscribe value: "<mailto:...>, <https://...>", or None when neither is set."""
    values = []
    if mailto:
        mailto = _header_value("unsubscribe_mailto", mailto)
        if not mailto.lower().startswith("mailto:"):
            mailto = f"mailto:{mailto}"
        if "@" not in mailto or any(c in mailto for c in "<> ,"):
            raise ValueError(f"unsubscribe_mailto {mailto!r} is not a mailto: address")
        values.append(f"<{mailto}>")
    if url:
        url = _header_value("unsubscribe_url", url)
        if urlsplit(url).scheme not in ("https", "http") or any(c in url for c in "<> ,"):
            raise ValueError(f"unsubscribe_url {url!r} is not an http(s) URL")
        values.append(f"<{url}>")
    return ", ".join(values) or None


# --- source text -----------------------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with no whitespace in it, else None."""
    url = sanitise.safe_url(url)
    return url if url and not any(c.isspace() for c in url) else None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "\N{HORIZONTAL ELLIPSIS}"


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of a headline row: text, and for a stated figure the link to its source."""

    text: str
    url: str | None = None
    evidence: str = ""


@dataclass(frozen=True)
class HeadlineRow:
    """One row of headline figures: a label and its linked numbers."""

    label: str
    segments: tuple[Segment, ...]
    refs: tuple[int, ...] = ()  # plain-text link references ([1], [2]) for the row's figures


def _fmt(value: Any, unit: str, *, change: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "pct":
        number = f"{abs(value):g}%" if change else f"{value:g}%"
        if not change:
            return number
        return "no change" if value == 0 else (f"up {number}" if value > 0 else f"down {number}")
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


class _Headline:
    """Builds the headline rows of a release, looking each figure up by metric and period."""

    def __init__(self, release: ReleaseView):
        self.release = release

    def num(self, metric: str, *periods: str | None, change: bool = False) -> Segment | None:
        fig = None
        for period in (*periods, self.release.period):
            if period and (fig := self.release.figure(metric, period)):
                break
        if fig is None:
            return None
        return Segment(_fmt(fig.value, fig.unit, change=change), safe_url(fig.source_url), plain_text(fig.evidence))

    def rows(self) -> list[tuple[str, list[Segment | str]]]:
        rel = self.release
        yearly = rel.period.endswith("-year")
        prev, last_year = previous_period(rel.period), same_period_last_year(rel.period)
        rows: list[tuple[str, list[Segment | str]]] = []
        total = self.num("total_referrals")
        rows.append(("Referrals", [total, f" potential victims referred, {release_period_label(rel.period)}"] if total else []))
        rows.append((
            "On the previous year" if yearly else "On the previous quarter",
            self._change("pct_change_vs_previous", "previous_period_referrals", prev),
        ))
        if not yearly:
            rows.append(("On the same quarter last year",
                         self._change("pct_change_vs_last_year", "same_period_last_year_referrals", last_year)))
        sca, sca_pct = self.num("sca_count"), self.num("sca_pct")
        ieca, ieca_pct = self.num("ieca_count"), self.num("ieca_pct")
        rows.append(("SCA / IECA", [
            *self._count_pct(sca, sca_pct, " to the Single Competent Authority"),
            *(["; "] if (sca or sca_pct) and (ieca or ieca_pct) else []),
            *self._count_pct(ieca, ieca_pct, " to the Immigration Enforcement Competent Authority"),
        ]))
        rg, rg_pct = self.num("reasonable_grounds_decisions"), self.num("positive_rg_pct")
        cg, cg_pct = self.num("conclusive_grounds_decisions"), self.num("positive_cg_pct")
        decisions: list[Segment | str] = []
        if rg:
            decisions += [rg, " reasonable grounds", *([" (", rg_pct, " positive)"] if rg_pct else [])]
        if cg:
            decisions += [*(["; "] if rg else []), cg, " conclusive grounds", *([" (", cg_pct, " positive)"] if cg_pct else [])]
        rows.append(("Decisions", decisions))
        dtn = self.num("dtn_count")
        duty: list[Segment | str] = []
        if dtn:
            duty = [dtn, " reports of adult potential victims"]
            change = self._change("dtn_pct_change_vs_previous", "dtn_previous_period", prev)
            duty += [" (", *change, ")"] if change else []
        rows.append(("Duty to Notify", duty))
        return rows

    def _change(self, pct_metric: str, count_metric: str, period: str | None) -> list[Segment | str]:
        pct = self.num(pct_metric, change=True)
        count = self.num(count_metric, period)
        out: list[Segment | str] = []
        if pct:
            out.append(pct)
        if count:
            out += [" from " if pct else "", count, f" in {release_period_label(period)}" if period else ""]
        return out

    @staticmethod
    def _count_pct(count: Segment | None, pct: Segment | None, tail: str) -> list[Segment | str]:
        if count and pct:
            return [count, " (", pct, ")", tail]
        if count or pct:
            return [count or pct, tail]  # type: ignore[list-item]
        return []


def headline_rows(release: ReleaseView, refs: dict[str, int]) -> list[HeadlineRow]:
    """The headline figures of `release`, each number linked to where it was stated.

    `refs` numbers the source URLs for the plain-text part ([1], [2], ...); it is filled in here.
    """
    out = []
    for label, parts in _Headline(release).rows():
        segments = tuple(p if isinstance(p, Segment) else Segment(p) for p in parts if p)
        if not any(s.url or s.evidence for s in segments):
            segments = (Segment("not stated in the bulletin"),)
        row_refs = []
        for s in segments:
            if s.url:
                refs.setdefault(s.url, len(refs) + 1)
                if refs[s.url] not in row_refs:
                    row_refs.append(refs[s.url])
        out.append(HeadlineRow(label, segments, tuple(row_refs)))
    return out


# --- publications, coming up, health ---------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    """A publication as the briefing lists it (plain text, safe link)."""

    title: str
    url: str | None
    kind: str
    date_text: str
    date_estimated: bool
    status: str  # "new" or "amended"
    note: str
    summary: str
    relevant: bool


@dataclass(frozen=True)
class SourceGroup:
    """The week's publications of one source."""

    title: str
    items: tuple[ItemView, ...]


def _local(dt: datetime | None, tz: ZoneInfo, *, with_time: bool = False) -> str:
    if dt is None:
        return ""
    local = dt.astimezone(tz)
    text = f"{local.day} {local:%B %Y}"
    if with_time and (local.hour or local.minute):
        hour = local.hour % 12 or 12
        text += f", {hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return text


def publication_groups(data: BriefingData) -> list[SourceGroup]:
    """The week's publications per source: relevant topics first, then newest first."""
    tz = ZoneInfo(data.timezone)
    by_source: dict[str, list[tuple[FeedItem, ItemView]]] = {}
    for item in data.publications:
        new = data.start <= item.first_seen < data.end
        view = ItemView(
            title=_clip(plain_text(item.title), 300) or "(untitled)",
            url=safe_url(item.url),
            kind=item.kind,
            date_text=_local(item.published, tz),
            date_estimated=item.date_estimated,
            status="new" if new else "amended",
            note="" if new else plain_text(item.amendment_note or "") or "details changed",
            summary=_clip(plain_text(item.summary), SUMMARY_CHARS),
            relevant=bool(RELEVANT_TOPICS.intersection(item.topics)),
        )
        by_source.setdefault(plain_text(item.source_title) or item.source, []).append((item, view))
    groups = []
    for title, pairs in by_source.items():
        pairs.sort(key=lambda p: (not p[1].relevant, -p[0].published.timestamp(), -p[0].id))
        groups.append(SourceGroup(title, tuple(v for _, v in pairs)))
    groups.sort(key=lambda g: (not any(i.relevant for i in g.items), g.title.lower()))
    return groups


@dataclass(frozen=True)
class ComingUp:
    """An announced release or an in-force date."""

    title: str
    url: str | None
    when: str
    note: str


def coming_up(data: BriefingData) -> list[ComingUp]:
    """Announced releases and in-force dates, soonest first (undated ones last)."""
    tz = ZoneInfo(data.timezone)
    dated: list[tuple[float, ComingUp]] = []
    for ann in data.upcoming:
        notes = []
        if ann.state == "cancelled":
            notes.append("cancelled" + (f": {plain_text(ann.cancellation_reason)}" if ann.cancellation_reason else ""))
        elif ann.state == "provisional":
            notes.append("provisional date")
        if ann.previous_dates:
            notes.append("moved from " + ", ".join(plain_text(d) for d in ann.previous_dates))
        when = _local(ann.release_at, tz, with_time=True) or plain_text(ann.release_date_text) or "date not announced"
        key = ann.release_at.timestamp() if ann.release_at else float("inf")
        dated.append((key, ComingUp(plain_text(ann.title), safe_url(ann.url), when, "; ".join(notes))))
    for entry in data.in_force:
        source = f"; {plain_text(entry.source_title)}" if entry.source_title else ""
        dated.append((entry.date.timestamp(), ComingUp(
            plain_text(entry.title), safe_url(entry.url), _local(entry.date, tz), f"comes into force{source}"
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
    tz = ZoneInfo(data.timezone)
    rows = []
    for h in data.health:
        title = plain_text(h.title) or h.name
        if h.name in data.failed_sources:
            text = f"failed this week: {_clip(plain_text(data.failed_sources[h.name]), 200)}"
            if h.last_status == "ok":
                text += f" (recovered; last success {_local(h.last_success_at, tz)})"
            rows.append(HealthRow(title, False, text))
        elif h.last_status == "failed":
            text = f"failing ({h.consecutive_failures} runs in a row): {_clip(plain_text(h.last_error or ''), 200)}"
            rows.append(HealthRow(title, False, text))
        elif h.last_status is None:
            rows.append(HealthRow(title, False, "not read yet"))
        else:
            rows.append(HealthRow(title, True, f"ok, last read {_local(h.last_run_at, tz)}"))
    for name, error in sorted(data.failed_sources.items()):
        if name not in {h.name for h in data.health}:
            rows.append(HealthRow(name, False, f"failed this week: {_clip(plain_text(error), 200)}"))
    return rows


# --- rendering -------------------------------------------------------------------------------

_ENV = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _context(data: BriefingData, week: str, chart_cid: str | None, unsubscribe: dict[str, str | None]) -> dict[str, Any]:
    tz = ZoneInfo(data.timezone)
    refs: dict[str, int] = {}
    release = data.release
    rows = headline_rows(release, refs) if release else []
    release_url = safe_url(release.bulletin_url or release.page_url) if release else None
    if release_url:
        refs.setdefault(release_url, len(refs) + 1)
    return {
        "week": week,
        "subject": briefing_subject(week),
        "week_from": _local(data.start, tz),
        "week_to": _local(data.end.astimezone(tz) - timedelta(days=1), tz),
        "empty": data.is_empty,
        "release": release,
        "release_title": plain_text(release.title) if release else "",
        "release_url": release_url,
        "release_ref": refs.get(release_url or "", 0),
        "release_published": _local(release.published, tz) if release else "",
        "release_is_new": data.release_is_new,
        "release_period": release_period_label(release.period) if release else "",
        "rows": rows,
        "refs": sorted(((n, u) for u, n in refs.items())),
        "chart_cid": chart_cid,
        "release_warnings": [plain_text(w) for w in release.warnings] if release else [],
        "warnings": [plain_text(w) for w in data.warnings],
        "groups": publication_groups(data),
        "coming_up": coming_up(data),
        "health": health_rows(data),
        "unsubscribe_url": safe_url(unsubscribe.get("url")),
        "unsubscribe_mailto": (unsubscribe.get("mailto") or "").removeprefix("mailto:"),
    }


def render_briefing(
    data: BriefingData,
    *,
    week: str,
    unsubscribe_mailto: str | None = None,
    unsubscribe_url: str | None = None,
) -> RenderedBriefing:
    """Render the week's briefing: subject, plain text, HTML with inlined CSS, chart PNG."""
    chart_cid = f"nrm-referrals-{week.lower()}@msbrief"
    points = quarterly(data.referrals)[-CHART_QUARTERS:]
    chart = referrals_chart(points, fmt="png", mark_latest=True) if (not data.is_empty and len(points) >= 2) else None
    ctx = _context(data, week, chart_cid if chart else None,
                   {"mailto": unsubscribe_mailto, "url": unsubscribe_url})
    text = _ENV.get_template("briefing.txt.j2").render(ctx)
    html = _ENV.get_template("briefing.html.j2").render(ctx)
    html = css_inline.inline(html, load_remote_stylesheets=False, keep_at_rules=True)
    return RenderedBriefing(ctx["subject"], text, html, chart, chart_cid)


def compose_briefing(
    data: BriefingData,
    *,
    week: str,
    mail_from: str,
    recipients: Sequence[str],
    message_id: str,
    unsubscribe_mailto: str | None,
    unsubscribe_url: str | None,
    date: datetime,
) -> EmailMessage:
    """The week's briefing as one message: text/plain and text/html (+ the chart inline by CID).

    With one recipient `To` names it; with several (or none, for a preview) it is
    "undisclosed-recipients:;" and the sender gives each recipient its own envelope.
    """
    rendered = render_briefing(data, week=week, unsubscribe_mailto=unsubscribe_mailto, unsubscribe_url=unsubscribe_url)
    return message_from(
        rendered, mail_from=mail_from, recipients=recipients, message_id=message_id,
        unsubscribe=list_unsubscribe(unsubscribe_mailto, unsubscribe_url), date=date,
    )


def message_from(
    rendered: RenderedBriefing,
    *,
    mail_from: str,
    recipients: Sequence[str],
    message_id: str,
    unsubscribe: str | None,
    date: datetime,
) -> EmailMessage:
    """Wrap a rendered briefing in an EmailMessage with the briefing's headers."""
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
    if unsubscribe:
        msg["List-Unsubscribe"] = unsubscribe
        if "<http" in unsubscribe:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.chart_png:
        html_part = msg.get_payload()[1]
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
