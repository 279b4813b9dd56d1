"""The `msbrief` command. Each group of subcommands lives in its own flows/cmd_*.py module."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from flows import cmd_briefing, cmd_db, cmd_feeds, cmd_figures, cmd_mirror, cmd_run, cmd_sources

COMMAND_MODULES = (cmd_run, cmd_db, cmd_figures, cmd_sources, cmd_feeds, cmd_briefing, cmd_mirror)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msbrief",
        description=(
            "msbrief: UK modern slavery and human trafficking news and statistics. Reads GOV.UK's NRM "
            "statistics, the Sentencing Council, the Independent Anti-Slavery Commissioner and ATLEU; "
            "stores the figures; publishes RSS/Atom feeds and a weekly email briefing. "
            "Settings come from MSBRIEF_* environment variables (see .env.example)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


# Commands that read or write the database: checked for a reachable database before they start.
DATABASE_COMMANDS = frozenset({"run", "db", "briefing", "feeds"})


def database_error(url: str, exc: BaseException, *, what: str) -> str:
    """One line naming the database (password hidden), what failed and the driver's reason."""
    try:
        parsed = make_url(url)
        shown, password = parsed.render_as_string(hide_password=True), parsed.password or ""
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as nothing at all
        shown, password = "(unparsable database URL)", ""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(orig).__name__
    text = f"database {shown}: {what}: {reason}"
    for secret in {password, quote(password, safe=""), quote_plus(password)} - {""}:
        text = text.replace(secret, "***")
    return text


def check_database(url: str) -> None:
    """Connect once (10 s at most); sqlalchemy's OperationalError/InterfaceError if that fails."""
    from store.db import make_engine

    backend = make_url(url).get_backend_name()
    engine = make_engine(url, connect_args={"connect_timeout": 10}) if backend == "postgresql" else make_engine(url)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    what = "could not connect"
    url = ""
    try:
        if args.command in DATABASE_COMMANDS:
            from flows.settings import get_settings

            url = get_settings().database_url
            check_database(url)
            what = "connection lost during the command (its open transaction was rolled back)"
        code = args.handler(args)
    except (OperationalError, InterfaceError) as exc:
        print(f"msbrief {args.command}: {database_error(url, exc, what=what)}", file=sys.stderr)
        return 2
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
