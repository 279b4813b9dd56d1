"""The docs stay true: every setting is in .env.example, every command in the README and --help with
exactly the options the command takes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from commands.main import build_parser
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_env_example_lists_exactly_the_settings():
    listed = set(re.findall(r"^(MSBRIEF_[A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    assert listed == {f"MSBRIEF_{name.upper()}" for name in Settings.model_fields}


def usage_lines() -> dict[str, str]:
    """The README's command block: each `msbrief ...` line's command words -> its usage part."""
    block = README.split("## Commands", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    found = {}
    for line in block.strip().splitlines():
        usage = re.split(r"\s{2,}", line.strip())[0]
        words = [w for w in usage.split() if re.fullmatch(r"[a-z][a-z-]*", w)]  # release-alert
        found[" ".join(words)] = usage
    return found


def subparsers(parser: argparse.ArgumentParser, prefix: str = "msbrief") -> dict[str, argparse.ArgumentParser]:
    """Every `msbrief ...` command that takes no further subcommand -> its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix: parser}
    found: dict[str, argparse.ArgumentParser] = {}
    for action in subs:
        for name, child in action.choices.items():
            found |= subparsers(child, f"{prefix} {name}")
    return found


def test_the_readme_states_every_command_with_exactly_its_options():
    """Each README usage line names the command's real options and arguments: none missing, none made up."""
    documented, real = usage_lines(), subparsers(build_parser())
    assert set(documented) == set(real), "README's command list and the parser differ"
    for command, parser in real.items():
        usage = documented[command]
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--")} - {"--help"}
        assert set(re.findall(r"--[a-z][a-z-]*", usage)) == options, f"README: {usage!r}; {command} takes {options}"
        positionals = [a.metavar or a.dest for a in parser._actions if not a.option_strings]
        for name in positionals:
            assert re.search(rf"\b{re.escape(str(name))}\b", usage), f"README: {usage!r} does not name {name}"
        parser.format_help()  # every help text renders


def test_the_top_level_help_lists_every_command_the_readme_does():
    top = build_parser()
    (action,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    assert {c.split()[1] for c in usage_lines()} == set(action.choices)
    help_text = top.format_help()
    for name in action.choices:
        assert re.search(rf"^\s+{name}\s+\S", help_text, re.M), f"msbrief --help does not describe {name}"


def test_every_help_page_names_every_source():
    """Issue 25: `--help` of every command names every source msbrief reads."""
    from pipeline.sources import SOURCES

    for command, parser in {"msbrief": build_parser(), **subparsers(build_parser())}.items():
        text = parser.format_help()
        assert [name for name in SOURCES if not re.search(rf"\b{name}\b", text)] == [], command
