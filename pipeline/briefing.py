"""The weekly briefing: read the week, compose it, and send it once (or write it to the outbox).

No Prefect here (flows/briefing.py wraps `run_briefing` in a flow). The exactly-once protocol is
the store's (store/deliveries.py), driven by pipeline/dispatch.py for the dispatch ("briefing",
week): a rerun takes over a delivery whose run is gone before the final "." of DATA (nothing was
delivered); past that point a run that is gone, or a reply that never came, leaves it
"unconfirmed" (probably delivered): not sent again unless forced (`--force`), and reported.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from feeds.briefing import (
    BriefingData,
    InForce,
    Unsubscribe,
    briefing_subject,
    message_from,
    recipients_of,
    render_briefing,
)
from feeds.briefing_sections import quiet_words
from feeds.mailer import Mailer, SmtpConfig
from feeds.publish import atomic_write
from pipeline.dispatch import Attempt, Leases, dispatch
from pipeline.parliament import read_parliament
from pipeline.reports import markdown_text
from pipeline.settings import Settings
from pipeline.sources import SOURCES
from store import queries
from store.db import Engine, read_session
from store.deliveries import Claim, Target, record_empty
from store.read import FeedItem
from store.series import series
from vocabulary.calendar import LONDON_TZ_NAME, long_date
from vocabulary.deliveries import Channel, DeliveryState
from vocabulary.weeks import format_week, parse_week, previous_week, week_bounds

log = logging.getLogger(__name__)


ANOTHER_RUN = "being sent by another run"


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient's delivery after this run; `attempted` is True when this run tried it,
    `another_run` when a live concurrent run is sending it right now."""

    recipient: str
    status: DeliveryState
    response: str | None
    attempted: bool
    another_run: bool = False

    @property
    def shown_status(self) -> str:
        """The status as this run reports it: one another run is sending is that run's to report
        (its "sending" or "unconfirmed" is a step of that run, not an outcome)."""
        return ANOTHER_RUN if self.another_run else self.status


@dataclass
class BriefingOutcome:
    """What `run_briefing` did. `action`: written, sent, already-sent, nothing-new."""

    week: str
    subject: str
    dry_run: bool
    action: str
    empty: bool
    status: str | None = None  # the briefings row's status, when sending
    quiet: str = ""  # a week with no news: what is known about it ("Nothing new this week", "No source was read...")
    message_id: str | None = None
    deliveries: list[DeliveryReport] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    preview_text: str = ""  # the plain-text part as composed by this run ("" when nothing was composed)
    source_errors: dict[str, str] = field(default_factory=dict)  # source -> its latest error that week (operators')

    @property
    def problems(self) -> list[DeliveryReport]:
        """Deliveries not accepted (refused, failed, or still pending), other than those a live
        concurrent run is sending: that run reports them."""
        return [d for d in self.deliveries
                if d.status not in (DeliveryState.ACCEPTED, DeliveryState.WITHDRAWN) and not d.another_run]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed(self) -> bool:
        """True when some recipient has not got the briefing (refused, failed or pending)."""
        return bool(self.problems)

    @property
    def summary(self) -> str:
        """One line for logs and the command: what happened, never any credential."""
        if self.action == "written":
            return f"briefing {self.week}: dry run, wrote {', '.join(str(p) for p in self.files)}"
        if self.action == "nothing-new":
            return f"briefing {self.week}: {self.quiet.lower()}; nothing sent (MSBRIEF_SEND_EMPTY_BRIEFING=false)"
        counts: dict[str, int] = {}
        for d in self.deliveries:
            counts[d.shown_status] = counts.get(d.shown_status, 0) + 1
        sent_now = sum(1 for d in self.deliveries if d.attempted and d.status == "accepted")
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        elsewhere = sum(1 for d in self.deliveries if d.another_run)
        if elsewhere:
            done = (f"accepted for {sent_now} recipient(s) in this run, and " if self.action == "sent" else "")
            return (f"briefing {self.week}: {done}another run is sending this week's briefing ({elsewhere} "
                    f"recipient(s)); deliveries: {tally}")
        if self.action == "already-sent":
            return f"briefing {self.week}: nothing to send (already sent); deliveries: {tally}; status {self.status}"
        return f"briefing {self.week}: accepted for {sent_now} recipient(s) in this run; deliveries: {tally}; status {self.status}"

    @property
    def delivery_rows(self) -> list[dict[str, str]]:
        """The delivery record, one row per recipient (for a Prefect table artifact)."""
        return [
            {"recipient": d.recipient, "status": d.shown_status, "smtp response": "" if d.another_run else d.response or "",
             "attempted in this run": "yes" if d.attempted else "no"}
            for d in self.deliveries
        ]

    @property
    def preview_markdown(self) -> str:
        """The subject and plain-text part, for a Prefect markdown artifact."""
        if not self.preview_text:
            return ""
        text = f"## {self.subject}\n\n```text\n{self.preview_text}\n```\n"
        if self.source_errors:  # staff read plain words in the email; operators get the causes here
            text += "\n### Sources that failed in a run that week\n\n" + "".join(
                f"- **{name}**: {markdown_text(error)}\n" for name, error in sorted(self.source_errors.items()))
        return text


# --- reading the week ------------------------------------------------------------------------


_IN_FORCE = re.compile(
    r"(?:comes?|came|coming)?\s*(?:in|into)\s+force\s+(?:from|on)\s+(\d{1,2}\s+[A-Z][a-z]+\s+\d{4})", re.I
)


def in_force_dates(items: Sequence[FeedItem], *, after: datetime) -> tuple[InForce, ...]:
    """Guidelines whose title or summary says they come into force on a date at or after `after`."""
    found = []
    for item in items:
        match = _IN_FORCE.search(f"{item.title} {item.summary}")
        if not match:
            continue
        try:
            day = date_parser.parse(match[1], dayfirst=True).replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            continue
        if day >= after:
            found.append(InForce(item.title, item.url, day, item.source_title))
    return tuple(sorted(found, key=lambda f: f.date))


GUIDANCE_SHOWN = 5


def default_week(engine: Engine, now: datetime, tz: str = LONDON_TZ_NAME) -> str:
    """The week a briefing reports on unless told otherwise (vocabulary.weeks.WEEK_RULE), for `briefing` and `demo` alike.

    A week before msbrief first read its sources has nothing to report, so until a full week has
    passed since then, the default is the week of that first reading (still in progress).
    """
    last_full = previous_week(now, tz)
    with read_session(engine) as s:
        first = queries.first_reading_at(s)
    if first is None:
        return last_full
    first_week = format_week(first.astimezone(ZoneInfo(tz)).date())
    return max(last_full, first_week, key=lambda w: parse_week(w))


class WeekRefused(ValueError):
    """A week no briefing may be composed for (yet): one line saying why; nothing was recorded."""


def check_week(engine: Engine, week: str, *, now: datetime, tz: str, explicit: bool, send: bool) -> None:
    """WeekRefused unless a briefing of `week` can be true: the week has ended (London time) and
    msbrief had read its sources by then. A week named on the command line (`explicit`) must be
    both; the default week only when sending (a preview of the week in progress is allowed)."""
    if not explicit and not send:
        return
    start, end = week_bounds(week, tz)
    last_day = end.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    ends = f"the end of Sunday {long_date(last_day)} ({tz} time)"
    with read_session(engine) as s:
        first = queries.first_reading_at(s)
    if end > now:
        why = ("is still in progress" if start <= now else "has not started yet") + f": it ends at {ends}"
        raise WeekRefused(f"week {week} {why}; a briefing is only composed for a week that has ended "
                          "(--force composes it anyway); nothing was sent or recorded")
    if first is None or first >= end:
        since = f"msbrief first read its sources on {long_date(first.astimezone(ZoneInfo(tz)).date())}" \
            if first else "msbrief has not read any source yet"
        raise WeekRefused(f"week {week} ended before msbrief read any source ({since}): there is nothing "
                          "true to say about it (--force composes it anyway); nothing was sent or recorded")


def read_week(engine: Engine, week: str, *, settings: Settings, now: datetime | None = None) -> BriefingData:
    """Everything the briefing of `week` shows, as the store has it now.

    "Coming up" starts at the end of the week, or at `now` while the week is still in progress.
    """
    tz = settings.timezone
    start, end = week_bounds(week, tz)
    window_start = start - timedelta(weeks=settings.briefing_window_weeks)
    upcoming_from = min(end, now) if now else end
    guidance = next((spec.name for spec in SOURCES.values() if spec.guidance), "")
    with read_session(engine) as s:
        publications = queries.changed_between(s, start, end, since=window_start)
        release = queries.latest_release(s, before=end, with_figures=True, known_by=end)  # headline numbers
        newest = queries.latest_release(s, before=end)
        referrals = series(s, "total_referrals", before=end)
        upcoming = queries.upcoming_releases(s, after=upcoming_from, known_by=end)
        # a release date confirmed, moved or cancelled this week (one found by a first reading is the archive)
        calendar = queries.calendar_events(s, changed_between=(start, end))
        guidelines = queries.feed_items(s, kind="guideline")
        latest_guidance = queries.recently_changed(s, source=guidance, before=end, limit=GUIDANCE_SHOWN) if guidance else []
        health = queries.source_health(s)
        failed = queries.failed_sources_between(s, start, end)
        readings = queries.readings_between(s, start, end)
        parliament = read_parliament(s, start=start, end=end, since=window_start)
    return BriefingData(
        start=start,
        end=end,
        window_start=window_start,
        release=release,
        newest_release=newest,
        referrals=tuple(referrals),
        publications=tuple(publications),
        upcoming=tuple(upcoming),
        calendar=tuple(calendar),
        in_force=in_force_dates(guidelines, after=upcoming_from),
        health=tuple(health),
        failed_sources=failed,
        guidance_source=guidance,
        latest_guidance=tuple(latest_guidance),
        generalist_sources=frozenset(spec.name for spec in SOURCES.values() if spec.generalist),
        off_topic=settings.briefing_off_topic,
        site_url=settings.site_url,
        timezone=tz,
        parliament=parliament,
        readings=readings,
        sources=tuple(SOURCES),
        as_of=upcoming_from,
    )


# --- settings --------------------------------------------------------------------------------


def smtp_password(settings: Settings) -> str:
    """The SMTP password: MSBRIEF_SMTP_PASSWORD, else the Prefect Secret block it names."""
    password = settings.smtp_password.get_secret_value()
    if password or not settings.smtp_secret_block:
        return password
    from pipeline.secret_blocks import secret_value

    return secret_value(settings.smtp_secret_block, setting="MSBRIEF_SMTP_SECRET_BLOCK")


def smtp_config(settings: Settings) -> SmtpConfig:
    """The mailer's configuration from settings (the password loaded only here)."""
    return SmtpConfig(
        url=settings.smtp_url,
        username=settings.smtp_username,
        password=smtp_password(settings),
        timeout=settings.smtp_timeout,
        reply_timeout=settings.smtp_reply_timeout,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
    )


# --- files -----------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    atomic_write(path, data)
    return path


def _load_sent_copy(path: Path, message_id: str) -> EmailMessage | None:
    """The message composed for this briefing earlier, if its copy is there with the same Message-ID."""
    try:
        with path.open("rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
    except OSError:
        return None
    return msg if msg.get("Message-ID") == message_id else None


# --- the run ---------------------------------------------------------------------------------


def run_briefing(
    engine: Engine,
    settings: Settings,
    *,
    week: str | None = None,
    send: bool | None = None,
    force: bool = False,
    now: datetime,
) -> BriefingOutcome:
    """Compose the briefing of `week` (default: `default_week`) and send or write it.

    `send=None` sends when settings.smtp_url is set and writes a dry run otherwise; `send=False`
    always writes `<output_dir>/outbox/<week>.eml` and `.html` and records nothing. `force`
    sends again to every recipient, even those who already have it.
    """
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware datetime")
    explicit = week is not None
    week = week or default_week(engine, now, settings.timezone)
    parse_week(week)
    if send is None:
        send = bool(settings.smtp_url)
    if send and not settings.smtp_url:
        raise ValueError("sending needs MSBRIEF_SMTP_URL (smtps://, smtp:// or smtp+plain://); use --dry-run to write files")
    settings.require_mail_addresses()
    if not force:
        check_week(engine, week, now=now, tz=settings.timezone, explicit=explicit, send=send)
    config = smtp_config(settings) if send else None
    if config:
        config.endpoint()  # a bad URL is an error before anything is claimed
    data = read_week(engine, week, settings=settings, now=now)
    for name, error in sorted(data.failed_sources.items()):  # staff read plain words; operators the cause
        log.warning("briefing %s: source %s failed in a run that week: %s", week, name, error)
    subject = briefing_subject(week)
    outcome = BriefingOutcome(week=week, subject=subject, dry_run=not send, action="", empty=data.is_empty,
                              source_errors=dict(data.failed_sources))
    if data.is_empty and not settings.send_empty_briefing:
        outcome.action, outcome.quiet = "nothing-new", quiet_words(data)[0]
        if send:
            record_empty(engine, KIND, week, subject)
            outcome.status = "empty"
        return outcome
    if not send:
        return _dry_run(data, settings, outcome, now)
    recipients = recipients_of(settings.recipients)
    if not recipients:
        raise ValueError("MSBRIEF_RECIPIENTS is empty: nobody to send the briefing to")
    assert config is not None
    return _send(engine, data, settings, config, outcome, recipients, force=force, now=now)


def _message_id(settings: Settings, week: str) -> str:
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "msbrief.invalid"
    # Short enough that the header is never folded: <briefing.2026-w47.0123456789abcdef@domain>
    return f"<briefing.{week.lower()}.{secrets.token_hex(8)}@{domain}>"


def _compose(data: BriefingData, settings: Settings, week: str, recipients: Sequence[str], message_id: str,
             date: datetime) -> tuple[EmailMessage, str, str]:
    unsubscribe = Unsubscribe.of(settings.unsubscribe_mailto or settings.contact_email, settings.unsubscribe_url)
    rendered = render_briefing(data, week=week, unsubscribe=unsubscribe)
    msg = message_from(rendered, mail_from=settings.sender, recipients=recipients, message_id=message_id,
                       unsubscribe=unsubscribe, date=date)
    return msg, rendered.preview_html(), rendered.text


def _dry_run(data: BriefingData, settings: Settings, outcome: BriefingOutcome, now: datetime) -> BriefingOutcome:
    recipients = recipients_of(settings.recipients)
    msg, preview, outcome.preview_text = _compose(
        data, settings, outcome.week, recipients, _message_id(settings, outcome.week), now
    )
    outbox = settings.outbox_dir
    outcome.files = [
        _write(outbox / f"{outcome.week}.eml", msg.as_bytes(policy=policy.SMTP)),
        _write(outbox / f"{outcome.week}.html", preview.encode("utf-8")),
    ]
    outcome.message_id = str(msg["Message-ID"])
    outcome.action = "written"
    return outcome


KIND = "briefing"  # the briefing's dispatches are ("briefing", week)


def leases(settings: Settings) -> Leases:
    """How long one run may hold a delivery: to send it, then to wait for the server's reply."""
    return Leases(sending=timedelta(seconds=settings.delivery_lease),
                  reply=timedelta(seconds=settings.smtp_reply_timeout + settings.smtp_timeout))


class EmailTransport:
    """The briefing's email channel: one composed message through one SMTP session."""

    def __init__(self, mailer: Mailer, message: EmailMessage) -> None:
        self.mailer, self.message = mailer, message

    def deliver(self, address: str, *, commit: Callable[[], bool]) -> Attempt:
        result = self.mailer.send(self.message, address, commit=commit)
        return Attempt(result.status, result.reply)


def _send(engine: Engine, data: BriefingData, settings: Settings, config: SmtpConfig, outcome: BriefingOutcome,
          recipients: Sequence[str], *, force: bool, now: datetime) -> BriefingOutcome:
    week = outcome.week

    @contextmanager
    def transports(claim: Claim) -> Iterator[dict[Channel, EmailTransport]]:
        sent_copy = settings.outbox_dir / "sent" / f"{week}.eml"
        msg = None if claim.fresh else _load_sent_copy(sent_copy, claim.message_id)
        if msg is None:
            msg, _, outcome.preview_text = _compose(data, settings, week, recipients, claim.message_id, now)
            _write(sent_copy, msg.as_bytes(policy=policy.SMTP))
        with Mailer(config) as mailer:
            yield {Channel.EMAIL: EmailTransport(mailer, msg)}

    result = dispatch(engine, kind=KIND, key=week, subject=outcome.subject, message_id=_message_id(settings, week),
                      targets=[Target(Channel.EMAIL, r) for r in recipients], transports=transports,
                      leases=leases(settings), force=force)
    outcome.message_id = result.message_id
    outcome.status = result.state
    outcome.deliveries = [
        DeliveryReport(r.address, r.state, str(r.reply) if r.reply else None, r.attempted, another_run=r.another_run)
        for r in result.reports
    ]
    outcome.action = "sent" if result.attempted else "already-sent"
    return outcome
