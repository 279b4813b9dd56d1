"""`msbrief release-alert [--release PERIOD] [--send | --dry-run] [--force]`: the release-day message, once."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from commands.errors import CommandError, database, load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "release-alert",
        help="send the release-day message of the latest NRM release (or write it to <output_dir>/outbox/release)",
        description=(
            "Compose the release-day message of the latest NRM release with figures (or --release PERIOD): its "
            "headline figures with the change on the quarter and the year, the chart and links. Send it once to "
            "each address of MSBRIEF_RELEASE_RECIPIENTS (default MSBRIEF_RECIPIENTS) over MSBRIEF_SMTP_URL and to "
            "each webhook of MSBRIEF_RELEASE_WEBHOOKS; a second run sends only to addresses that have not got it. "
            "Release-time runs send it by themselves when MSBRIEF_RELEASE_ALERTS is on; sending needs it on. "
            "Without it (or with --dry-run) it writes <output_dir>/outbox/release/<period>.eml, .html and "
            ".webhook.md and records nothing. Exit status 1 when some address was refused, failed or is unconfirmed."
        ),
    )
    p.add_argument("--release", metavar="PERIOD", help="the release, e.g. 2024-Q1 (default: the latest with figures)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--send", dest="send", action="store_const", const=True, default=None,
                      help="send it (the default when MSBRIEF_RELEASE_ALERTS is on)")
    mode.add_argument("--dry-run", dest="send", action="store_const", const=False,
                      help="write it to <output_dir>/outbox/release; send and record nothing")
    p.add_argument("--force", action="store_true", help="send again to every address, even those that have it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from feeds.mailer import MailerError
    from feeds.webhooks import WebhookError
    from pipeline.release_alerts import run_release_alert

    settings = load_settings()
    send = settings.release_alerts if args.send is None else args.send
    if send and not settings.release_alerts:
        raise CommandError("release-day messages are off: set MSBRIEF_RELEASE_ALERTS=true to send them, or use "
                           "--dry-run to write one")
    with database(settings) as engine:
        try:
            # a release named here is sent whenever it was published; the latest only while it is news
            outcome = run_release_alert(engine, settings, now=datetime.now(UTC), period=args.release, send=send,
                                        force=args.force)
        except (ValueError, RuntimeError, MailerError, WebhookError) as exc:
            raise CommandError(str(exc)) from None
    if outcome.subject:
        print(outcome.subject)
    print(outcome.summary)
    for d in outcome.deliveries:
        state = "being sent by another run" if d.another_run else str(d.state)
        marker = "" if d.attempted or d.another_run else " (earlier run)"
        print(f"  {d.target.channel} {d.address}: {state}{marker}" + (f" - {d.reply}" if d.reply and not d.another_run else ""))
    return 1 if outcome.problems or outcome.action == "no-release" else 0
