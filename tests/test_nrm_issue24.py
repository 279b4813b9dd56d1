"""Issue 24, one pattern per case: each is read (or named) as the issue says, never as another scope.

The sentences are the issue's own examples (numbers as the issue gives them), each inside a
bulletin whose other figures agree with it, so that the checks withhold nothing. Every case but
the first fails on the extractor before issue 24 (checked by running this file against that
commit); the first, as written here, was already read.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from scrapers.nrm import extract

QUARTER = "Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 2 2023 – April to June"
YEAR = "Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, end of year summary 2023"

# (id, title, key results, figures expected {metric: value}, numbers that must be named in a warning)
CASES: list[tuple[str, str, list[str], dict[str, Any], list[str]]] = [
    ("shares ahead of the authority", QUARTER, [
        "5,334 potential victims were referred to the Home Office in April to June 2023",
        "over four-fifths of referrals (81%, 4,321) were sent to the Single Competent Authority, with the remainder "
        "(19%, 1,013) sent to the Immigration Enforcement Competent Authority"],
     {"total_referrals": 5334, "sca_pct": 81, "sca_count": 4321, "ieca_pct": 19, "ieca_count": 1013}, []),
    ("a slight increase on the previous record", QUARTER, [
        "4,600 potential victims were referred to the Home Office in April to June 2023, a slight increase on the "
        "previous record, in January to March 2022 (4,520)"],
     {"total_referrals": 4600, "previous_record_quarter_referrals": 4520}, []),
    ("positive shares with their counts apart", QUARTER, [
        "4,792 reasonable grounds and 4,727 conclusive grounds decisions were issued this quarter",
        "48% of reasonable grounds (2,300) and 55% of conclusive grounds decisions (2,600) were positive"],
     {"reasonable_grounds_decisions": 4792, "conclusive_grounds_decisions": 4727, "positive_rg_pct": 48,
      "positive_rg_count": 2300, "positive_cg_pct": 55, "positive_cg_count": 2600}, []),
    ("nationalities ranked across clauses", YEAR, [
        "17,083 potential victims were referred to the Home Office in 2023",
        "the most common nationality referred this year was UK (24%; 4,100); the second most commonly referred was "
        "Albanian (20%; 3,400) and third was Eritrean (7%; 1,200)"],
     {"total_referrals": 17083, "top_nationalities": ["UK", "Albanian", "Eritrean"], "uk_national_pct": 24,
      "uk_national_count": 4100, "albanian_pct": 20, "albanian_count": 3400, "eritrean_pct": 7,
      "eritrean_count": 1200}, []),
    ("cases referred, the subject after the verb", QUARTER, [
        "Of the 4,321 cases referred, 3,327 (77%) were male", "4,321 cases were referred to the NRM"],
     {"total_referrals": 4321, "male_count": 3327, "male_pct": 77}, []),
    ("a parenthesis before the number", QUARTER, ["The National Referral Mechanism (NRM) received 2,345 referrals"],
     {"total_referrals": 2345}, []),
    ("a comparison in a sentence of its own", QUARTER, [
        "2,345 potential victims were referred to the Home Office in April to June 2023. This is a 12% increase on "
        "the previous quarter (2,094)"],
     {"total_referrals": 2345, "pct_change_vs_previous": 12, "previous_period_referrals": 2094}, []),
    ("this marks a rise on the year before", YEAR, [
        "17,004 potential victims were referred in 2023. This marks a 30% rise on the year before (13,080)"],
     {"total_referrals": 17004, "pct_change_vs_previous": 30, "previous_period_referrals": 13080}, []),
    ("the previous three months", QUARTER, [
        "2,345 potential victims were referred, 12% more than in the previous three months (2,094)"],
     {"total_referrals": 2345, "pct_change_vs_previous": 12, "previous_period_referrals": 2094}, []),
    ("the previous three-month period", QUARTER, [
        "2,345 potential victims were referred, a 12% increase on the previous three-month period (2,094)"],
     {"total_referrals": 2345, "pct_change_vs_previous": 12, "previous_period_referrals": 2094}, []),
    ("the second quarter of a year", "National Referral Mechanism statistics quarter 3 2019: July to September", [
        "2,345 potential victims were referred, a 12% increase on the second quarter of 2019 (2,094)"],
     {"total_referrals": 2345, "pct_change_vs_previous": 12, "previous_period_referrals": 2094}, []),
    ("quarter 3 in a year", "National Referral Mechanism statistics quarter 3 2019: July to September", [
        "2,345 potential victims were referred, a 30% rise on quarter 3 in 2018 (1,804)"],
     {"total_referrals": 2345, "pct_change_vs_last_year": 30, "same_period_last_year_referrals": 1804}, []),
    ("nationals first in a list", QUARTER, ["Albanian, UK and Vietnamese nationals were the most commonly referred"],
     {"top_nationalities": ["Albanian", "UK", "Vietnamese"]}, []),
    ("nationalities in the plural", QUARTER, ["Britons, Albanians and Eritreans were the most commonly referred"],
     {"top_nationalities": ["UK", "Albanian", "Eritrean"]}, []),
    ("the next most common are never the top list", QUARTER, [
        "The next most common nationalities were Eritrean and Sudanese"], {}, []),
    ("accounting for a share of referrals", QUARTER, [
        "2,345 potential victims were referred to the Home Office in April to June 2023",
        "UK nationals were the most common nationality, accounting for 21% of referrals"],
     {"total_referrals": 2345, "top_nationalities": ["UK"], "uk_national_pct": 21}, []),
    ("a share or a count in words", QUARTER, [
        "5,818 potential victims were referred to the Home Office in April to June 2023", "11% or 640 people were female"],
     {"total_referrals": 5818, "female_pct": 11, "female_count": 640}, []),
    ("counts beside nationalities named before 'nationals'", QUARTER, [
        "UK (1,200) and Vietnamese (600) nationals were referred"],
     {"uk_national_count": 1200, "vietnamese_count": 600}, []),
    ("a trailing clause keeps its sentence", QUARTER, [
        "4,321 potential victims were referred, the highest total since records began"], {"total_referrals": 4321}, []),
    ("a clause with a number only in words", QUARTER, [
        "two-thirds said they were exploited in the UK only, while 25 per cent claimed exploitation overseas only"],
     {"overseas_only_pct": 25}, []),
    ("one police force", QUARTER, [
        "4,321 potential victims were referred to the Home Office in April to June 2023",
        "81 potential victims were referred to Kent Police, including 35 children"],
     {"total_referrals": 4321}, ["81", "35"]),
    ("a breakdown within a group", QUARTER, [
        "4,321 potential victims were referred to the Home Office in April to June 2023",
        "1,300 were children, 900 of them from the UK"],
     {"total_referrals": 4321, "child_count": 1300}, ["900"]),
    ("Covid-19 is no number", QUARTER, [
        "4,321 potential victims were referred to the Home Office in April to June 2023",
        "Covid-19 restrictions continued to affect referrals"], {"total_referrals": 4321}, []),
]


@pytest.mark.parametrize(("title", "bullets", "expected", "named"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_issue_24_pattern(title: str, bullets: list[str], expected: dict[str, Any], named: list[str]) -> None:
    got = extract(f"{title}\n\nKey results\n\n" + "".join(f"- {b}\n" for b in bullets))
    assert not got.withheld, [(w.figure.metric, w.reason) for w in got.withheld]
    assert {f.metric: f.value for f in got.figures} == expected, got.warnings
    said = " | ".join(got.warnings)
    for number in named:
        assert re.search(rf"'{number}' is (?:a figure for|a breakdown|about|a figure of)", said), \
            f"{number} is not named with its scope: {got.warnings}"
    assert "'19'" not in said


def test_every_notice_is_of_a_known_kind() -> None:
    from scrapers.records import NOTICE_KINDS

    bullets = [b for case in CASES for b in case[2]]
    got = extract(f"{QUARTER}\n\nKey results\n\n" + "".join(f"- {b}\n" for b in bullets))
    assert got.notices and {n.kind for n in got.notices} <= set(NOTICE_KINDS)
    assert any(n.kind == "scope" for n in got.notices)
