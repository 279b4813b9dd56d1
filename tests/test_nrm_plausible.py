"""vocabulary/plausible.py: the one check of figures that cannot be true (issue 26)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from vocabulary.plausible import FIRST_YEAR, MAX_CHANGE_PCT, MAX_COUNT, implausible, plausible_period

TODAY = date(2025, 6, 1)
FIGURES_MD = Path(__file__).resolve().parent.parent / "docs" / "FIGURES.md"


@pytest.mark.parametrize(("value", "unit", "metric"), [
    (0, "count", "total_referrals"), (4758, "count", "total_referrals"), (MAX_COUNT, "count", ""),
    (0, "pct", "male_pct"), (100, "pct", "male_pct"), (48.5, "pct", "positive_rg_pct"),
    (-16, "pct", "pct_change_vs_previous"), (-100, "change", ""), (MAX_CHANGE_PCT, "pct", "dtn_pct_change_vs_previous"),
    ("almost 17,000", "approx", "total_referrals"), ("2023-08-10", "date", "published_date"),
    (["UK", "Albanian"], "list", "top_nationalities"), ("2009-Q1", "period", ""), ("2026-year", "period", ""),
])
def test_figures_that_can_be_true_pass(value: object, unit: str, metric: str) -> None:
    assert implausible(value, unit=unit, metric=metric, today=TODAY) == ""


@pytest.mark.parametrize(("value", "unit", "metric", "words"), [
    (4_758_000_000_000, "count", "total_referrals", "more than 1,000,000"),
    (MAX_COUNT + 1, "count", "", "more than 1,000,000"),
    (-5, "count", "total_referrals", "negative"),
    (5, "count", "total_referrals", "negative"),  # written "-5": see `written`
    (12.5, "count", "total_referrals", "not a whole number"),
    (True, "count", "total_referrals", "not a number"),
    ("1e309", "count", "total_referrals", "exponent"),
    ("1" * 309, "count", "total_referrals", "309 digits"),
    (10 ** 309, "count", "total_referrals", "310 digits"),
    (10 ** 5000, "count", "total_referrals", "5,000 digits"),
    (float("inf"), "pct", "male_pct", "not a finite number"),
    (101, "pct", "male_pct", "more than 100%"),
    (-3, "pct", "male_pct", "negative"),
    (-101, "pct", "pct_change_vs_previous", "outside -100%"),
    (MAX_CHANGE_PCT + 1, "change", "", "outside -100%"),
    ("over 4,758,000,000", "approx", "total_referrals", "more than 1,000,000"),
    ("9999-12-31", "date", "published_date", "outside the years 2009-2026"),
    ("0001-01-01", "date", "published_date", "outside the years"),
    ("2008-12-31", "date", "published_date", "outside the years"),
    ("9999-Q3", "period", "", "outside the years 2009-2026"),
    ("2027-year", "period", "", "outside the years"),
    ("2023-Q5", "period", "", "not a period"),
    ([1, 2], "list", "top_nationalities", "not a list of names"),
    (1, "percent", "", "not a unit"),
], ids=lambda v: f"int{v.bit_length()}bits" if isinstance(v, int) and v.bit_length() > 64 else None)
def test_figures_that_cannot_be_true_fail_with_the_reason_in_plain_words(value: object, unit: str, metric: str,
                                                                          words: str) -> None:
    written = "-5" if value == 5 else ""
    reason = implausible(value, unit=unit, metric=metric, written=written, today=TODAY)
    assert words in reason, reason
    assert len(reason) < 160 and "\n" not in reason  # one line, whatever the value's length


def test_an_exponent_in_the_written_number_fails_whatever_the_value() -> None:
    assert "exponent" in implausible(309, unit="count", written="1e309", today=TODAY)
    assert "exponent" in implausible(5.0, unit="pct", written="5E0%", today=TODAY)


def test_plausible_period_bounds_are_the_first_nrm_year_and_next_year() -> None:
    assert plausible_period(f"{FIRST_YEAR}-Q1", today=TODAY) and plausible_period("2026-Q4", today=TODAY)
    assert not plausible_period(f"{FIRST_YEAR - 1}-Q4", today=TODAY)
    assert not plausible_period("2027-Q1", today=TODAY) and not plausible_period(None, today=TODAY)


def test_figures_md_states_the_bounds_the_check_uses() -> None:
    text = FIGURES_MD.read_text(encoding="utf-8")
    section = text[text.index("## Figures that cannot be true"):]
    assert f"{MAX_COUNT:,}" in section and f"{MAX_CHANGE_PCT:,}%" in section and str(FIRST_YEAR) in section
    assert re.search(r"next year", section) and "exponent" in section


# --- through the extractor: read as written, withheld alone -----------------------------------

HEAD = ("Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 2 2023 - April to June\n\n"
        "Key results\n\n")
SCA_IECA = ("- 81% (3,242) were sent to the Single Competent Authority (SCA) for consideration and 19% (756) to the "
            "Immigration Enforcement Competent Authority (IECA)\n")


def _extract(*bullets: str):  # type: ignore[no-untyped-def]
    from scrapers.nrm import extract
    return extract(HEAD + "".join(f"- {b}\n" for b in bullets) + SCA_IECA)


@pytest.mark.parametrize(("bullet", "metric", "value"), [
    ("-5 reports of adult potential victims were made via the Duty to Notify process", "dtn_count", -5),
    ("\u22125 reports of adult potential victims were made via the Duty to Notify process", "dtn_count", -5),
    ("1e309 potential victims of modern slavery were referred to the Home Office", "total_referrals", "1e309"),
    ("2.5E3 potential victims of modern slavery were referred to the Home Office", "total_referrals", "2.5E3"),
    ("4,758,000,000,000 potential victims of modern slavery were referred to the Home Office", "total_referrals",
     4_758_000_000_000),
    ("3,998 potential victims were referred, a 1e3% increase on the preceding quarter", "pct_change_vs_previous", "1e3"),
    ("-12% (-400) were male", "male_pct", -12),
])
def test_a_number_is_read_as_written_and_withheld_when_it_cannot_be_true(bullet: str, metric: str, value: object) -> None:
    got = _extract(bullet)
    held = {w.figure.metric: w.figure.value for w in got.withheld}
    assert held.get(metric) == value, (held, got.warnings)
    assert all(f.value not in (5, 309, 1e309, 2500, 4_758_000_000_000) or f.metric == "sca_pct" for f in got.figures)
    published = {f.metric for f in got.figures}
    assert {"sca_count", "ieca_count", "sca_pct", "ieca_pct"} <= published, "an implausible figure displaced the rest"


def test_covid_19_is_not_a_number_and_a_long_number_does_not_stop_the_bulletin() -> None:
    got = _extract("Covid-19 restrictions in 2020-21 affected referrals",
                   "1" + "0" * 5000 + " potential victims of modern slavery were referred to the Home Office")
    assert not any("19" in w for w in got.warnings), got.warnings
    held = [w for w in got.withheld if w.figure.metric == "total_referrals"]
    assert held and "5,001 digits" in held[0].reason and len(held[0].reason) < 200
