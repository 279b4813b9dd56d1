"""NRM metric names (docs/FIGURES.md) and how later releases restate earlier figures."""

from __future__ import annotations

# What a later release restates (metric, in the later release) -> what the earlier release stated
# about its own period: the 2023-Q2 release's previous_period_referrals is its statement of
# 2023-Q1's total_referrals.
RESTATEMENTS: dict[str, str] = {
    "previous_period_referrals": "total_referrals",
    "same_period_last_year_referrals": "total_referrals",
    "dtn_previous_period": "dtn_count",
}


def restated_by(metric: str) -> tuple[str, ...]:
    """The metrics that restate `metric` for earlier periods (RESTATEMENTS read backwards)."""
    return tuple(later for later, original in RESTATEMENTS.items() if original == metric)
