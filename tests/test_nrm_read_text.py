"""scrapers.nrm.read_text: running text that is no bulletin (a written answer, a statement), read as key results."""

from __future__ import annotations

import pytest

from scrapers.nrm import read_text

# a written answer of December 2023, verbatim (parliament/pages in the shared data)
REAL = ("In 2022, 479 females were referred to the National Referral Mechanism (NRM) who reported criminal "
        "exploitation, either partly or wholly.")


def test_a_written_answer_states_the_total_of_its_year() -> None:
    got = read_text("The Home Office received 17,004 referrals of potential victims of modern slavery in 2023, "
                    "a 1% increase on 2022 (16,821).\n\nOf these, 7,432 (44%) were for potential victims exploited "
                    "as children.", period="2023-year")
    assert {f.metric: f.value for f in got.figures} == {
        "total_referrals": 17004, "pct_change_vs_previous": 1, "previous_period_referrals": 16821,
        "child_count": 7432, "child_pct": 44}
    assert got.period == "2023-year" and not got.withheld


def test_a_cross_tabulation_in_a_real_answer_is_named_never_read() -> None:
    got = read_text(REAL, period="2022-year")
    assert got.figures == () and any("'479'" in w for w in got.warnings), got.warnings


@pytest.mark.parametrize("period", ["2023", "9999-Q1", "2008-year", ""])
def test_a_period_that_cannot_be_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="plausible period"):
        read_text("4,905 potential victims were referred", period=period)
