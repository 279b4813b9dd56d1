"""A bulletin's figures checked against the same release's tables.

A figure the tables also give either matches ("matches table 2"), differs (a warning for
operators naming the sentence and the cell; readers are shown the table's value, with a note), or
is mislabelled: its number is the table's value for another period than the one the sentence
names ("compared with October to December 2021 (4,413)" where 4,413 is October to December 2022).
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapers.records import DataTable, Figure, TableCheck
from vocabulary.metrics import RESTATEMENTS
from vocabulary.periods import is_period, period_label, shift_period
from vocabulary.tables import find, sheet_label, table_metrics

# Where a mislabelled period's number may really belong: a year either side, a quarter either side.
_NEIGHBOURS = ({"years": -1}, {"years": 1}, {"quarters": -1}, {"quarters": 1}, {"years": -2}, {"years": 2})


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _shown(value: float | int) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def check_figures(figures: Sequence[Figure], tables: Sequence[DataTable], *, release: str
                  ) -> tuple[list[TableCheck], list[str]]:
    """Each figure the tables give, compared; and the warnings for operators (differs, mislabelled)."""
    by_key = {t.key: t for t in tables}
    checks: list[TableCheck] = []
    warnings: list[str] = []
    for fig in figures:
        stated = _number(fig.value)
        if stated is None or not is_period(fig.period):
            continue
        metric = RESTATEMENTS.get(fig.metric, fig.metric)
        for spec in table_metrics(metric):
            table = by_key.get(spec.table)
            gives, look_up = spec.period_in_table(fig.period, release)
            found = find(table.observations, look_up, spec.labels) if table and gives else None
            if table is None or found is None:
                continue
            where = f"{sheet_label(table.sheet)}, cell {found.cell}"
            if float(found.value) == stated:
                checks.append(TableCheck(fig.metric, fig.period, fig.value, fig.evidence, table.title, table.sheet,
                                         found.cell, found.value, "matches", f"matches {sheet_label(table.sheet)}"))
                break
            moved = _elsewhere(table, fig.period, spec.labels, stated) if look_up else None
            if moved:
                period, cell = moved
                note = (f"The bulletin gives {_shown(stated)} for {period_label(fig.period)}, but that is "
                        f"{period_label(period)} in {sheet_label(table.sheet)} (cell {cell}); "
                        f"{period_label(fig.period)} there is {_shown(found.value)}.")
                outcome = "mislabelled"
            else:
                note = (f"The bulletin says {_shown(stated)}; {where} says {_shown(found.value)}. "
                        f"The table's figure is shown.")
                outcome = "differs"
            checks.append(TableCheck(fig.metric, fig.period, fig.value, fig.evidence, table.title, table.sheet,
                                     found.cell, found.value, outcome, note))
            warnings.append(f"release {release}: {fig.metric} for {fig.period} {outcome} from the tables: the "
                            f"sentence {fig.evidence[:200]!r} says {_shown(stated)}, {table.title!r} ({where}) says "
                            f"{_shown(found.value)}" + (f"; {note}" if outcome == "mislabelled" else ""))
            break
    return checks, warnings


def _elsewhere(table: DataTable, period: str, labels: tuple[str, ...], stated: float) -> tuple[str, str] | None:
    """(period, cell) of a nearby period whose value in the table is the stated one, if any."""
    for shift in _NEIGHBOURS:
        other = shift_period(period, **shift)
        found = find(table.observations, other, labels)
        if found is not None and float(found.value) == stated:
            return other, found.cell
    return None
