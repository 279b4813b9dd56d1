"""The tests the README's "What msbrief promises" table names as its evidence."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def promised_tests() -> list[str]:
    """Node ids (`tests/test_x.py::test_name`, no parameters) named in the promises table, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What msbrief promises", 1)[1].split("\n## ", 1)[0]
    found, current = [], ""
    for whole, part in re.findall(r"`(tests/[^`]+)`|`(::[^`]+)`", section):
        ref = whole or part
        if ref.startswith("tests/"):
            current = ref.split("::")[0]
        if "::" in ref:
            found.append(f"{current}::{ref.split('::')[1]}")
    return found
