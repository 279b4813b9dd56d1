"""The `msbrief` command. Each group of subcommands lives in its own flows/cmd_*.py module."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code = args.handler(args)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
