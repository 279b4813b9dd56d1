"""The held-out discipline (tests/fixtures/nrm/HELDOUT.md): recall and wrong figures on the
bulletins the rules were built on and on those held out, in every rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.nrm import extract

BULLETINS = Path(__file__).parent / "fixtures" / "nrm" / "bulletins"
HELDOUT_MD = BULLETINS.parent / "HELDOUT.md"
BUILD = ("2021-year", "2022-Q2", "2022-Q4", "2023-Q1", "2023-Q1-v2")
HELD_OUT = ("2022-Q3", "2023-Q2", "2023-Q3", "2023-Q3-v2")
ERRATA = {(e["bulletin"], e["metric"]) for e in json.loads((BULLETINS / "ERRATA.json").read_text())["absent"]}


def measure(names: tuple[str, ...], rendering: str) -> tuple[int, int, list[str]]:
    """(stated figures recovered, stated figures, wrong or unstated figures reported)."""
    recovered = stated = 0
    wrong = []
    for name in names:
        expected = json.loads((BULLETINS / f"{name}.expected.json").read_text(encoding="utf-8"))
        want = {f["metric"]: f for f in expected["figures"] if (name, f["metric"]) not in ERRATA}
        got = {f.metric: f for f in extract((BULLETINS / f"{name}.{rendering}").read_bytes()).figures}
        stated += len(want)
        for metric, f in got.items():
            if metric not in want or (f.value, f.unit) != (want[metric]["value"], want[metric]["unit"]):
                wrong.append(f"{name}: {metric}={f.value!r}")
            else:
                recovered += 1
    return recovered, stated, wrong


def test_the_split_is_the_one_heldout_md_states() -> None:
    text = HELDOUT_MD.read_text(encoding="utf-8")
    build_line = next(line for line in text.splitlines() if line.startswith("| build"))
    held_line = next(line for line in text.splitlines() if line.startswith("| held-out ("))
    assert all(f"`{n}`" in build_line for n in BUILD) and all(f"`{n}`" in held_line for n in HELD_OUT)
    assert set(BUILD) | set(HELD_OUT) == {p.name.split(".")[0] for p in BULLETINS.glob("*.expected.json")}


@pytest.mark.parametrize("rendering", ["txt", "html", "json"])
def test_build_set_is_read_completely_and_held_out_set_at_least_as_well_as_first_measured(rendering: str) -> None:
    recovered, stated, wrong = measure(BUILD, rendering)
    assert (recovered, stated, wrong) == (102, 102, [])
    recovered, stated, wrong = measure(HELD_OUT, rendering)
    assert stated == 80 and recovered >= 79 and wrong == []
