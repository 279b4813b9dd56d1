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
