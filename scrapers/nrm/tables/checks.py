"""Checks on one table as read: totals that do not add up, values that cannot be true, and what a
known table lacks. Each problem is (cell, plain words); a value that cannot be true is withheld.
"""

from __future__ import annotations

from collections import defaultdict

from scrapers.nrm.tables.cells import Value, cell_name
from scrapers.nrm.tables.grid import Grid
from vocabulary.tables import KNOWN_KEYS, TABLE_METRICS, TOTAL, find

MAX_COUNT = 10_000_000  # no NRM table counts this many people in one cell
NOT_ADDITIVE = 0.5  # over half of a table's totals "wrong" (10 or more checked): it holds rates, not counts


def implausible(value: int | float) -> str | None:
    """Why a table value cannot be a count or a percentage of people, or None when it can be."""
    if value < 0:
        return f"{value!r} is negative, which no count or share of people can be"
    if value > MAX_COUNT:
        return f"{value!r} is more than {MAX_COUNT:,}, which no NRM count reaches"
    return None


def withhold_implausible(grid: Grid) -> list[tuple[str, str]]:
    """Drop the observations whose value cannot be true; a problem for each."""
    problems, kept = [], []
    for obs in grid.observations:
        why = implausible(obs.value) if obs.value is not None else None
        if why:
            problems.append((obs.cell, f"{why}: not read"))
        else:
            kept.append(obs)
    if problems:
        grid.observations = kept
    return problems


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


def _adds_up(total: Value, parts: list[Value]) -> bool | None:
    """Whether the parts sum to the total; None when some cell has no number."""
    if total.value is None or any(p.value is None for p in parts):
        return None
    found = sum(p.value for p in parts)  # type: ignore[misc]
    if all(isinstance(v, int) for v in (total.value, *(p.value for p in parts))):
        return found == total.value
    return abs(found - total.value) <= 0.005 * len(parts) * max(1.0, abs(total.value))


def check_totals(grid: Grid) -> list[tuple[str, str]]:
    """Each total row or column whose parts do not add up to it: (its cell, what the parts make)."""
    failures: list[tuple[str, str]] = []
    checked = 0
    rows, columns, values = grid.row_labels, grid.column_labels, grid.values
    depth = max((len(x) for x in rows.values()), default=0)
    for level in range(depth):
        for total, parts in _groups(rows, level):
            for c in columns:
                cells = [values.get((total, c)), *(values.get((p, c)) for p in parts)]
                if any(v is None for v in cells):
                    continue
                ok = _adds_up(cells[0], cells[1:])  # type: ignore[arg-type]
                checked += ok is not None
                if ok is False:
                    failures.append(_failure(total, c, cells, f"the {len(parts)} rows it totals"))
    depth = max((len(x) for x in columns.values()), default=0)
    for level in range(depth):
        for total, parts in _groups(columns, level):
            for r in rows:
                cells = [values.get((r, total)), *(values.get((r, p)) for p in parts)]
                if any(v is None for v in cells):
                    continue
                ok = _adds_up(cells[0], cells[1:])  # type: ignore[arg-type]
                checked += ok is not None
                if ok is False:
                    failures.append(_failure(r, total, cells, f"the {len(parts)} columns it totals"))
    if checked >= 10 and len(failures) > NOT_ADDITIVE * checked:
        return []  # a table of rates or averages: its totals are not sums
    return failures


def _failure(r: int, c: int, cells: list[Value | None], what: str) -> tuple[str, str]:
    total = cells[0].value  # type: ignore[union-attr]
    found = sum(v.value for v in cells[1:])  # type: ignore[union-attr,misc]
    return cell_name(r, c), f"the total {total!r} is not the sum of {what} ({found!r})"


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
