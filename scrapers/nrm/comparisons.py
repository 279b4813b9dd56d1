"""Comparisons: a change on an earlier period, the earlier period's count restated, and which period.

"a 16% decrease compared to the preceding quarter (4,739)", "up 9% on the previous three months
(4,208)", "That was 5% up on the previous quarter" (the subject from the sentence before), "12%
more than April to June 2024 (4,750)", "compared with 4,746 in the same quarter of 2023 - a fall
of 6%". The reference decides the role (the previous period, or the same quarter a year earlier);
a change over a span of several periods is never one of them. The words are the phrasing table's
(REFERENCES, CHANGE_UP/CHANGE_DOWN, COMPARISON_METRICS).
"""

from __future__ import annotations

import re

from scrapers.nrm.clauses import Clause
from scrapers.nrm.reading import Reading, figure, figures_of, token_index
from scrapers.nrm.rules import CHANGE_DOWN, CHANGE_UP, COMPARISON_METRICS, COMPARISON_SUBJECTS, REFERENCES
from vocabulary.calendar import PROSE_YEAR_PATTERN
from vocabulary.periods import (
    PERIOD_PHRASE,
    is_quarter,
    parse_period,
    period_from_phrase,
    period_label,
    previous_period,
    year_ago,
    year_period,
)

_CHANGES = (
    re.compile(rf"(?P<v><P\d+>) (?P<d>{CHANGE_UP}|{CHANGE_DOWN})\b", re.I),
    re.compile(rf"\b(?P<d>{CHANGE_UP}|{CHANGE_DOWN}) (?:by |of )?(?P<v><P\d+>)", re.I),
)
_DOWN = re.compile(rf"(?:{CHANGE_DOWN})", re.I)
_YEARS = PROSE_YEAR_PATTERN
_REFERENCE = re.compile("|".join(f"(?:{p})" for p, _ in REFERENCES), re.I)
_REFERENCE_KINDS = tuple((re.compile(p, re.I), kind) for p, kind in REFERENCES)
_NAMED = re.compile(rf"(?:{PERIOD_PHRASE}|\b{_YEARS}\b)", re.I)
# restated count of the comparison: "(3,777)" after the reference, "from 3,777", "compared with 3,777"
_REFERENCE_COUNT = re.compile(r"(?:\)|quarter|year|period|months|earlier|before|ago|\d{4})\s*,?\s*\(\s*(?P<v><N\d+>)\s*\)"
                              r"|\bfrom (?P<w><N\d+>)|\bcompared (?:to|with) (?P<x><N\d+>)"
                              r"|^(?:and )?(?P<y><N\d+>) in (?=(?:the )?(?:same|equivalent) (?:quarter|period))", re.I)
_CURRENT_COUNT = re.compile(r"(?<!compared )(?<!similar )\bto (?P<v><N\d+>)", re.I)
_SIMILAR = re.compile(r"\b(?:similar|same|comparable) (?:number|level)\b", re.I)
_SINCE_YEAR = re.compile(rf"\b(?:since|began in|begun in|started in|introduced in)\b[^,;()]{{0,60}}?\b{_YEARS}\b", re.I)
_SUBJECTS = tuple((re.compile(words, re.I), subject) for words, subject in COMPARISON_SUBJECTS)
# "This is a 12% increase ...", "That was 5% up ...": the subject is the sentence before's
ANAPHORIC_LEAD = re.compile(r"^(?:this|that|it|which|the figure|the total|these figures)\b", re.I)


def subject_of(clause: Clause, previous: str | None, *, narrows: bool) -> str | None:
    """What the comparisons of this clause are about: "referrals", "dtn", or None (something else).

    `narrows`: the clause names a share's subject (a sex, an age, a nationality...), whose changes
    are no change in referrals.
    """
    if _SUBJECTS[0][0].search(clause.text):
        return "dtn"
    if narrows:
        return None if clause.values else previous
    for pattern, subject in _SUBJECTS[1:]:
        if pattern.search(clause.text):
            return subject
    return previous


def role_of(clause: Clause, period: str) -> tuple[str | None, str]:
    """(previous | last_year | None, a note when the named period had to be read as a typo)."""
    quarterly = is_quarter(period)
    m = _REFERENCE.search(clause.text)
    if m:
        kind = next(k for p, k in _REFERENCE_KINDS if p.fullmatch(m.group(0)))
        if kind == "last_year":
            return ("last_year" if quarterly else "previous"), ""
        if kind == "previous_quarter":
            return ("previous" if quarterly else None), ""
        if kind == "previous_year":
            return (None if quarterly else "previous"), ""
        if kind == "same_named_year" and int(m.group(0)[-4:]) != parse_period(period)[0] - 1:
            return None, ""  # "the same quarter of 2021" in a 2024 release: not a comparison we name
        return ("last_year" if quarterly else "previous"), ""
    named = named_period(clause.text, period)
    if named is None:
        return None, ""
    if named == previous_period(period):
        return "previous", ""
    if quarterly and named == year_ago(period):
        return "last_year", ""
    year, quarter = parse_period(period)
    try:
        named_year, named_quarter = parse_period(named)
    except ValueError:
        return None, ""
    if quarterly and named_quarter is not None:
        # a typo in the year of a named quarter: the quarter says which comparison it can only be
        role = "last_year" if named_quarter == quarter else (
            "previous" if named_quarter == parse_period(previous_period(period))[1] else None)
        if role:
            meant = previous_period(period) if role == "previous" else year_ago(period)
            return role, (f"a comparison names {named}, but the comparison can only be with {meant} "
                          f"(read as {period_label(meant)})")
    return None, ""


def named_period(text: str, period: str) -> str | None:
    """The first period a clause names (a bare year is a year only in an end of year summary)."""
    text = _SINCE_YEAR.sub(" ", text)
    for m in _NAMED.finditer(text):
        named = period_from_phrase(m.group(0), default_year=parse_period(period)[0])
        if named:
            return named
        if not is_quarter(period) and re.fullmatch(_YEARS, m.group(0)):
            return year_period(int(m.group(0)))
    return None


def names_other_period(text: str, period: str, *, comparison: bool = False) -> bool:
    """True when the clause names a period other than the release's own (a year, a quarter)."""
    text = _SINCE_YEAR.sub(" ", text)
    text = re.sub(r"\(previously[^)]*\)", " ", text)
    year, quarter = parse_period(period)
    if re.search(r"\bthis year\b|\blast year\b", text, re.I) and quarter is not None and not comparison:
        return True
    for m in _NAMED.finditer(text):
        named = period_from_phrase(m.group(0), default_year=year)
        if named is None:
            if re.fullmatch(_YEARS, m.group(0)) and int(m.group(0)) != year:
                return True
        elif named != period:
            return True
    return False


def read_comparison(clause: Clause, period: str, subject: str | None, claimed: set[int], reading: Reading, *,
                    over_a_span: bool) -> None:
    """A change on an earlier period and the earlier period's count, restated."""
    changes = [(m, m.group("d")) for pattern in _CHANGES for m in pattern.finditer(clause.masked)]
    similar = _SIMILAR.search(clause.masked) is not None
    if not changes and not similar and not _REFERENCE.search(clause.text):
        return
    if subject not in COMPARISON_METRICS:
        return
    role, note = role_of(clause, period)
    if role is None and not is_quarter(period) and changes and not over_a_span:
        role = "previous"  # "up 18% to 12,345" in an end of year summary: on the year before
    current = "total_referrals" if subject == "referrals" else "dtn_count"
    for m in _CURRENT_COUNT.finditer(clause.masked):
        index = token_index(m.group("v"))
        if index not in claimed and changes and (
                subject == "dtn" or not names_other_period(clause.masked, period, comparison=True)):
            claimed.add(index)
            reading.figures.extend(figures_of(current, clause.values[index], "count", clause, period))
    metrics = COMPARISON_METRICS[subject].get(role or "")
    if metrics is None:
        return
    if note:
        reading.note(note, metrics=tuple(m for m in metrics if m))
    count_metric, change_metric = metrics
    then = previous_period(period) if role == "previous" else year_ago(period)
    pcts = {token_index(m.group("v")): d for m, d in changes if token_index(m.group("v")) not in claimed}
    if len(pcts) == 1 and change_metric:
        index, direction = next(iter(pcts.items()))
        value = clause.values[index].pct
        if isinstance(value, (int, float)) and value >= 0:  # "-16%" with "a decrease": which sign? not read
            claimed.add(index)
            signed = -value if _DOWN.fullmatch(direction) else value
            reading.figures.append(figure(change_metric, signed, "pct", clause, period))
        elif isinstance(value, str):  # written with an exponent: read as written, withheld by the checks
            claimed.add(index)
            reading.figures.append(figure(change_metric, value, "pct", clause, period))
    counts = [i for m in _REFERENCE_COUNT.finditer(clause.masked)
              for i in (token_index(m.group(g)) for g in "vwxy" if m.group(g)) if i not in claimed]
    if not counts:  # "down 16% on the record 4,739 of the previous quarter": the one count left is the earlier one
        counts = [i for i, v in enumerate(clause.values) if i not in claimed and v.shape == "N"]
        counts = counts if len(counts) == 1 and (pcts or similar) else []
    if len(set(counts)) == 1:
        index = counts[0]
        claimed.add(index)
        reading.figures.extend(figures_of(count_metric, clause.values[index], "count", clause, then))
