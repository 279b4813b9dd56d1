"""The rooms of docs/ARCHITECTURE.md and what each may import, so data flows one way:

vocabulary (shared words) <- scrapers (fetch, parse, normalise) <- store (all SQL) <- feeds (render)
<- pipeline (Prefect-free services) <- flows (Prefect only) <- commands (the command line).
The mirror is a tool of its own that imports nothing of ours. SQLAlchemy belongs to the store,
Prefect to flows (and the command line that starts flows), argparse to the command line.
"""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("vocabulary", "scrapers", "store", "feeds", "pipeline", "flows", "commands", "mirror")

ALLOWED = {
    "vocabulary": {"vocabulary"},
    "scrapers": {"scrapers", "vocabulary"},
    "store": {"store", "scrapers.records", "vocabulary"},
    "feeds": {"feeds", "scrapers.records", "store.read", "vocabulary"},
    "pipeline": {"pipeline", "scrapers", "store", "feeds", "vocabulary"},
    "flows": {"flows", "pipeline", "vocabulary"},
    "commands": {"commands", "pipeline", "flows", "mirror", "scrapers", "store", "feeds", "vocabulary"},
    "mirror": {"mirror"},
}
# Third-party packages that belong to one room (and the rooms allowed to import them).
OWNED = {
    "sqlalchemy": {"store"},
    "alembic": {"store"},
    "prefect": {"flows", "pipeline"},  # pipeline: only the optional Prefect Secret blocks (pipeline/secret_blocks.py)
    "argparse": {"commands"},
    "apprise": {"feeds"},  # feeds/webhooks.py: the release-day webhooks
}


def imports_of(path: Path, *, ours_only: bool = True) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if not ours_only or name.split(".")[0] in OURS}


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
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which docs/ARCHITECTURE.md forbids for {package}/"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_packages_stay_in_their_room(path: Path):
    package = path.relative_to(ROOT).parts[0]
    roots = {name.split(".")[0] for name in imports_of(path, ours_only=False)}
    bad = sorted(r for r in roots if r in OWNED and package not in OWNED[r])
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which belong to {[sorted(OWNED[r]) for r in bad]}"


def test_flows_modules_do_not_shadow_other_modules():
    # Prefect puts the flow file's folder first on sys.path: flows/store.py would shadow `store`.
    taken = set(sys.stdlib_module_names) | set(packages_distributions()) | set(OURS)
    names = {p.stem for p in (ROOT / "flows").glob("*.py")} - {"__init__"}
    assert not names & taken, f"flows/ modules shadow importable modules: {sorted(names & taken)}"


def test_the_rule_checker_can_fail(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("from store import repo\nimport flows.cli\nimport sqlalchemy\n")
    assert {n for n in imports_of(bad) if not allowed("scrapers", n)} >= {"store.repo", "flows.cli"}
    assert "sqlalchemy" in {n.split(".")[0] for n in imports_of(bad, ours_only=False)} - set(OURS)
