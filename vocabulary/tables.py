"""The NRM data tables: the shorthand of government statistical workbooks, the tables msbrief knows
by title, and which table cells give which metric of docs/FIGURES.md.

One definition for every layer: the workbook reader (scrapers/nrm/tables) finds the known tables
by these titles, the store reads series from them, the cross-check compares the bulletin's
figures with them, and the open data and release pages explain the codes with these words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TOTAL = "Total"  # the label of every total row or column, however the workbook writes it

# Cells without a number (GSS guidance on symbols in tables): "[x]" in the workbook is code "x".
SHORTHAND: dict[str, str] = {
    "x": "not available",
    "c": "confidential",
    "z": "not applicable",
    "u": "low reliability",
    "low": "fewer than the smallest number shown",
}
# Markers that may follow a number ("1,234 [r]"): kept with the value.
MARKERS: dict[str, str] = {"r": "revised", "p": "provisional"}


@dataclass(frozen=True)
class KnownTable:
    """A table msbrief reads by its title: its key (the same in every release) and the words its
    title must contain (lower case; every group needs one of its alternatives)."""

    key: str
    name: str  # what it is, in plain words
    words: tuple[tuple[str, ...], ...]
    by_period: bool = True  # a table by quarter: its rows are periods

    def matches(self, title: str) -> bool:
        text = " ".join(title.lower().split())
        return all(any(w in text for w in group) for group in self.words)


_FR = ("first responder",)
KNOWN_TABLES: tuple[KnownTable, ...] = (
    KnownTable("referrals_by_quarter", "NRM referrals by quarter, age at exploitation and location of exploitation",
               (("referrals",), ("by quarter",), ("age",), ("location",))),
    KnownTable("rg_decisions_by_quarter", "NRM reasonable grounds decisions by quarter, outcome and age",
               (("reasonable grounds",), ("by quarter",), ("outcome",))),
    KnownTable("cg_decisions_by_quarter", "NRM conclusive grounds decisions by quarter, outcome and age",
               (("conclusive grounds",), ("by quarter",), ("outcome",))),
    KnownTable("dtn_by_quarter", "Duty to Notify reports by quarter",
               (("dtn", "duty to notify"), ("by quarter",))),
    KnownTable("dtn_by_nationality", "Duty to Notify reports by nationality",
               (("dtn", "duty to notify"), ("by nationality",)), by_period=False),
    KnownTable("referrals_government_agency", "NRM referrals by government agency first responder",
               (("referrals",), ("government agency",), _FR), by_period=False),
    KnownTable("referrals_ngo", "NRM referrals by NGO and third sector first responder",
               (("referrals",), ("ngo", "third sector"), _FR), by_period=False),
    KnownTable("referrals_police", "NRM referrals by police first responder",
               (("referrals",), ("police",), _FR), by_period=False),
    KnownTable("referrals_local_authority", "NRM referrals by local authority first responder",
               (("referrals",), ("local authority",), _FR), by_period=False),
)
KNOWN_KEYS = {t.key: t for t in KNOWN_TABLES}


def known_table(title: str) -> KnownTable | None:
    """The known table a title names (the first that matches), or None."""
    return next((t for t in KNOWN_TABLES if t.matches(title)), None)


_TABLE_PREFIX = re.compile(r"^\s*table\s*_?\s*[0-9]+[a-z]?\s*[:.\-–]?\s*", re.I)
_NOTES = re.compile(r"\[\s*note[s]?\s*[0-9, ]+\]", re.I)
_TRAILING_DATES = re.compile(r"[,;:]?\s*[^,;:]*\b(?:19|20)\d\d\b[^,;:]*$")


def table_key(title: str) -> str:
    """The identity of a table across releases: its known key, else its title without the table
    number, note references or the dates it covers, in lower case words joined by '_'."""
    known = known_table(title)
    if known:
        return known.key
    text = _NOTES.sub(" ", _TABLE_PREFIX.sub("", title))
    shorter = _TRAILING_DATES.sub("", text)
    words = re.findall(r"[a-z0-9]+", (shorter if re.search(r"[a-z]{3}", shorter, re.I) else text).lower())
    return "_".join(words)[:200] or "untitled"


def sheet_label(sheet: str) -> str:
    """How readers see a sheet's name: 'Table_2' -> 'Table 2'."""
    return " ".join(sheet.replace("_", " ").split())


@dataclass(frozen=True)
class TableMetric:
    """Where a metric is in the tables: the table, and the labels that pick its cell in a period's
    row (every other dimension must be the total). `("adult",)` picks the column whose age label
    begins "Adult" with the location total."""

    metric: str
    table: str
    labels: tuple[str, ...] = ()
    own_period: bool = False  # a table not by period: it gives the metric for its release's own period

    def period_in_table(self, period: str, release: str) -> tuple[bool, str | None]:
        """(whether the table can give `period` of release `release`, the period to look up in it:
        the period itself, or None for the rows of a table not by period)."""
        if not self.own_period:
            return True, period
        return period == release, None


TABLE_METRICS: tuple[TableMetric, ...] = (
    TableMetric("total_referrals", "referrals_by_quarter"),
    TableMetric("adult_count", "referrals_by_quarter", ("adult",)),
    TableMetric("child_count", "referrals_by_quarter", ("child",)),
    TableMetric("reasonable_grounds_decisions", "rg_decisions_by_quarter"),
    TableMetric("positive_rg_count", "rg_decisions_by_quarter", ("positive",)),
    TableMetric("conclusive_grounds_decisions", "cg_decisions_by_quarter"),
    TableMetric("positive_cg_count", "cg_decisions_by_quarter", ("positive",)),
    TableMetric("dtn_count", "dtn_by_quarter"),
    TableMetric("dtn_count", "dtn_by_nationality", own_period=True),
)


def table_metrics(metric: str) -> tuple[TableMetric, ...]:
    """Where the tables give `metric` (nothing for a metric only the text gives)."""
    return tuple(t for t in TABLE_METRICS if t.metric == metric)


class Cell(Protocol):
    """What the look-ups need of an observation (scrapers.records.Observation, or a stored one)."""

    @property
    def period(self) -> str | None: ...
    @property
    def dimensions(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def value(self) -> int | float | None: ...
    @property
    def cell(self) -> str: ...


@dataclass(frozen=True)
class Found:
    """A metric's value in a table: the number, and the cell(s) it is (or is the sum of)."""

    value: int | float
    cells: tuple[str, ...]

    @property
    def cell(self) -> str:
        return "+".join(self.cells)


def _others(obs: Cell, labels: Sequence[str]) -> list[tuple[str, str]] | None:
    """The dimensions of `obs` that are neither the total nor one of `labels` (each label must
    begin one dimension's label); None when some label matches nothing."""
    wanted = list(labels)
    rest = []
    for heading, text in obs.dimensions:
        if text == TOTAL:
            continue
        lower = text.lower()
        match = next((w for w in wanted if lower.startswith(w)), None)
        if match is None:
            rest.append((heading, text))
        else:
            wanted.remove(match)
    return None if wanted else rest


def picks(obs: Cell, labels: Sequence[str]) -> bool:
    """Whether `obs` is the cell for `labels`: each label begins one of its dimensions' labels (in
    any case) and every other dimension is the total."""
    return _others(obs, labels) == []


def find(observations: Sequence[Cell], period: str | None, labels: Sequence[str] = ()) -> Found | None:
    """The value of the cell for `labels` in `period`'s row; when the table has no such total, the
    sum of one dimension's parts (the age groups' totals when there is no grand total column); for a
    year, the sum of its four quarters when the table has no row for the year. None when the table
    does not give it (or gives no number)."""
    rows = [o for o in observations if o.period == period]
    exact = [o for o in rows if picks(o, labels)]
    if exact:
        first = exact[0]
        return Found(first.value, (first.cell,)) if first.value is not None else None
    parts: dict[str, list[Cell]] = {}
    for o in rows:
        rest = _others(o, labels)
        if rest is not None and len(rest) == 1:
            parts.setdefault(rest[0][0], []).append(o)
    for cells in parts.values():
        if all(c.value is not None for c in cells):
            return Found(sum(c.value for c in cells if c.value is not None), tuple(c.cell for c in cells))
        return None
    if period and period.endswith("-year"):
        quarters = [find(observations, f"{period[:4]}-Q{q}", labels) for q in (1, 2, 3, 4)]
        if all(quarters):
            return Found(sum(q.value for q in quarters if q), tuple(c for q in quarters if q for c in q.cells))
    return None
