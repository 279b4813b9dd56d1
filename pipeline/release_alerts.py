"""The release-day message to staff: the latest NRM release, once, by email and to each webhook.

Opt-in (MSBRIEF_RELEASE_ALERTS). The message (feeds/release_alert.py) goes to each address of
MSBRIEF_RELEASE_RECIPIENTS (default: the briefing's MSBRIEF_RECIPIENTS) through the briefing's
SMTP settings and mailer, and to each Apprise URL of MSBRIEF_RELEASE_WEBHOOKS (feeds/webhooks.py).
Exactly once per release and channel: the dispatch ("release-alert", period) of the store's
delivery protocol (store/deliveries.py), driven by pipeline/dispatch.py, with the weekly
briefing's guarantees (concurrent runs, a run killed at any point, retries of what was not sent).

A release published more than MSBRIEF_RELEASE_ALERT_MAX_AGE hours before it is read is history,
not release-day news (a first reading of the archive): no message. No Prefect here.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from feeds.briefing import Unsubscribe, message_from, recipients_of
from feeds.mailer import Mailer
from feeds.publish import atomic_write
from feeds.release_alert import RenderedAlert, render_release_alert
from feeds.webhooks import Webhook, WebhookSender, webhooks
from pipeline.briefing import EmailTransport, leases, smtp_config
from pipeline.dispatch import Attempt, DeliveryReport, DispatchResult, Transport, dispatch
from pipeline.reports import SourceReport
from pipeline.settings import Settings
from store import queries
from store.db import Engine, read_session
from store.deliveries import Claim, Target
from store.read import ReleaseView, SeriesPoint
from store.series import series
from vocabulary.deliveries import Channel, DeliveryState, DispatchState, Reply

log = logging.getLogger(__name__)

KIND = "release-alert"  # the dispatches are ("release-alert", period)
OUTBOX = "release"  # the dry runs' folder under the outbox


@dataclass
class AlertOutcome:
    """What `run_release_alert` did. `action`: off, no-release, not-news, written, sent, already-sent."""

    action: str
    period: str = ""
    subject: str = ""
    status: DispatchState | None = None
    message_id: str = ""
    deliveries: list[DeliveryReport] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    reason: str = ""

    @property
    def problems(self) -> list[DeliveryReport]:
        """Deliveries not accepted that no live concurrent run is sending: operators are told."""
        return DispatchResult(self.status or DispatchState.SENDING, self.message_id, self.deliveries).problems

    @property
    def summary(self) -> str:
        """One line for logs and artifacts: what happened, never a webhook's secret URL."""
        what = f"release-day message {self.period}".rstrip()
        if self.action in ("off", "no-release", "not-news"):
            return f"{what}: not sent: {self.reason}"
        if self.action == "written":
            return f"{what}: dry run, wrote {', '.join(str(p) for p in self.files)}"
        tally: dict[str, int] = {}
        for d in self.deliveries:
            shown = "being sent by another run" if d.another_run else str(d.state)
            key = f"{d.target.channel} {shown}"
            tally[key] = tally.get(key, 0) + 1
        counts = ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))
        sent_now = sum(1 for d in self.deliveries if d.attempted and d.state == "accepted")
        if self.action == "already-sent":
            return f"{what}: nothing to send (already sent); deliveries: {counts}; status {self.status}"
        return f"{what}: accepted by {sent_now} address(es) in this run; deliveries: {counts}; status {self.status}"


@dataclass(frozen=True)
class AlertData:
    """What the message shows: the release and the referrals series (for the chart)."""

    release: ReleaseView
    referrals: tuple[SeriesPoint, ...]


def read_release(engine: Engine, period: str | None = None) -> AlertData | None:
    """The release with figures of `period` (default: the latest one) and the referrals series as it stands."""
    with read_session(engine) as s:
        release = queries.latest_release(s, with_figures=True) if period is None else queries.release_of(s, period)
        if release is None or not release.figures:
            return None
        return AlertData(release, tuple(series(s, "total_referrals")))


def unsubscribe_of(settings: Settings) -> Unsubscribe | None:
    """How a recipient leaves the list (the briefing's settings); None when no address is set (webhooks only)."""
    mailto = settings.unsubscribe_mailto or settings.contact_email
    return Unsubscribe.of(mailto, settings.unsubscribe_url) if mailto else None


def compose(data: AlertData, settings: Settings) -> RenderedAlert:
    return render_release_alert(data.release, data.referrals, site_url=settings.site_url,
                                unsubscribe=unsubscribe_of(settings), tz=settings.timezone)


def email_of(rendered: RenderedAlert, settings: Settings, *, recipients: list[str], message_id: str,
             date: datetime) -> EmailMessage:
    """The email of a rendered alert, with the briefing's headers (From, List-Unsubscribe, ...);
    SettingsError (one line) when MSBRIEF_CONTACT_EMAIL is needed and not set."""
    settings.require_mail_addresses()
    unsubscribe = unsubscribe_of(settings)
    assert unsubscribe is not None, "require_mail_addresses() leaves an unsubscribe address"
    return message_from(rendered.email, mail_from=settings.sender, recipients=recipients, message_id=message_id,
                        unsubscribe=unsubscribe, date=date)


def message_id_for(settings: Settings, period: str) -> str:
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "msbrief.invalid"
    return f"<release.{period.lower()}.{secrets.token_hex(8)}@{domain}>"


class WebhookTransport:
    """The webhook channel: one message to each configured webhook, by its stored address."""

    def __init__(self, sender: WebhookSender, hooks: Mapping[str, Webhook]) -> None:
        self.sender, self.hooks = sender, hooks

    def deliver(self, address: str, *, commit: Callable[[], bool]) -> Attempt:
        hook = self.hooks.get(address)
        if hook is None:
            return Attempt(DeliveryState.FAILED, Reply(None, "this webhook is no longer configured"))
        state, reply = self.sender.send(hook, commit=commit)
        return Attempt(state, reply)


def run_release_alert(engine: Engine, settings: Settings, *, now: datetime, period: str | None = None,
                      send: bool = True, force: bool = False) -> AlertOutcome:
    """Send the release-day message of `period` (default: the latest release with figures) once to
    every configured address, or with `send=False` write it to <outbox>/release/ and record nothing.

    Sending needs MSBRIEF_RELEASE_ALERTS; without `period`, a release published more than
    MSBRIEF_RELEASE_ALERT_MAX_AGE hours before `now` is not news and gets no message. `force` sends
    again to every address, even those that have it.
    """
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware datetime")
    if send and not settings.release_alerts:
        return AlertOutcome("off", reason="release-day messages are off (MSBRIEF_RELEASE_ALERTS=false)")
    data = read_release(engine, period)
    if data is None:
        return AlertOutcome("no-release", period or "",
                            reason=f"no release {period} with figures is stored" if period else "no release has figures")
    release = data.release
    max_age = timedelta(hours=settings.release_alert_max_age)
    if send and period is None and release.published is not None and release.published < now - max_age:
        return AlertOutcome("not-news", release.period, reason=(
            f"published {release.published.isoformat()}, more than {settings.release_alert_max_age:g} hours ago "
            "(MSBRIEF_RELEASE_ALERT_MAX_AGE): history, not release-day news"))
    rendered = compose(data, settings)
    outcome = AlertOutcome("", release.period, rendered.subject)
    if not send:
        return _dry_run(rendered, settings, outcome, now)
    return _send(engine, rendered, settings, outcome, force=force, now=now)


def after_new_figures(engine: Engine, settings: Settings, reports: Sequence[SourceReport], *,
                      now: datetime) -> list[str]:
    """After a run whose `reports` (SourceReport) stored new figures: the release-day message, when
    MSBRIEF_RELEASE_ALERTS is on; what went wrong, as warnings (none when nothing did)."""
    if not settings.release_alerts or not any(r.figures for r in reports):
        return []
    try:
        outcome = run_release_alert(engine, settings, now=now)
    except Exception as exc:  # noqa: BLE001 - the data is stored and published; the message is reported
        return [f"the release-day message failed: {type(exc).__name__}: {exc}"]
    return [f"{outcome.summary}"] if outcome.problems else []


def _dry_run(rendered: RenderedAlert, settings: Settings, outcome: AlertOutcome, now: datetime) -> AlertOutcome:
    """The email (.eml and a browser preview .html) and the webhooks' text (.md) under <outbox>/release/."""
    recipients = recipients_of(settings.release_recipients or settings.recipients)
    msg = email_of(rendered, settings, recipients=recipients, message_id=message_id_for(settings, outcome.period),
                   date=now)
    folder = settings.outbox_dir / OUTBOX
    webhook_text = f"# {rendered.webhook_title}\n\n{rendered.webhook_body}\n"
    outcome.files = []
    for name, data in ((f"{outcome.period}.eml", msg.as_bytes(policy=policy.SMTP)),
                       (f"{outcome.period}.html", rendered.email.preview_html().encode("utf-8")),
                       (f"{outcome.period}.webhook.md", webhook_text.encode("utf-8"))):
        atomic_write(folder / name, data)
        outcome.files.append(folder / name)
    outcome.message_id, outcome.action = str(msg["Message-ID"]), "written"
    return outcome


def _send(engine: Engine, rendered: RenderedAlert, settings: Settings, outcome: AlertOutcome, *, force: bool,
          now: datetime) -> AlertOutcome:
    recipients = recipients_of(settings.release_recipients or settings.recipients)
    if recipients and not settings.smtp_url:
        log.warning("release-day message: MSBRIEF_SMTP_URL is not set: no email to %d recipient(s)", len(recipients))
        recipients = []
    hooks = {h.address: h for h in webhooks(settings.release_webhooks)}
    targets = [Target(Channel.EMAIL, r) for r in recipients] + [Target(Channel.WEBHOOK, a) for a in hooks]
    if not targets:
        raise ValueError("a release-day message needs MSBRIEF_RELEASE_RECIPIENTS (or MSBRIEF_RECIPIENTS) with "
                         "MSBRIEF_SMTP_URL, or MSBRIEF_RELEASE_WEBHOOKS: nobody to send it to")
    config = smtp_config(settings) if recipients else None
    if config:
        settings.require_mail_addresses()  # the email's From and unsubscribe address, before anything is claimed
        config.endpoint()  # a bad URL is an error before anything is claimed

    @contextmanager
    def transports(claim: Claim) -> Iterator[dict[Channel, Transport]]:
        opened: dict[Channel, Transport] = {
            Channel.WEBHOOK: WebhookTransport(WebhookSender(rendered.webhook_title, rendered.webhook_body,
                                                            rendered.slack_body, timeout=settings.webhook_timeout),
                                              hooks)}
        if config is None:
            yield opened
            return
        msg = email_of(rendered, settings, recipients=recipients, message_id=claim.message_id, date=now)
        with Mailer(config) as mailer:
            opened[Channel.EMAIL] = EmailTransport(mailer, msg)
            yield opened

    result = dispatch(engine, kind=KIND, key=outcome.period, subject=outcome.subject,
                      message_id=message_id_for(settings, outcome.period), targets=targets, transports=transports,
                      leases=leases(settings), force=force)
    outcome.message_id, outcome.status, outcome.deliveries = result.message_id, result.state, result.reports
    outcome.action = "sent" if result.attempted else "already-sent"
    log.log(logging.WARNING if outcome.problems else logging.INFO, "%s", outcome.summary)
    return outcome
