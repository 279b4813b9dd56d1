"""The held-out discipline (tests/fixtures/nrm/HELDOUT.md): recall and wrong figures on the
bulletins the rules were built on and on those held out, in every rendering."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from test_nrm_figures import expected_period_of

from scrapers.nrm import extract
from vocabulary.calendar import MONTH_PATTERN

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


# --- issue 24: official and others' wording, written before any change (heldout24/README.md) -----

HELDOUT24 = BULLETINS.parent / "heldout24"
# folder -> (stated figures, recovered at least): the numbers tests/fixtures/nrm/HELDOUT.md gives
FLOORS = {"looked-official": (118, 115), "looked-others": (54, 54), "sealed-official": (63, 63), "sealed-others": (41, 41)}
_NOT_NUMBERS = re.compile(r"\b\d{1,2}\s+" + MONTH_PATTERN + r"|" + MONTH_PATTERN + r"\s+\d{4}|\bquarter\s+\d"
                          r"|\b(?:19|20)\d\d\b(?!\s*(?:potential|referrals|cases))|\b[A-Za-z]+-\d+\b|\b\d+-\d+\b", re.I)
_NUMBER = re.compile(r"(?<![\w.,-])\d{1,3}(?:,\d{3})+(?![\d,]*\d)|(?<![\w.,-])\d+(?:\.\d+)?(?:%| per cent)?(?![\w,]*\d)")


def measure24(folder: Path) -> tuple[int, int, list[str], list[str]]:
    """(recovered, stated, wrong or another scope's figures, numbers neither read nor named)."""
    recovered = stated = 0
    wrong, silent = [], []
    for path in sorted(folder.glob("*.expected.json")):
        name = path.name[: -len(".expected.json")]
        expected = json.loads(path.read_text(encoding="utf-8"))
        text = (folder / f"{name}.txt").read_text(encoding="utf-8")
        got = extract(text)
        want = {f["metric"]: (f["value"], f["unit"], expected_period_of(f["metric"], expected["period"], f.get("period")))
                for f in expected["figures"]}
        stated += len(want)
        for f in [*got.figures, *(w.figure for w in got.withheld)]:
            if f.unit != "date" and want.get(f.metric) != (f.value, f.unit, f.period):
                wrong.append(f"{name}: {f.metric}={f.value!r} for {f.period}")
        recovered += sum(1 for f in got.figures if want.get(f.metric) == (f.value, f.unit, f.period))
        said = " | ".join(got.warnings)
        read = {form for f in got.figures for form in _written_forms(f.value, f.unit)}
        key_results = _NOT_NUMBERS.sub(lambda m: " " * len(m.group(0)), re.split(r"\n(?:\d+\.\s*)?Key ", text, maxsplit=1)[1])
        for m in _NUMBER.finditer(key_results):
            number = m.group(0)
            if number not in read and not re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]*\d)", said):
                silent.append(f"{name}: {number}")
        silent += [f"{name}: {n} (must be named)" for n in expected.get("named", []) if n not in said]
    return recovered, stated, wrong, silent


def _written_forms(value: object, unit: str) -> set[str]:
    if unit == "count" and isinstance(value, int):
        return {f"{value:,}", str(value)}
    if unit == "pct" and isinstance(value, (int, float)):
        return {f"{abs(value)}%", f"{abs(value)} per cent"}
    return set()


def test_the_issue_24_held_out_material_is_as_committed_before_development() -> None:
    pinned = dict(line.split("  ./", 1)[::-1] for line in (HELDOUT24 / "SHA256SUMS").read_text().splitlines())
    for relative, digest in pinned.items():
        assert hashlib.sha256((HELDOUT24 / relative).read_bytes()).hexdigest() == digest, relative
    assert set(pinned) == {str(p.relative_to(HELDOUT24)) for p in HELDOUT24.rglob("*.*")
                           if p.name not in ("SHA256SUMS", "README.md")}


@pytest.mark.parametrize("folder", sorted(FLOORS))
def test_issue_24_held_out_wording_is_read_without_a_wrong_figure_or_a_silent_number(folder: str) -> None:
    recovered, stated, wrong, silent = measure24(HELDOUT24 / folder)
    floor_stated, floor = FLOORS[folder]
    assert wrong == [] and silent == [], (wrong, silent)
    assert stated == floor_stated and recovered >= floor, f"{folder}: {recovered}/{stated}"
