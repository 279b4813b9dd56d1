"""DESIGN.md's import rules: scrapers import nothing of ours; store only scrapers.records (and
scrapers.normalise, a pure helper); feeds only records and read models; nothing imports flows;
no module in flows/ shadows a package, a stdlib module or a dependency."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("flows", "scrapers", "store", "feeds", "vocabulary")

ALLOWED = {
    "vocabulary": {"vocabulary"},
    "scrapers": {"scrapers", "vocabulary"},
    "store": {"store", "scrapers.records", "scrapers.normalise", "vocabulary"},
    "feeds": {"feeds", "scrapers.records", "store.read", "vocabulary"},
    "flows": {"flows", "scrapers", "store", "feeds", "vocabulary"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in OURS}


def allowed(package: str, name: str) -> bool:
    return any(name == rule or name.startswith(rule + ".") for rule in ALLOWED[package])


MODULES = sorted(p for pkg in OURS for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_respects_import_rules(path: Path):
    package = path.relative_to(ROOT).parts[0]
    bad = sorted(
        name for name in imports_of(path)
        if not allowed(package, name)
        # `from store import models` is reported as both "store" and "store.models": judge the latter
        and not any(other.startswith(name + ".") and allowed(package, other) for other in imports_of(path))
    )
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which DESIGN.md's import rules forbid for {package}/"


def test_flows_modules_do_not_shadow_other_modules():
    taken = set(sys.stdlib_module_names) | set(packages_distributions()) | set(OURS)
    names = {p.stem for p in (ROOT / "flows").glob("*.py")} - {"__init__"}
    assert not names & taken, f"flows/ modules shadow importable modules: {sorted(names & taken)}"


def test_the_rule_checker_can_fail(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("from store import repo\nimport flows.cli\n")
    assert {n for n in imports_of(bad) if not allowed("scrapers", n)} >= {"store.repo", "flows.cli"}
