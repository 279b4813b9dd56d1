"""The `msbrief` command: the parser, and one-line errors for what an operator can get wrong.

Each group of subcommands lives in a module of its own (commands/<group>.py) that registers its
parser; heavy modules (Prefect, SQLAlchemy, Alembic) are imported by the handlers only, so
`msbrief --help` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from commands import briefing, db, feeds, figures, mirror, release_alert, run, sources
from commands.errors import CommandError
from pipeline.sources import SOURCES

COMMAND_MODULES = (run, db, figures, sources, feeds, briefing, release_alert, mirror)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msbrief",
        description=(
            "msbrief: UK modern slavery and human trafficking news and statistics. Reads GOV.UK's NRM "
            "statistics and modern slavery guidance, the Sentencing Council, the Independent Anti-Slavery "
            "Commissioner, ATLEU, UK Parliament's written questions and statements, the National Crime Agency, "
            "and the GLAA with the Fair Work Agency; "
            "stores the figures; publishes RSS/Atom feeds and a weekly email briefing. "
            "Settings come from MSBRIEF_* environment variables (see .env.example)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    _name_the_sources(parser)
    return parser


SOURCES_LINE = ("Sources (the names --source and `sources check NAME` take): "
                + ", ".join(SOURCES) + ".")


def _name_the_sources(parser: argparse.ArgumentParser) -> None:
    """Every command's --help ends by naming every source, so no help page leaves one out."""
    parser.epilog = f"{parser.epilog}\n\n{SOURCES_LINE}" if parser.epilog else SOURCES_LINE
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _name_the_sources(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.handler(args)
    except CommandError as exc:
        for line in str(exc).splitlines() or [""]:  # several settings wrong: one line for each
            print(f"msbrief {args.command}: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"msbrief {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
