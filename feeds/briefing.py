"""The weekly email briefing: BriefingData -> plain text + HTML (Jinja2), ready for an EmailMessage.

One job per module: `feeds/briefing_data.py` is what a week shows (and the rule of what is news),
`feeds/briefing_sections.py` the sections as views, `feeds/briefing_mail.py` the subject, headers
and the message; this module renders. The HTML follows the GOV.UK Notify conventions: one column at
most 640px wide, body text about 19px, a preheader, figures in a real table with header cells, alt
text on the chart; CSS inlined. Everything that came from a source is reduced to plain text and
escaped by the template (HTML autoescape); links are kept only when they are http(s) URLs.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import css_inline

from feeds.briefing_data import BriefingData, InForce
from feeds.briefing_mail import Unsubscribe, briefing_subject, message_from, recipients_of
from feeds.briefing_sections import (
    OFF_TOPIC_MODES,
    calendar_changes,
    coming_up,
    guidance_changes,
    health_rows,
    latest_guidance_line,
    publication_groups,
    quiet_words,
    reading_statement,
)
from feeds.charts import quarterly, referrals_chart
from feeds.formatting import date_text, release_period_label
from feeds.nrm_summary import Headline, headline_figures, revision_text, stale_note
from feeds.parliament import parliament_section
from feeds.render import environment
from feeds.sanitise import plain_text, safe_url

__all__ = ["OFF_TOPIC_MODES", "BriefingData", "InForce", "RenderedBriefing", "Unsubscribe", "briefing_subject",
           "message_from", "recipients_of", "render_briefing"]

CHART_QUARTERS = 12


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
    week_from, week_to = date_text(data.start, tz=tz), date_text(data.end - timedelta(days=1), tz=tz)
    quiet_heading, quiet_text = quiet_words(data)
    return {
        "reading": reading_statement(data),
        "parliament_read": bool(data.parliament and data.readings.get(data.parliament.source)),
        "guidance_read": bool(data.readings.get(data.guidance_source)),
        "unread": bool(data.unread),
        "nothing_read": data.nothing_read,
        "quiet_heading": quiet_heading,
        "quiet_text": quiet_text,
        "no_items_text": (f"Nothing new from the sources between {week_from} and {week_to}." if data.all_read
                          else f"Nothing new from the sources that were read between {week_from} and {week_to}."
                          if not data.nothing_read else "No source was read this week."),
        "preheader": _preheader(data, quiet_heading),
        "week": week,
        "subject": briefing_subject(week),
        "week_from": week_from,
        "week_to": week_to,
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
        "calendar": calendar_changes(data),
        "coming_up": coming_up(data),
        "health": [] if page else health_rows(data),
        "unsubscribe": unsubscribe,
        "site_url": safe_url(data.site_url),
    }


def _preheader(data: BriefingData, quiet_heading: str) -> str:
    """The line an inbox shows after the subject: the week's news in a few words."""
    news = len(data.news)
    parts = ["new NRM statistics"] if data.release_is_new else []
    if news:
        parts.append(f"{news} new or amended publication{'s' if news != 1 else ''}")
    if data.calendar:
        parts.append(f"{len(data.calendar)} release date{'s' if len(data.calendar) != 1 else ''} confirmed, "
                     "moved or cancelled")
    if not parts:
        return quiet_heading + "."
    line = " and ".join(parts)
    return line[0].upper() + line[1:] + ("." if data.all_read else f". {reading_statement(data)}")


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
