"""scrapers.nrm on every recorded bulletin (three renderings) and one fixture per phrasing.

Fixtures are discovered by glob (feedparser style): a new `<name>.txt|.html|.json` with a
`<name>.expected.json` beside it is a new test case.

Evidence rule: an expected figure's quote (whitespace-normalised) must be contained in the
extractor's evidence, or the evidence in the quote. The extractor's evidence is the whole sentence
of the bullet, so in practice the quote is always inside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.errors import ParseError
from scrapers.nrm import Extraction, check_against_previous, extract
from vocabulary.metrics import NATIONALITY_NAMES
from vocabulary.periods import period_from_title, previous_period, year_ago

FIXTURES = Path(__file__).parent / "fixtures" / "nrm"
BULLETINS = FIXTURES / "bulletins"
PHRASINGS = FIXTURES / "phrasings"
RENDERINGS = ("txt", "html", "json")
ERRATA = {(e["bulletin"], e["metric"]) for e in json.loads((BULLETINS / "ERRATA.json").read_text())["absent"]}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2013", "-")).strip()


def _documents(folder: Path) -> list[tuple[str, Path]]:
    """(name, path) of every document with an expected file beside it."""
    found = []
    for expected in sorted(folder.glob("*.expected.json")):
        name = expected.name[: -len(".expected.json")]
        for path in sorted(folder.glob(f"{name}.*")):
            if path.suffix[1:] in RENDERINGS and not path.name.endswith(".expected.json"):
                found.append((name, path))
    return found


def expected_period_of(metric: str, release_period: str, given: str | None) -> str:
    """The period an expected figure describes (FIGURES.md): restatements describe earlier periods."""
    if given:
        return given
    if metric in ("previous_period_referrals", "dtn_previous_period"):
        return previous_period(release_period)
    if metric == "same_period_last_year_referrals":
        return year_ago(release_period)
    m = re.fullmatch(r"previous_record_referrals_(\d{4})", metric)
    return f"{m.group(1)}-year" if m else release_period


def assert_matches(name: str, text: str, got: Extraction, expected: dict) -> None:
    """Every expected figure found (value, unit, period, evidence); nothing else reported."""
    assert got.period == expected["period"], f"{name}: period {got.period!r}, expected {expected['period']!r}"
    by_metric = {}
    for f in got.figures:
        assert f.metric not in by_metric, f"{name}: {f.metric!r} reported twice"
        by_metric[f.metric] = f
    wanted = set()
    for exp in expected["figures"]:
        metric = exp["metric"]
        if (name, metric) in ERRATA:
            assert _norm(exp["quote"]) not in _norm(text), f"{name}: erratum {metric!r} is stated after all"
            assert metric not in by_metric, f"{name}: {metric!r} returned though the text does not state it"
            continue
        wanted.add(metric)
        assert metric in by_metric, f"{name}: {metric!r} not found; got {sorted(by_metric)}"
        f = by_metric[metric]
        assert (f.value, f.unit) == (exp["value"], exp["unit"]), f"{name}: {metric!r} = {f.value!r} {f.unit}"
        assert f.period == expected_period_of(metric, expected["period"], exp.get("period")), f"{name}: {metric} period {f.period!r}"
        quote, evidence = _norm(exp["quote"]), _norm(f.evidence)
        assert quote in evidence or evidence in quote, f"{name}: {metric!r} evidence {f.evidence!r} lacks {exp['quote']!r}"
    extra = sorted(set(by_metric) - wanted)
    assert not extra, f"{name}: figures the text does not state: {[(m, by_metric[m].value) for m in extra]}"


def assert_literal(text: str, got: Extraction) -> None:
    """Every number returned is written in the input, and in its own evidence."""
    plain = _norm(text)
    for f in got.figures:
        if f.unit in ("count", "pct"):
            spelled = {f"{abs(f.value):,}", f"{abs(f.value)}"}
            assert any(s in plain for s in spelled), f"{f.metric}={f.value!r} is not in the input"
            assert any(s in f.evidence for s in spelled), f"{f.metric}={f.value!r} is not in {f.evidence!r}"
        elif f.unit in ("approx",):
            assert f.value in plain
        elif f.unit == "list":  # each as written, or its country ("Albania" is listed as "Albanian")
            assert all(any(name in f.evidence.lower() for name, (shown, _) in NATIONALITY_NAMES.items() if shown == v)
                       for v in f.value), (f.value, f.evidence)


@pytest.mark.parametrize(("name", "path"), _documents(BULLETINS), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_recorded_bulletin(name: str, path: Path) -> None:
    expected = json.loads((BULLETINS / f"{name}.expected.json").read_text(encoding="utf-8"))
    raw = path.read_bytes()
    got = extract(raw, source_url=expected["url"])
    assert_matches(name, raw.decode("utf-8"), got, expected)
    assert_literal(raw.decode("utf-8"), got)
    assert "Modern Slavery" in got.title
    assert not [w for w in got.warnings if "fits no known metric" in w], got.warnings


def test_all_bulletins_in_all_renderings_are_cases() -> None:
    names = {p.name.split(".")[0] for p in BULLETINS.glob("*.expected.json")}
    assert len(names) == 9
    assert len(_documents(BULLETINS)) == 9 * len(RENDERINGS)


@pytest.mark.parametrize(("name", "path"), _documents(PHRASINGS), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_phrasing(name: str, path: Path) -> None:
    expected = json.loads((PHRASINGS / f"{name}.expected.json").read_text(encoding="utf-8"))
    raw = path.read_bytes()
    if expected.get("error") == "ParseError":
        with pytest.raises(ParseError) as info:
            extract(raw, source_url=f"file://{path}")
        assert info.value.url == f"file://{path}"
        return
    got = extract(raw)
    assert_matches(name, raw.decode("utf-8"), got, expected)
    assert_literal(raw.decode("utf-8"), got)
    for part in expected["warnings"]:
        assert any(part in w for w in got.warnings), f"{name}: no warning containing {part!r}: {got.warnings}"
    if not expected["warnings"]:
        assert got.warnings == (), f"{name}: unexpected warnings {got.warnings}"
    # figures a check withheld: never among the figures, each with its reason among the warnings
    assert sorted(w.figure.metric for w in got.withheld) == sorted(expected.get("withheld", [])), name
    for held in got.withheld:
        assert held.figure.metric not in {f.metric for f in got.figures}
        assert any(held.reason in w for w in got.warnings), f"{name}: {held.reason!r} is not among the warnings"


def test_typo_in_from_is_a_warning_and_the_period_stays() -> None:
    got = extract((BULLETINS / "2023-Q2.txt").read_bytes())
    assert got.period == "2023-Q2"
    assert [w for w in got.warnings if "'in from'" in w]


def test_json_dates_follow_the_page_date_line() -> None:
    first = extract((BULLETINS / "2023-Q1.json").read_bytes())
    second = extract((BULLETINS / "2023-Q1-v2.json").read_bytes())
    assert (first.published, first.updated) == (first.published.fromisoformat("2023-05-04"), None)
    assert second.published is None and second.updated.isoformat() == "2024-07-11"


def test_release_restating_the_previous_quarter_differently_is_a_revision_note() -> None:
    q1 = extract((BULLETINS / "2023-Q1.txt").read_bytes())
    q2 = extract((BULLETINS / "2023-Q2.txt").read_bytes())
    checked = check_against_previous(q2, q1.figures)
    assert tuple(checked) == ("January to March 2023 was revised from 4,746 to 4,739 (potential victims referred to the NRM)",)
    assert [(n.kind, n.metrics) for n in checked.notes] == [("revision", ("previous_period_referrals",))]
    assert checked.withheld == ()
    assert not check_against_previous(q1, q1.figures)  # nothing restated about its own period


def test_dtn_restatement_is_checked_too() -> None:
    q1 = extract((BULLETINS / "2023-Q1.txt").read_bytes())
    q2 = extract((BULLETINS / "2023-Q2.txt").read_bytes())
    assert not [n for n in check_against_previous(q2, q1.figures).notes if "dtn_previous_period" in n.metrics]  # 1,420 both
    changed = [f if f.metric != "dtn_count" else type(f)(f.metric, 1400, f.unit, f.evidence, f.period) for f in q1.figures]
    assert [str(n) for n in check_against_previous(q2, changed).notes if "dtn_previous_period" in n.metrics] == [
        "January to March 2023 was revised from 1,400 to 1,420 (Duty to Notify reports of adult potential victims)"]
    far = [f if f.metric != "dtn_count" else type(f)(f.metric, 1200, f.unit, f.evidence, f.period) for f in q1.figures]
    held = check_against_previous(q2, far).withheld
    assert [(w.figure.metric, w.figure.value) for w in held] == [("dtn_previous_period", 1420)]
    assert "more than a revision would change it" in held[0].reason


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("National Referral Mechanism statistics quarter 2 2019: April to June", "2019-Q2"),
        ("Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 1 2023 – January to March", "2023-Q1"),
        ("Modern slavery: NRM and DtN statistics, April to June 2024", "2024-Q2"),
        ("Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, end of year summary 2022", "2022-year"),
        ("Modern Slavery: NRM and DtN statistics, January to March 2025", "2025-Q1"),
        ("Modern slavery: NRM and DtN statistics, end of year summary, 2021", "2021-year"),
        ("Immigration system statistics, year ending June 2024", None),
    ],
)
def test_period_from_title(title: str, period: str | None) -> None:
    assert period_from_title(title) == period


@pytest.mark.parametrize("document", ["", "   ", "{}", "[1, 2]", "null", "{\"details\": {\"body\": \"\"}}", "<html></html>",
                                      b"\xff\xfe\x00", "Key results\n- 1,000 potential victims were referred"])
def test_not_a_bulletin_is_a_parse_error(document: str | bytes) -> None:
    with pytest.raises(ParseError):
        extract(document)


def test_wrong_input_type_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="'int'"):
        extract(42)  # type: ignore[arg-type]


_REAL = [p.read_text(encoding="utf-8") for _, p in _documents(BULLETINS)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_fuzz_random_input_only_ever_raises_parse_error(document: str | bytes) -> None:
    try:
        got = extract(document)
    except ParseError:
        return
    assert_literal(document if isinstance(document, str) else document.decode("utf-8", "replace"), got)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_REAL), st.integers(0, 4000), st.integers(0, 4000), st.text(max_size=20))
def test_fuzz_damaged_bulletins_only_ever_raise_parse_error(text: str, cut: int, at: int, junk: str) -> None:
    damaged = text[:cut] + junk + text[cut + at % 50:] if cut < len(text) else text[: at % max(len(text), 1)]
    try:
        got = extract(damaged)
    except ParseError:
        return
    assert_literal(damaged, got)


def test_check_against_previous_takes_releases_by_period_too() -> None:
    q1 = extract((BULLETINS / "2023-Q1.txt").read_bytes())
    q2 = extract((BULLETINS / "2023-Q2.txt").read_bytes())
    assert check_against_previous(q2, {"2023-Q1": q1, "2023-Q2": q2}) == check_against_previous(q2, q1.figures)
    assert check_against_previous(q2, [q2, q1]) == check_against_previous(q2, [q1, q2])  # order does not matter
