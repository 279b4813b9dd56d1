"""The README's "What msbrief promises" names its evidence: tests that exist, and (checked by
conftest.py at the end of a run that includes this file) that ran and passed in that same run."""

from __future__ import annotations

import ast

from promises import ROOT, promised_tests


def test_every_test_named_in_the_promises_exists():
    named = promised_tests()
    for ref in named:
        path, name = ref.split("::")
        assert (ROOT / path).is_file(), f"README names {path}, which does not exist"
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
        assert name in functions, f"README names {ref}, which is not a test there"
    assert len(named) >= 8
