"""`msbrief demo`, as a new user runs it: the whole pipeline offline, then a second cycle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
MSBRIEF = Path(sys.executable).parent / "msbrief"
CONTRACT_KEYS = {"name", "status", "requests", "not_modified", "bytes", "new", "amended", "figures", "error"}


def demo(cwd: Path) -> tuple[dict, str]:
    done = subprocess.run([str(MSBRIEF), "demo", "--json"], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in __import__("os").environ.items()
                               if not k.startswith(("MSBRIEF_", "PREFECT_API_URL", "PREFECT_HOME"))})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(done.stdout), done.stderr


def test_demo_twice_is_a_full_cycle_then_a_cycle_of_304s(tmp_path):
    first, err1 = demo(tmp_path)
    assert {s["name"] for s in first["sources"]} == {"govuk_nrm", "sentencing_council", "iasc", "atleu",
                                                       "govuk_guidance"}
    for s in first["sources"]:
        assert set(s) == CONTRACT_KEYS
        assert s["status"] == "ok" and s["new"] > 0 and s["error"] is None, s
    assert next(s for s in first["sources"] if s["name"] == "govuk_nrm")["figures"] > 100
    public = tmp_path / "var" / "public"
    assert (public / "index.html").is_file()
    assert len(list((public / "feeds").glob("*.xml"))) >= 12
    assert {Path(p).name for p in first["feeds"]} >= {"all.rss.xml", "all.atom.xml", "index.html"}
    assert list((tmp_path / "var" / "outbox").glob("*.eml")) and list((tmp_path / "var" / "outbox").glob("*.html"))
    feeds_before = {p: p.read_bytes() for p in (public / "feeds").glob("*.xml")}

    second, err2 = demo(tmp_path)
    for s in second["sources"]:
        assert s["status"] == "ok" and s["new"] == s["amended"] == s["figures"] == 0, s
        assert s["requests"] == s["not_modified"] > 0 and s["bytes"] == 0, s
    assert {p: p.read_bytes() for p in (public / "feeds").glob("*.xml")} == feeds_before

    for err in (err1, err2):
        assert "Traceback" not in err, err[-5000:]
        assert "database is locked" not in err, err[-5000:]
