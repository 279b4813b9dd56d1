"""The docs stay true: every setting is in .env.example, every command in the README and --help."""

from __future__ import annotations

import re
from pathlib import Path

from commands.main import build_parser
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_lists_exactly_the_settings():
    listed = set(re.findall(r"^(MSBRIEF_[A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    assert listed == {f"MSBRIEF_{name.upper()}" for name in Settings.model_fields}


def commands() -> list[str]:
    """Every `msbrief ...` command line, down to the sub-subcommands."""
    found = []

    def walk(parser, prefix):  # type: ignore[no-untyped-def]
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            found.append(prefix)
        for action in subs:
            for name, child in action.choices.items():
                walk(child, f"{prefix} {name}")

    walk(build_parser(), "msbrief")
    return found


def test_the_readme_and_help_document_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    help_text = build_parser().format_help()
    for command in commands():
        assert command in readme, f"README.md does not document {command!r}"
        assert command.split()[1] in help_text
    assert len(commands()) >= 11
