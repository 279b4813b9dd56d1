"""What one cell of a data table says: a number (with its [r]/[p] markers), shorthand for "no number"
([x] [c] [z] [u] [low]), a label (cleaned, totals named `Total`), or a period ('2023-Q2', '2023-year').

Never a guess: a data cell that is none of these is `Unreadable`, and the reader warns about it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from scrapers.normalise import clean_text
from vocabulary.calendar import MONTH_PATTERN
from vocabulary.periods import quarter_of_months, quarter_period, year_period
from vocabulary.tables import MARKERS, SHORTHAND, TOTAL

MAX_LABEL_LENGTH = 200  # characters of a row or column label kept


class Value(NamedTuple):
    """A data cell read: a number, or no number with its shorthand code; markers such as 'r'."""

    value: int | float | None
    code: str | None
    markers: str


class Unreadable(NamedTuple):
    """A data cell that is neither a number nor shorthand: what it holds, for the warning."""

    text: str


_SHORTHAND = re.compile(r"^\[\s*([a-z]{1,5})\s*\]$", re.I)
_MARKED_NUMBER = re.compile(r"^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*((?:\[\s*[a-z]\s*\]\s*)+)?$", re.I)
_MARK = re.compile(r"\[\s*([a-z])\s*\]", re.I)
_ONE_MARKER = re.compile(r"\s*\[\s*([rp])\s*\]", re.I)
_NOTE = re.compile(r"\s*\[\s*notes?\s*[0-9][0-9, and]*\]", re.I)
_TOTAL = re.compile(r"^(?:grand\s+|overall\s+)?totals?(?:\s*\([^)]*\))?$|^all$", re.I)


def number(value: float) -> int | float:
    """An integral float as an int (calamine reads every number as a float)."""
    return int(value) if value.is_integer() else value


@lru_cache(maxsize=4096)
def _text_value(text: str) -> Value | Unreadable | None:
    stripped = text.strip()
    if not stripped:
        return None
    m = _SHORTHAND.match(stripped)
    if m:
        code = m.group(1).lower()
        return Value(None, code, "") if code in SHORTHAND else Unreadable(stripped)
    m = _MARKED_NUMBER.match(stripped)
    if m:
        marks = "".join(sorted({c.lower() for c in _MARK.findall(m.group(2) or "")}))
        if any(c not in MARKERS for c in marks):
            return Unreadable(stripped)
        return Value(number(float(m.group(1).replace(",", ""))), None, marks)
    codes = _MARK.findall(stripped)
    if codes and _MARK.sub("", stripped).strip() == "":  # "[x] [r]": no number, marked
        code, rest = codes[0].lower(), {c.lower() for c in codes[1:]}
        if code in SHORTHAND and rest <= set(MARKERS):
            return Value(None, code, "".join(sorted(rest)))
    return Unreadable(stripped[:40])


def data_value(cell: object) -> Value | Unreadable | None:
    """What a data cell holds; None for an empty cell."""
    if isinstance(cell, float):
        return Value(number(cell), None, "")
    if isinstance(cell, bool) or isinstance(cell, (date, datetime, time, timedelta)):
        return Unreadable(str(cell)[:40])
    if isinstance(cell, int):
        return Value(cell, None, "")
    if isinstance(cell, str):
        return _text_value(cell)
    return None if cell is None else Unreadable(str(cell)[:40])


def is_number_like(cell: object) -> bool:
    """True for a cell that reads as a number or shorthand (what data cells hold)."""
    found = data_value(cell)
    return isinstance(found, Value)


class Label(NamedTuple):
    """A row or column label: its text (`Total` for any total) and the markers it carried."""

    text: str
    markers: str


@lru_cache(maxsize=16384)
def _label(text: str) -> Label:
    markers = "".join(sorted({m.lower() for m in _ONE_MARKER.findall(text)}))
    cleaned = clean_text(_NOTE.sub("", _ONE_MARKER.sub("", text)), limit=MAX_LABEL_LENGTH, one_line=True).strip()
    cleaned = cleaned.rstrip(":").strip()
    return Label(TOTAL if _TOTAL.match(cleaned) else cleaned, markers)


def label(cell: object) -> Label:
    """A stub or header cell as a label ('' when empty); a number such as a year reads as its digits."""
    if isinstance(cell, float):
        return Label(str(number(cell)), "")
    if isinstance(cell, str):
        return _label(cell) if cell.strip() else Label("", "")
    if cell is None or isinstance(cell, bool):
        return Label("", "")
    return _label(str(cell))


# --- periods --------------------------------------------------------------------------------------

_YEAR = re.compile(r"^((?:19|20)\d\d)$")
_QUARTER = re.compile(rf"^(?:q|quarter)\s*([1-4])$|^({MONTH_PATTERN})\.?\s*(?:to|-|–)\s*({MONTH_PATTERN})\.?$", re.I)
_YEAR_QUARTER = re.compile(
    rf"^(?:((?:19|20)\d\d)\s*[-,]?\s*(?:q|quarter)\s*([1-4])|(?:q|quarter)\s*([1-4])\s*,?\s*((?:19|20)\d\d)"
    rf"|({MONTH_PATTERN})\.?\s*(?:\d{{4}}\s*)?(?:to|-|–)\s*({MONTH_PATTERN})\.?\s*,?\s*((?:19|20)\d\d))$", re.I)


def year_of(text: str) -> int | None:
    """The year a label names ('2014'), else None."""
    m = _YEAR.match(text)
    return int(m.group(1)) if m else None


def quarter_of(text: str) -> int | None:
    """The quarter a label names without its year ('Q1', 'Quarter 2', 'Jan to Mar'), else None."""
    m = _QUARTER.match(text)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    return quarter_of_months(m.group(2).lower(), m.group(3).lower())


def period_of(text: str) -> str | None:
    """The period one label names: '2023 Q2', 'Q2 2023', 'April to June 2023' -> '2023-Q2'; a bare
    year '2023' -> '2023-year'; else None."""
    year = year_of(text)
    if year is not None:
        return year_period(year)
    m = _YEAR_QUARTER.match(text)
    if not m:
        return None
    if m.group(1):
        return quarter_period(int(m.group(1)), int(m.group(2)))
    if m.group(3):
        return quarter_period(int(m.group(4)), int(m.group(3)))
    quarter = quarter_of_months(m.group(5).lower(), m.group(6).lower())
    return quarter_period(int(m.group(7)), quarter) if quarter else None


def column_name(index: int) -> str:
    """The spreadsheet letters of a 0-based column: 0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """'C7' for 0-based (row 6, column 2)."""
    return f"{column_name(column)}{row + 1}"
