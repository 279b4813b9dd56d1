"""Checks on one table as read: totals that do not add up, and what a known table lacks. Each
problem is (cell, plain words). (Values that cannot be true are withheld as they are read: grid.)
"""

from __future__ import annotations

from collections import defaultdict

from scrapers.nrm.tables.cells import cell_name
from scrapers.nrm.tables.grid import Grid
from vocabulary.tables import KNOWN_KEYS, TABLE_METRICS, TOTAL, find

NOT_ADDITIVE = 0.5  # over half of a table's totals "wrong" (10 or more checked): it holds rates, not counts


def _groups(labels: dict[int, tuple[str, ...]], level: int) -> list[tuple[int, list[int]]]:
    """(total position, its parts) at one level: rows (or columns) sharing the labels before
    `level`, all totals after it, the total labelled Total at `level` and the parts not."""
    totals: dict[tuple[str, ...], int] = {}
    parts: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for position, names in labels.items():
        if level >= len(names) or any(x != TOTAL for x in names[level + 1:]):
            continue
        if names[level] == TOTAL:
            totals.setdefault(names[:level], position)
        else:
            parts[names[:level]].append(position)
    return [(totals[key], parts[key]) for key in totals if parts.get(key)]


def _adds_up(total: int | float | None, parts: list[int | float | None]) -> bool | None:
    """Whether the parts sum to the total; None when some cell has no number."""
    if total is None or None in parts:
        return None
    found = sum(parts)  # type: ignore[arg-type]
    if type(found) is int and type(total) is int:
        return found == total
    return abs(found - total) <= 0.005 * len(parts) * max(1.0, abs(total))


def check_totals(grid: Grid) -> list[tuple[str, str]]:
    """Each total row or column whose parts do not add up to it: (its cell, what the parts make)."""
    failures: list[tuple[str, str]] = []
    checked = 0
    rows, values, columns = grid.row_labels, grid.values, grid.columns
    index = {c: i for i, c in enumerate(columns)}
    for level in range(max((len(x) for x in rows.values()), default=0)):
        for total, parts in _groups(rows, level):
            for i, c in enumerate(columns):
                ok = _adds_up(values[total][i], [values[p][i] for p in parts])
                checked += ok is not None
                if ok is False:
                    failures.append(_failure(total, c, values[total][i], [values[p][i] for p in parts], "rows"))
    column_labels = {c: labels for c, labels in grid.column_labels.items() if c in index}
    for level in range(max((len(x) for x in column_labels.values()), default=0)):
        for total, parts in _groups(column_labels, level):
            t, ps = index[total], [index[p] for p in parts]
            for r, row in values.items():
                ok = _adds_up(row[t], [row[p] for p in ps])
                checked += ok is not None
                if ok is False:
                    failures.append(_failure(r, total, row[t], [row[p] for p in ps], "columns"))
    if checked >= 10 and len(failures) > NOT_ADDITIVE * checked:
        return []  # a table of rates or averages: its totals are not sums
    return failures


def _failure(r: int, c: int, total: int | float | None, parts: list[int | float | None], what: str) -> tuple[str, str]:
    found = sum(p for p in parts if p is not None)
    return cell_name(r, c), f"the total {total!r} is not the sum of the {len(parts)} {what} it totals ({found!r})"


def known_table_problems(grid: Grid, key: str) -> list[tuple[str, str]]:
    """What a table msbrief knows by title lacks: its periods, or the columns its metrics come from."""
    known = KNOWN_KEYS.get(key)
    if known is None or not grid.observations:
        return []
    first = grid.observations[0].cell
    problems = []
    if known.by_period and not any(o.period for o in grid.observations):
        problems.append((first, "no periods read from its rows (expected a Year and a Quarter, or periods such as "
                                "'2023 Q1'): its figures are not used for series or checks"))
    periods = sorted({o.period for o in grid.observations if o.period})
    for spec in TABLE_METRICS:
        if spec.table == key and periods and not any(find(grid.observations, p, spec.labels) for p in periods[-4:]):
            wanted = " and ".join(repr(x) for x in spec.labels) or "the total"
            problems.append((first, f"no column or row for {wanted} (changed columns?): {spec.metric} not read "
                                    "from it"))
    return problems
