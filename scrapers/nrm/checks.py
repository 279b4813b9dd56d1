"""The checks that withhold: figures of one release that contradict each other are not published.

Each check compares figures the same bulletin states. When they disagree the text is wrong or
was misread, and nobody can tell which figure is right, so every figure involved is withheld
(kept, with the reason in plain words, for staff and operators to see) and the rest pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from scrapers.records import Figure, Notice, Withheld
from vocabulary.metrics import AGES, EXPLOITATION_TYPES, NATIONALITY_NAMES, NATIONALITY_PREFIXES, metric_label
from vocabulary.plausible import implausible

# A share written as a whole number is within half a point of the true share; one point allows
# for shares the bulletin rounded from a total it restated.
SHARE_TOLERANCE = 1.0
# A stated change is rounded to a whole number: one point, as FIGURES.md says.
CHANGE_TOLERANCE = 1.0

# share base -> the figure it is a share of
_PARTS_OF_TOTAL = ("sca", "ieca", "male", "female", "uk_only", "overseas_only", "adult", "child",
                   *NATIONALITY_PREFIXES)
DENOMINATORS: dict[str, str] = {
    **{base: "total_referrals" for base in _PARTS_OF_TOTAL},
    **{f"{age}_{kind}": f"{age}_count" for age in AGES for kind in EXPLOITATION_TYPES.values()},
    "positive_rg": "reasonable_grounds_decisions",
    "positive_cg": "conclusive_grounds_decisions",
}
# Parts that cannot add up to more than the whole.
EXCLUSIVE_PARTS = (("male", "female"), ("uk_only", "overseas_only"), ("adult", "child"), ("sca", "ieca"))
# (count now, count then, the stated change)
CHANGES = (
    ("total_referrals", "previous_period_referrals", "pct_change_vs_previous"),
    ("total_referrals", "same_period_last_year_referrals", "pct_change_vs_last_year"),
    ("dtn_count", "dtn_previous_period", "dtn_pct_change_vs_previous"),
)


@dataclass
class Checked:
    """Figures that passed, figures withheld (with the reason), and the notices for staff."""

    figures: list[Figure] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def check(figures: list[Figure]) -> Checked:
    """Run every check; a figure that cannot be true, or is involved in any contradiction, is withheld.

    Plausibility comes first and alone: a figure that cannot be true is withheld and takes no part
    in the other checks, so it never displaces a figure that passes.
    """
    plausible, checked = _plausible(figures)
    consistent = _consistent(plausible)
    checked.figures = consistent.figures
    checked.withheld += consistent.withheld
    checked.notices += consistent.notices
    return checked


def _plausible(figures: list[Figure]) -> tuple[list[Figure], Checked]:
    """(the figures that could be true, the rest withheld with the reason)."""
    passed, checked = [], Checked()
    for f in figures:
        reason = implausible(f.value, unit=f.unit, metric=f.metric) or implausible(f.period, unit="period")
        if not reason:
            passed.append(f)
            continue
        reason = f"{metric_label(f.metric)}: {reason}"
        checked.withheld.append(Withheld(f, reason))
        checked.notices.append(Notice(f"held back: {reason}", metrics=(f.metric,), kind="check"))
    # A figure that passed keeps, as its evidence, only its own clause of a sentence that also states
    # an implausible one: readers never see the impossible number quoted beside a good figure.
    bad = {w.figure.evidence for w in checked.withheld}
    passed = [replace(f, evidence=f.quote) if f.evidence in bad and f.quote else f for f in passed]
    return passed, checked


def _consistent(figures: list[Figure]) -> Checked:
    """The figures of one release against each other; every figure of a contradiction is withheld."""
    held: dict[int, str] = {}  # index in `figures` -> reason
    notices: list[Notice] = []

    def withhold(indexes: list[int], reason: str) -> None:
        fresh = [i for i in indexes if i not in held]
        for i in indexes:
            held.setdefault(i, reason)
        if fresh:
            notices.append(Notice(f"held back: {reason}", metrics=tuple(figures[i].metric for i in indexes), kind="check"))

    unique = _one_statement_each(figures, withhold)
    value = {metric: figures[i].value for metric, i in unique.items()}
    index = dict(unique)

    def numbers(*metrics: str) -> list[float] | None:
        found = [v for v in map(value.get, metrics) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return found if len(found) == len(metrics) else None

    for base, whole in DENOMINATORS.items():
        pair = numbers(f"{base}_pct", f"{base}_count", whole)
        if pair:
            pct, count, total = pair
            if total <= 0 or abs(100 * count / total - pct) > SHARE_TOLERANCE:
                withhold([index[f"{base}_pct"], index[f"{base}_count"]],
                         f"{metric_label(base + '_count')}: {_n(count)} is not {_n(pct)}% of "
                         f"{metric_label(whole)} ({_n(total)})")
        for unit in ("count", "pct"):
            part = numbers(f"{base}_{unit}") if unit == "pct" else numbers(f"{base}_count", whole)
            if unit == "pct" and part and not 0 <= part[0] <= 100:
                withhold([index[f"{base}_pct"]], f"{metric_label(base + '_pct')} is {_n(part[0])}%, not a share")
            if unit == "count" and part and part[0] > part[1]:
                withhold([index[f"{base}_count"]], f"{metric_label(base + '_count')} ({_n(part[0])}) is more than "
                         f"{metric_label(whole)} ({_n(part[1])})")
    for a, b in EXCLUSIVE_PARTS:
        counts = numbers(f"{a}_count", f"{b}_count", "total_referrals")
        if counts and counts[0] + counts[1] > counts[2]:
            withhold([index[f"{a}_count"], index[f"{b}_count"]],
                     f"{metric_label(a + '_count')} and {metric_label(b + '_count')} add up to more than the total")
        pcts = numbers(f"{a}_pct", f"{b}_pct")
        if pcts and pcts[0] + pcts[1] > 100 + SHARE_TOLERANCE:
            withhold([index[f"{a}_pct"], index[f"{b}_pct"]],
                     f"{metric_label(a + '_pct')} and {metric_label(b + '_pct')} add up to more than 100%")
    authorities = numbers("sca_count", "ieca_count", "total_referrals")
    if authorities and authorities[0] + authorities[1] != authorities[2]:
        sca, ieca, total = authorities
        withhold([index["sca_count"], index["ieca_count"]],
                 f"the referrals sent to the two competent authorities ({_n(sca)} + {_n(ieca)} = {_n(sca + ieca)}) "
                 f"do not add up to the total of {_n(total)}")
    for now, then, change in CHANGES:
        stated = numbers(now, then, change)
        if stated:
            current, earlier, pct = stated
            if earlier <= 0:
                withhold([index[then], index[change]],
                         f"{metric_label(change)} is given as {_n(pct)}% on an earlier figure of {_n(earlier)}")
            elif abs(100 * (current - earlier) / earlier - pct) > CHANGE_TOLERANCE:
                withhold([index[then], index[change]],
                         f"{metric_label(change)} is given as {_n(pct)}%, but {_n(earlier)} to {_n(current)} "
                         f"is {_n(round(100 * (current - earlier) / earlier, 1))}%")
    _check_lists(figures, withhold)
    checked = Checked(notices=notices)
    for i, figure in enumerate(figures):
        if i in held:
            checked.withheld.append(Withheld(figure, held[i]))
        elif i in unique.values():
            checked.figures.append(figure)
    return checked


def _one_statement_each(figures: list[Figure], withhold) -> dict[str, int]:
    """metric -> index of its first statement; a metric stated twice with different values is withheld."""
    first: dict[tuple[str, str], int] = {}
    for i, f in enumerate(figures):
        key = (f.metric, f.period)
        if key not in first:
            first[key] = i
        elif figures[first[key]].value != f.value:
            withhold([first[key], i], f"{metric_label(f.metric)} is stated twice with different values "
                                      f"({_show(figures[first[key]].value)} and {_show(f.value)})")
    return {metric: i for (metric, _), i in first.items()}


def _check_lists(figures: list[Figure], withhold) -> None:
    """A list of nationalities must name every nationality the same sentence gives a number for."""
    for i, f in enumerate(figures):
        if f.unit != "list":
            continue
        listed = {_prefix_of(name) for name in f.value}
        counted = {g.metric.rsplit("_", 1)[0] for g in figures
                   if g.evidence == f.evidence and g.metric.rsplit("_", 1)[0] in NATIONALITY_PREFIXES}
        if counted - listed or len(f.value) < len(counted):
            withhold([i], "the list of nationalities could not be read: it is shorter than the numbers given for it")


def _prefix_of(shown: str) -> str:
    return NATIONALITY_NAMES.get(shown.lower(), ("", shown.lower()))[1]


def _n(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}".rstrip("0").rstrip(".")


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return _n(value) if isinstance(value, (int, float)) else str(value)
