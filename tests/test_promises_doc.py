"""The README's "What msbrief promises" names test files and tests: they must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_named_in_the_promises_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What msbrief promises", 1)[1].split("\n## ", 1)[0]
    named = 0
    for cell in re.findall(r"`(tests/[^`]+)`|`(::[^`]+)`", section):
        ref = cell[0] or cell[1]
        if ref.startswith("tests/"):
            current = ref.split("::")[0]
            path = ROOT / current
            assert path.is_file(), f"README names {current}, which does not exist"
            functions = {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
        if "::" in ref:
            name = ref.split("::")[1]
            assert name in functions, f"README names {current}::{name}, which does not exist"
            named += 1
    assert named >= 8
