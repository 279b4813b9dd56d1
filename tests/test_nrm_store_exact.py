"""Figures that cannot be true, from the bulletin's text to the store, on SQLite and PostgreSQL (issue 26).

A count of 30 or 309 digits is withheld by the plausibility check, and stored with every digit
(never as a float); it never stops the release being stored, and the correct figures beside it
are published.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from scrapers.nrm import extract
from scrapers.records import Release
from store import models as m
from store import queries, repo
from store.db import transaction

THIRTY = 123456789012345678901234567890
HUGE = int("9" * 309)
BULLETIN = f"""Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 2 2023 - April to June

Key results

- {THIRTY:,} potential victims of modern slavery were referred to the Home Office in April to June 2023
- 81% (3,242) were sent to the Single Competent Authority (SCA) for consideration and 19% (756) to the Immigration Enforcement Competent Authority (IECA)
- the Home Office received {HUGE} reports of adult potential victims via the DtN process
- 3,635 reasonable grounds and 2,086 conclusive grounds decisions were issued this quarter
"""


def _release() -> Release:
    ex = extract(BULLETIN)
    return Release(period=ex.period, title=ex.title, page_url="https://www.gov.uk/government/statistics/q2-2023",
                   bulletin_url=None, published=datetime(2023, 8, 10, 8, 30, tzinfo=UTC), updated=None,
                   figures=ex.figures, warnings=ex.warnings, withheld=ex.withheld)


def test_implausible_counts_are_withheld_and_never_displace_the_figures_that_pass() -> None:
    ex = extract(BULLETIN)
    assert {w.figure.metric: w.figure.value for w in ex.withheld} == {"total_referrals": THIRTY, "dtn_count": HUGE}
    published = {f.metric: f.value for f in ex.figures}
    assert published == {"sca_pct": 81, "sca_count": 3242, "ieca_pct": 19, "ieca_count": 756,
                         "reasonable_grounds_decisions": 3635, "conclusive_grounds_decisions": 2086}
    assert any("more than 1,000,000" in w and "potential victims referred to the NRM" in w for w in ex.warnings)


def test_every_digit_is_kept_on_both_databases(engine) -> None:
    with transaction(engine) as s:
        repo.upsert_release(s, _release())
    with transaction(engine) as s:
        stored = {row.metric: row for row in s.execute(select(m.Figure.metric, m.Figure.value, m.Figure.value_num,
                                                              m.Figure.withheld_reason))}
        raw = dict(s.execute(text("SELECT metric, CAST(value AS TEXT) FROM figures")).all())
        latest = queries.latest_release(s)
    assert stored["total_referrals"].value == THIRTY and type(stored["total_referrals"].value) is int
    assert stored["dtn_count"].value == HUGE and stored["dtn_count"].value_num is None
    assert str(THIRTY) in raw["total_referrals"] and str(HUGE) in raw["dtn_count"]  # the digits, not a float
    assert stored["total_referrals"].withheld_reason and stored["dtn_count"].withheld_reason
    assert stored["sca_count"].value == 3242 and stored["sca_count"].withheld_reason is None
    assert latest is not None and latest.period == "2023-Q2"
    assert THIRTY not in [f.value for f in latest.figures] and HUGE not in [f.value for f in latest.figures]


def test_storing_the_same_release_again_changes_nothing(engine) -> None:
    with transaction(engine) as s:
        repo.upsert_release(s, _release())
    with transaction(engine) as s:
        _, new = repo.upsert_release(s, _release())
        history = [h for (h,) in s.execute(select(m.Figure.history))]
    assert new == 0 and all(h == [] for h in history)  # an exact value compares equal: no false correction
