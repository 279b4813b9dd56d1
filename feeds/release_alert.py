"""The release-day message to staff: one NRM release -> an email (text + HTML + chart) and a webhook text.

The same words everywhere: the headline figures with the change on the previous quarter and on
the same quarter a year earlier (feeds/nrm_summary.py), the chart of referrals by quarter
(feeds/charts.py, in the email as an inline PNG with alt text), and links to the release page,
the bulletin and msbrief's page of the release's figures and open data. The email looks like the
weekly briefing (the same masthead, figures table and footer) and is wrapped by the briefing's
`message_from`; webhooks (Slack, Teams, a JSON POST: feeds/webhooks.py) get a title and a short
Markdown body. Everything from a source is plain text here; nothing from a source goes into a
header: the subject is built from the release's period alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import css_inline
from jinja2 import Template

from feeds.briefing import CHART_QUARTERS, RenderedBriefing, Unsubscribe
from feeds.charts import quarterly, referrals_chart
from feeds.formatting import date_text, release_period_label
from feeds.nrm_summary import headline_figures, revision_text
from feeds.opendata import PACKAGE, release_page_path
from feeds.render import environment
from feeds.sanitise import plain_text, safe_url
from store.read import ReleaseView, SeriesPoint
from vocabulary.calendar import LONDON_TZ_NAME

WEBHOOK_BODY_CHARS = 2900  # Slack's section text stops at 3,000 characters; Teams cards take more

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    """One link of the message: what it leads to, and where."""

    label: str
    url: str


@dataclass(frozen=True)
class RenderedAlert:
    """A release alert rendered: the email's parts (as the briefing's message takes them) and the
    webhooks' title and body, in Markdown and in Slack's own mrkdwn (`*bold*`, `<url|text>`)."""

    email: RenderedBriefing
    webhook_title: str
    webhook_body: str
    slack_body: str

    @property
    def subject(self) -> str:
        return self.email.subject


def alert_subject(period: str) -> str:
    """"New NRM statistics: July to September 2023" (built from the period only)."""
    return f"New NRM statistics: {release_period_label(period)}"


def alert_links(release: ReleaseView, *, site_url: str) -> list[Link]:
    """The release page on GOV.UK, its bulletin, and msbrief's page of its figures and open data."""
    found = [Link("Release page", safe_url(release.page_url) or ""),
             Link("Bulletin", safe_url(release.bulletin_url or "") or "")]
    site = safe_url(site_url)
    if site and release.has_tables:
        base = site.rstrip("/")
        found += [Link("Every figure with its source, and the data tables", f"{base}/{release_page_path(release.period)}"),
                  Link("Open data (Frictionless data package)", f"{base}/{PACKAGE}")]
    unique = {link.url: link for link in reversed(found) if link.url}  # the first label of a URL wins
    return [link for link in found if unique.get(link.url) is link]


def _context(release: ReleaseView, *, site_url: str, tz: str, chart_cid: str | None,
             unsubscribe: Unsubscribe | None) -> dict[str, Any]:
    return {
        "subject": alert_subject(release.period),
        "release_title": plain_text(release.title),
        "release_period": release_period_label(release.period),
        "published": date_text(release.published, tz=tz, with_time=True) if release.published else "",
        "headlines": headline_figures(release),
        "revisions": [revision_text(r) for r in release.revisions],
        "links": alert_links(release, site_url=site_url),
        "chart_cid": chart_cid,
        "site_url": safe_url(site_url),
        "unsubscribe": unsubscribe,
    }


def render_release_alert(release: ReleaseView, referrals: Sequence[SeriesPoint], *, site_url: str,
                         unsubscribe: Unsubscribe | None, tz: str = LONDON_TZ_NAME) -> RenderedAlert:
    """Render the release-day message of `release` (which has figures) with the referrals series for
    the chart; the email's footer says how to unsubscribe."""
    if not release.figures:
        raise ValueError(f"release {release.period!r} has no figures yet: a release-day message needs them")
    chart_cid = f"nrm-referrals-{release.period.lower()}@msbrief"
    points = quarterly(referrals)[-CHART_QUARTERS:]
    png = referrals_chart(points) if len(points) >= 2 else None
    ctx = _context(release, site_url=site_url, tz=tz, chart_cid=chart_cid if png else None, unsubscribe=unsubscribe)
    env = environment()
    text = env.get_template("release_alert.txt.j2").render(ctx)
    html = css_inline.inline(env.get_template("release_alert.html.j2").render(ctx), load_remote_stylesheets=False,
                             keep_at_rules=True)
    markdown, slack = (_webhook_text(env.get_template(name), ctx, release.period)
                       for name in ("release_alert.md.j2", "release_alert.slack.j2"))
    return RenderedAlert(RenderedBriefing(ctx["subject"], text, html, png, chart_cid), ctx["subject"], markdown, slack)


def _webhook_text(template: Template, ctx: dict[str, Any], period: str) -> str:
    """A webhook body, at most WEBHOOK_BODY_CHARS: figures first, links last; cut in the figures, never the links."""
    body = template.render(ctx).strip()
    if len(body) <= WEBHOOK_BODY_CHARS:
        return body
    links = template.render({**ctx, "headlines": []}).strip()
    log.warning("release-day message of %s: the webhook text is cut to %d characters (Slack's limit); the "
                "email has every figure", period, WEBHOOK_BODY_CHARS)
    return body[:WEBHOOK_BODY_CHARS - len(links) - 3].rstrip() + "…\n\n" + links
