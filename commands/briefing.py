"""`msbrief briefing [--week YYYY-Www] [--send | --dry-run] [--force]`: the weekly email, once."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from commands.errors import CommandError, database, load_settings
from vocabulary.weeks import WEEK_RULE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "briefing",
        help="compose the weekly email briefing and send it (or write it to <output_dir>/outbox)",
        description=(
            f"Compose the briefing of one ISO week and send it to MSBRIEF_RECIPIENTS over MSBRIEF_SMTP_URL. "
            f"The week, unless --week names one (the same rule as `msbrief demo`): {WEEK_RULE}. New in a week "
            "means first seen that week and published no more than MSBRIEF_BRIEFING_WINDOW_WEEKS weeks before it "
            "(so a first run lists only recent items). A week is sent once: a second run sends only to "
            "recipients not yet accepted. Without MSBRIEF_SMTP_URL (or with --dry-run) it writes "
            "<output_dir>/outbox/<week>.eml and <week>.html and records nothing. "
            "A week named with --week must have ended (London time) and msbrief must have read its sources "
            "before its end; a sending run never sends the default week while it is in progress: it refuses, "
            "in one line, and records nothing (--force overrides). Needs MSBRIEF_CONTACT_EMAIL (the From and "
            "unsubscribe address). "
            "Exit status 1 when some recipient was refused or failed."
        ),
    )
    p.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: see above)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--send", dest="send", action="store_const", const=True, default=None,
                      help="send over SMTP (the default when MSBRIEF_SMTP_URL is set)")
    mode.add_argument("--dry-run", dest="send", action="store_const", const=False,
                      help="write .eml and .html to <output_dir>/outbox; send and record nothing")
    p.add_argument("--force", action="store_true", help="send again to every recipient, even those who have it; and compose a week that has not "
                   "ended, or that ended before msbrief first read its sources")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from feeds.mailer import MailerError
    from pipeline.briefing import run_briefing

    settings = load_settings()
    try:
        settings.require_mail_addresses()
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    with database(settings) as engine:
        try:
            outcome = run_briefing(
                engine, settings, week=args.week, send=args.send, force=args.force, now=datetime.now(UTC)
            )
        except (ValueError, RuntimeError, MailerError) as exc:
            raise CommandError(str(exc)) from None
    print(outcome.subject)
    print(outcome.summary)
    for d in outcome.deliveries:
        if d.another_run:  # that run reports how it ends
            print(f"  {d.recipient}: {d.shown_status}")
            continue
        marker = "" if d.attempted else " (earlier run)"
        print(f"  {d.recipient}: {d.status}{marker}" + (f" - {d.response}" if d.response else ""))
    return 1 if outcome.failed else 0
