"""One sheet's grid of cells -> the observations of its table, found by what the cells say.

Never by row offsets: the first data row is the first row below the title with a number or
shorthand right of its first label; the header rows are the rows just above it that label the
data columns; the stub (row label) columns are the leading columns of labels. Upper header rows
are two-level headings, flattened (a blank upper cell belongs to the group on its left); row
labels written once per group are filled down; a blank label where a group starts, or a label
such as "Total", "All" or "Grand total", is the group's total and is labelled `Total`. Periods
are read from the labels (a Year and a Quarter column, one period column, or period headings)
and leave the dimensions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scrapers.nrm.tables.cells import (
    Label,
    Unreadable,
    Value,
    cell_name,
    column_name,
    data_value,
    label,
    period_of,
    quarter_of,
    year_of,
)
from scrapers.nrm.tables.locate import name_categories
from scrapers.records import Observation
from vocabulary.periods import quarter_period, year_period
from vocabulary.plausible import MAX_COUNT, implausible
from vocabulary.tables import TOTAL


@dataclass
class Grid:
    """What one sheet's table holds: observations, the headings of its dimensions, and problems
    (cell, words) for the reader to turn into warnings."""

    observations: list[Observation] = field(default_factory=list)
    headings: tuple[str, ...] = ()
    measure: str = ""  # the one label every data column shares ("Number of referrals"), when there is one
    column_dimensions: int = 0  # how many dimensions (the last of each observation's) come from its column
    problems: list[tuple[str, str]] = field(default_factory=list)
    # for the totals check: row labels and column labels (before periods were read) by position,
    # and each row's values in column order (None: no number)
    row_labels: dict[int, tuple[str, ...]] = field(default_factory=dict)
    column_labels: dict[int, tuple[str, ...]] = field(default_factory=dict)
    columns: list[int] = field(default_factory=list)
    values: dict[int, list[int | float | None]] = field(default_factory=dict)


# Words that name a group of labels, for headings the sheet leaves blank.
_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Age at exploitation", ("adult", "child", "age ")),
    ("Location of exploitation", ("uk", "overseas")),
    ("Outcome", ("positive", "negative")),
    ("Gender", ("male", "female")),
    ("Exploitation type", ("labour", "sexual", "criminal", "domestic")),
)
_PERIOD_WORDS = ("year", "quarter", "period", "month", "date")


def _family(labels: Sequence[str]) -> str | None:
    named = [x.lower() for x in labels if x and x != TOTAL]
    for heading, words in _FAMILIES:
        if named and sum(any(x.startswith(w) or x == w.strip() for w in words) for x in named) * 2 >= len(named):
            return heading
    return None


def _row(rows: Sequence[Sequence[object]], r: int) -> Sequence[object]:
    return rows[r] if r < len(rows) else ()


def _empty(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_year_header(cells: Sequence[object]) -> bool:
    """A header row of years across the columns (numbers that are increasing years)."""
    years = [c for c in cells if isinstance(c, float)]
    return len(years) >= 2 and all(c.is_integer() and 1990 <= c <= 2100 for c in years) and years == sorted(set(years))


def _first_data_row(rows: Sequence[Sequence[object]]) -> int | None:
    for r in range(1, len(rows)):
        row = rows[r]
        first = next((c for c, cell in enumerate(row) if not _empty(cell)), None)
        if first is None:
            continue
        rest = row[first + 1:]
        if any(isinstance(data_value(cell), Value) for cell in rest) and not _is_year_header(rest):
            return r
    return None


def _header_rows(rows: Sequence[Sequence[object]], first_data: int, first_column: int) -> list[int]:
    """The rows just above the first data row that label columns (two or more cells, or a cell
    right of the first column); a note, a title or a blank row ends them."""
    found = []
    for r in range(first_data - 1, 0, -1):
        filled = [c for c, cell in enumerate(_row(rows, r)) if not _empty(cell)]
        if not filled or (len(filled) == 1 and filled[0] <= first_column):
            break
        found.append(r)
    return found[::-1]


def _stub_columns(rows: Sequence[Sequence[object]], data_rows: list[int], headers: list[int], first: int,
                  width: int) -> int:
    """How many leading columns hold row labels (at least one)."""
    lowest = _row(rows, headers[-1]) if headers else ()
    count = 1
    for c in range(first + 1, width):
        heading = label(lowest[c]).text.lower() if c < len(lowest) else ""
        cells = [rows[r][c] for r in data_rows if c < len(rows[r]) and not _empty(rows[r][c])]
        if not cells:
            break
        texts = [cell for cell in cells if not isinstance(data_value(cell), Value)]
        if len(texts) == len(cells) or any(heading.startswith(w) for w in _PERIOD_WORDS):
            count += 1
            continue
        break
    return count


def _fill_right(upper: list[list[str]], data_columns: list[int]) -> None:
    """A blank upper header cell belongs to the group on its left (within its parent's group)."""
    for level, labels in enumerate(upper):
        for i in range(1, len(data_columns)):
            if labels[i]:
                continue
            same_parent = all(upper[p][i] == upper[p][i - 1] for p in range(level))
            if same_parent and data_columns[i] == data_columns[i - 1] + 1:
                labels[i] = labels[i - 1]


def read_grid(rows: Sequence[Sequence[object]], *, title: str = "") -> Grid | None:
    """The table of one sheet's cells (absolute positions: row 0 is the sheet's first row); None when
    the sheet holds no numbers (a cover, contents or notes sheet). Headings the sheet leaves blank
    are named from what the `title` says the table is by."""
    first_data = _first_data_row(rows)
    if first_data is None:
        return None
    grid = Grid()
    width = max(len(r) for r in rows)
    data_rows = [r for r in range(first_data, len(rows)) if any(not _empty(c) for c in rows[r])]
    first = min(next(c for c, cell in enumerate(rows[r]) if not _empty(cell)) for r in data_rows)
    headers = _header_rows(rows, first_data, first)
    stubs = _stub_columns(rows, data_rows, headers, first, width)
    stub_columns = list(range(first, first + stubs))
    data_columns = [c for c in range(first + stubs, width)
                    if any(c < len(rows[r]) and isinstance(data_value(rows[r][c]), Value) for r in data_rows)]
    for c in range(first + stubs, width):
        if c not in data_columns and any(c < len(rows[r]) and not _empty(rows[r][c]) for r in data_rows):
            grid.problems.append((f"{column_name(c)}{first_data + 1}", "a column of text, not numbers: not read"))
    if not data_columns:
        return None
    if not headers:
        grid.problems.append((cell_name(first_data, data_columns[0]), "no header row above the numbers: columns "
                                                                       "named by position"))
    column_levels, column_headings, measure = _column_dimensions(rows, headers, data_columns, stub_columns, grid)
    row_headings = _row_headings(rows, headers, stub_columns, data_rows)
    named = name_categories((*row_headings, *column_headings), title)
    row_headings, column_headings = list(named[:len(row_headings)]), list(named[len(row_headings):])
    grid.measure = measure
    _observations(rows, grid, data_rows=data_rows, stub_columns=stub_columns, data_columns=data_columns,
                  row_headings=row_headings, column_levels=column_levels, column_headings=column_headings)
    return grid


def _column_dimensions(rows: Sequence[Sequence[object]], headers: list[int], data_columns: list[int],
                       stub_columns: list[int], grid: Grid) -> tuple[list[list[Label]], list[str], str]:
    """Each column level's labels per data column, the levels' headings, and the measure (a level
    with one label across every column, left out of the dimensions)."""
    levels = []
    stub_text = []
    for h in headers:
        row = _row(rows, h)
        labels = [label(row[c]) if c < len(row) else Label("", "") for c in data_columns]
        if any(x.text for x in labels):
            levels.append(labels)
            stub_text.append(label(row[stub_columns[-1]]).text if stub_columns[-1] < len(row) else "")
    if not levels:
        return [[Label(f"Column {column_name(c)}", "") for c in data_columns]], ["Column"], ""
    texts = [[x.text for x in labels] for labels in levels]
    _fill_right(texts[:-1], data_columns)
    lowest = texts[-1]
    for i, text in enumerate(lowest):
        if not text:
            if any(texts[level][i] for level in range(len(texts) - 1)):
                lowest[i] = TOTAL  # a group's own column, with nothing below its group heading
            else:
                grid.problems.append((cell_name(headers[-1], data_columns[i]), "a data column without a heading: "
                                                                              "named by its position"))
                lowest[i] = f"Column {column_name(data_columns[i])}"
    kept: list[list[Label]] = []
    headings: list[str] = []
    measure = ""
    for level, words in enumerate(texts):
        if len(set(words)) == 1 and len(texts) > 1 or (len(data_columns) == 1 and len(texts) == 1):
            measure = measure or words[0]
            continue
        markers = [x.markers for x in levels[level]]
        kept.append([Label(text, mark) for text, mark in zip(words, markers, strict=True)])
        upper = stub_text[level] if level < len(texts) - 1 else ""
        headings.append(upper or _family(words) or "")
    unnamed = [i for i, h in enumerate(headings) if not h]
    for n, i in enumerate(unnamed, start=1):
        headings[i] = "Category" if len(unnamed) == 1 else f"Category {n}"
    return kept, headings, measure


def _row_headings(rows: Sequence[Sequence[object]], headers: list[int], stub_columns: list[int],
                  data_rows: list[int]) -> list[str]:
    lowest = _row(rows, headers[-1]) if headers else ()
    headings = []
    for n, c in enumerate(stub_columns):
        text = label(lowest[c]).text if c < len(lowest) else ""
        if not text or text == TOTAL:
            text = _family([label(rows[r][c]).text for r in data_rows if c < len(rows[r])]) or (
                "Row label" if len(stub_columns) == 1 else f"Row label {n + 1}")
        headings.append(text)
    return headings


def _period_plan(row_headings: list[str], labels: list[tuple[str, ...]]) -> tuple[int | None, int | None, int | None]:
    """(year column, quarter column, period column) positions among the stub columns, or None each."""
    year = quarter = single = None
    for i in range(len(row_headings)):
        values = {row[i] for row in labels if row[i] and row[i] != TOTAL}
        if not values:
            continue
        if year is None and all(year_of(v) is not None for v in values):
            year = i
        elif quarter is None and all(quarter_of(v) is not None for v in values):
            quarter = i
        elif single is None and all(period_of(v) is not None for v in values) and any("Q" in (period_of(v) or "")
                                                                                     for v in values):
            single = i
    if quarter is not None and year is None:
        quarter = None  # quarters without their year are no period: kept as labels
    return year, quarter, single


def _row_period(row: tuple[str, ...], plan: tuple[int | None, int | None, int | None]) -> str | None:
    year, quarter, single = plan
    if single is not None:
        return period_of(row[single]) if row[single] != TOTAL else None
    if year is None or row[year] == TOTAL:
        return None
    y = year_of(row[year])
    if y is None:
        return None
    if quarter is None or row[quarter] == TOTAL:
        return year_period(y)
    q = quarter_of(row[quarter])
    return quarter_period(y, q) if q else None


def _observations(rows: Sequence[Sequence[object]], grid: Grid, *, data_rows: list[int], stub_columns: list[int],
                  data_columns: list[int], row_headings: list[str], column_levels: list[list[Label]],
                  column_headings: list[str]) -> None:
    """Fill `grid` with one observation per data cell (filled-down row labels, flattened headings)."""
    labelled: list[tuple[int, tuple[str, ...], str]] = []
    context: list[str] = [""] * len(stub_columns)
    for r in data_rows:
        row = rows[r]
        read = [label(row[c]) if c < len(row) else Label("", "") for c in stub_columns]
        changed = next((i for i, x in enumerate(read) if x.text), None)
        for i, x in enumerate(read):
            if x.text:
                context[i] = x.text
            elif changed is not None and i > changed:
                context[i] = ""  # a new group starts: a blank below it is that group's total
        if not any(c < len(row) and not _empty(row[c]) for c in data_columns):
            continue  # a row of labels only (a group heading): it labels the rows below
        labelled.append((r, tuple(x or TOTAL for x in context), "".join(x.markers for x in read)))
    plan = _period_plan(row_headings, [labels for _, labels, _ in labelled])
    period_positions = {p for p in plan if p is not None}
    columns = []
    for i, c in enumerate(data_columns):
        labels = tuple(level[i].text for level in column_levels)
        grid.column_labels[c] = labels
        columns.append((c, tuple(zip(column_headings, labels, strict=True)), "".join(level[i].markers for level in column_levels),
                        column_name(c)))
    grid.headings = tuple(h for i, h in enumerate(row_headings) if i not in period_positions) + tuple(column_headings)
    grid.columns = list(data_columns)
    grid.column_dimensions = len(column_headings)
    duplicate_columns = _duplicates([c for c, _, _, _ in columns], [dims for _, dims, _, _ in columns])
    rows_seen: set[tuple[str | None, tuple[tuple[str, str], ...]]] = set()
    new, append, problems = tuple.__new__, grid.observations.append, grid.problems
    for r, labels, row_marks in labelled:
        period = _row_period(labels, plan) if period_positions else None
        keep = [i for i in range(len(labels)) if period is None or i not in period_positions]
        row_dims = tuple((row_headings[i], labels[i]) for i in keep)
        row = rows[r]
        number = str(r + 1)
        if (period, row_dims) in rows_seen:
            problems.append((f"{column_name(stub_columns[0])}{number}", "the same row labels as a row above: not read"))
            continue
        rows_seen.add((period, row_dims))
        grid.row_labels[r] = labels
        values: list[int | float | None] = []
        grid.values[r] = values
        for c, column_dims, column_marks, letter in columns:
            cell = row[c] if c < len(row) else None
            if type(cell) is float and not row_marks and not column_marks:  # the common case, kept fast
                value = int(cell) if cell.is_integer() else cell
                if 0 <= value <= (MAX_COUNT if type(value) is int else 100) and c not in duplicate_columns:
                    values.append(value)
                    append(new(Observation, (period, row_dims + column_dims, value, None, "", letter + number)))
                    continue
            found = data_value(cell)
            if found is None or c in duplicate_columns:
                values.append(None)
                continue
            if isinstance(found, Unreadable):
                values.append(None)
                problems.append((letter + number, f"{found.text!r} is neither a number nor shorthand such as [x]: "
                                                  "not read"))
                continue
            why = _implausible(found.value) if found.value is not None else None
            if why:
                values.append(None)
                problems.append((letter + number, f"{why}: not read"))
                continue
            values.append(found.value)
            marks = found.markers + row_marks + column_marks
            append(new(Observation, (period, row_dims + column_dims, found.value, found.code,
                                     "".join(sorted(set(marks))), letter + number)))
    for c in sorted(duplicate_columns):
        problems.append((f"{column_name(c)}{(data_rows or [0])[0] + 1}", "the same column headings as a column "
                                                                          "before it: not read"))


def _duplicates(columns: list[int], dims: list[tuple[tuple[str, str], ...]]) -> set[int]:
    """The columns whose headings repeat an earlier column's."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    found = set()
    for c, d in zip(columns, dims, strict=True):
        if d in seen:
            found.add(c)
        seen.add(d)
    return found


def _implausible(value: int | float) -> str:
    """Why a table cell cannot be a count (a whole number) or a share of people ("" when it can)."""
    return implausible(value, unit="count" if isinstance(value, int) else "pct")
