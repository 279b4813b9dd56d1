"""A bulletin of repeated share-and-count patterns costs memory and time in proportion to its size (issue 26).

Before, every unread number made a warning carrying its whole clause: memory and time grew with
the square of the length (130 kB took 2.1 GB; 194 kB a MemoryError). Now warnings are short and
counted past MSBRIEF_NRM_MAX_WARNINGS, the key results are read up to
MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS, and every step is linear. Measured here as ratios between a
document and one four times its size (linear is 4; the old square was 16), with generous margins
for a loaded machine; the absolute numbers are in bench/ and BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from mirror_fixture import FIXTURES, start_mirror
from reliability import settings_for

from scrapers.nrm import extract
from store import models as m
from store.db import make_engine, transaction
from tests.test_crash import MSBRIEF, env_for

TITLE = "Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 2 2023 - April to June"
PAIRS = "45% (1,234) were male and 55% (1,510) were female"
# Each shape repeats a share-and-count pattern; the first is the one that exhausted 24 GB.
SHAPES = {
    "one clause, many numbers": lambda n: "<ul><li>" + "45% (1,234) " * n + "</li></ul>",
    "one sentence, many clauses": lambda n: "<ul><li>" + f"{PAIRS}, and " * n + "</li></ul>",
    "one paragraph, many sentences": lambda n: "<p>Key results: 4,905 potential victims were referred. </p><p>"
                                               + f"{PAIRS}. " * n + "</p>",
    "many bullets": lambda n: "<ul>" + f"<li>{PAIRS}</li>" * n + "</ul>",
}
NO_LIMIT = 100_000_000


def bulletin(shape: str, size: int) -> str:
    """A Content API document whose key results are about `size` characters of `shape`."""
    make = SHAPES[shape]
    unit = len(make(2)) - len(make(1))
    body = make(max(1, size // unit))
    heading = "" if body.startswith("<p>Key results") else "<h2>Key results</h2>"
    return json.dumps({"title": TITLE, "details": {"body": f'<div class="govspeak">{heading}{body}</div>'}})


def seconds(document: str) -> tuple[float, tuple[str, ...]]:
    """(CPU seconds, warnings) of one extraction, the key results read whole."""
    started = time.process_time()
    got = extract(document, max_key_results_chars=NO_LIMIT)
    return time.process_time() - started, got.warnings


def peak_bytes(document: str) -> int:
    """The most memory one extraction allocated at once, the key results read whole."""
    tracemalloc.start()
    try:
        extract(document, max_key_results_chars=NO_LIMIT)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", SHAPES)
def test_reading_grows_in_proportion_to_the_key_results(shape: str) -> None:
    small, large = bulletin(shape, 12_000), bulletin(shape, 48_000)
    seconds(small)  # warm the caches (compiled patterns)
    # the best of three runs each: another process on the machine can only make a run slower
    (t1, w1), (t4, w4) = (min(seconds(doc) for _ in range(3)) for doc in (small, large))
    assert t4 / max(t1, 0.05) < 8, f"{shape}: {t1:.2f}s for 12 kB, {t4:.2f}s for 48 kB: not linear"
    m1, m4 = peak_bytes(small), peak_bytes(large)
    assert m4 / m1 < 8, f"{shape}: {m1 / 1e6:.1f} MB for 12 kB, {m4 / 1e6:.1f} MB for 48 kB: not linear"
    assert m4 < 50e6, f"{shape}: {m4 / 1e6:.0f} MB to read 48 kB of key results"
    for warnings in (w1, w4):
        assert len(warnings) <= 50 + 2 and all(len(w) < 400 for w in warnings), warnings[:3]


def test_warnings_past_the_limit_are_counted_in_one_line() -> None:
    bullets = "".join(f"<li>{i}% ({i * 10}) were mole</li>" for i in range(1, 90))
    got = extract(json.dumps({"title": TITLE, "details": {"body": f"<h2>Key results</h2><ul>{bullets}</ul>"}}),
                  max_warnings=3)
    more = [w for w in got.warnings if "more warnings about this bulletin were not kept" in w]
    assert len(more) == 1 and "(at most 3 are: MSBRIEF_NRM_MAX_WARNINGS)" in more[0], got.warnings
    assert len(got.warnings) <= 3 + 2, got.warnings


def test_key_results_past_the_limit_are_read_that_far_with_one_line() -> None:
    got = extract(bulletin("many bullets", 500_000), max_key_results_chars=10_000)
    assert any("only the first 10,000 were read (MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS)" in w for w in got.warnings)
    assert {f.metric: f.value for f in got.figures} == {"male_pct": 45, "male_count": 1234, "female_pct": 55,
                                                         "female_count": 1510}


@pytest.mark.parametrize("size", [500_000, 5_000_000], ids=["0.5MB", "5MB"])
def test_msbrief_run_on_a_hostile_bulletin_stays_under_500_mb(size: int, tmp_path: Path) -> None:
    nrm = FIXTURES / "govuk_nrm"
    recorded = next(r for r in json.loads((nrm / "mirror.json").read_text())["responses"]
                    if r["file"].startswith("content/modern-slavery-national-referral-mechanism-and-duty-to-notify-"
                                            "statistics-uk-april-to-june-2023--"))
    doc = json.loads((nrm / recorded["file"]).read_text(encoding="utf-8"))
    doc["details"]["body"] = json.loads(bulletin("one sentence, many clauses", size))["details"]["body"].replace(
        "<h2>Key results</h2><ul><li>", "<h2>Key results</h2><ul><li>3,998 potential victims of modern slavery were "
        "referred to the Home Office in April to June 2023</li><li>", 1)
    db = tmp_path / "msbrief.db"
    with start_mirror() as mirror:
        mirror.put_response(f"/govuk_nrm{recorded['path']}", json.dumps(doc), content_type="application/json")
        settings = settings_for(mirror, f"sqlite:///{db}", tmp_path / "var")
        env = env_for(settings, tmp_path)
        env.pop("PREFECT_API_URL", None)
        with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
            proc = subprocess.Popen([MSBRIEF, "run", "--source", "govuk_nrm", "--json"], env=env, cwd=tmp_path,
                                    stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 1024 / 1024
    report = json.loads((tmp_path / "out").read_text())
    source = next(s for s in report["sources"] if s["name"] == "govuk_nrm")
    assert source["status"] == "ok", (source, (tmp_path / "err").read_text()[-2000:])
    assert peak_mb < 500, f"msbrief run peaked at {peak_mb:.0f} MB on a {size / 1e6:.1f} MB bulletin"
    engine = make_engine(f"sqlite:///{db}")
    with transaction(engine) as s:
        rel = s.query(m.StatisticsRelease).filter_by(period="2023-Q2").one()
        warnings, figures = list(rel.warnings), {f.metric: f.value for f in rel.figures if f.withheld_reason is None}
    engine.dispose()
    assert figures.get("total_referrals") == 3998, figures
    assert any("MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS" in w for w in warnings), warnings[:5]
    assert len(warnings) < 70 and all(len(w) < 600 for w in warnings)
