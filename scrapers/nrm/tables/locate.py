"""Which sheet holds which table: the contents sheet's list, and the title in each sheet's first cell.

Government statistical workbooks list every table on a contents sheet (its sheet name beside its
title) and repeat the title in the table sheet's cell A1. Sheet names and numbers change between
releases, so a table is known by its title alone, never by its sheet or position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scrapers.nrm.tables.cells import label

_CONTENTS = re.compile(r"\bcontents\b", re.I)
MIN_TITLE_LETTERS = 8  # fewer letters than this is no title ("Table 2", a year)


def _sheet_key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().lower()


def _texts(row: Sequence[object]) -> list[str]:
    return [t for t in (label(cell).text for cell in row) if t]


def _looks_like_title(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]", re.sub(r"^\s*table\s*_?\s*\d+[a-z]?\s*[:.]?", "", text, flags=re.I))) \
        >= MIN_TITLE_LETTERS


def contents_titles(sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> dict[str, str]:
    """Sheet name -> table title, from the contents sheet (a sheet named or titled "Contents")."""
    names = {_sheet_key(name): name for name, _ in sheets}
    found: dict[str, str] = {}
    for name, rows in sheets:
        first = next((t for row in rows[:3] for t in _texts(row)), "")
        if not (_CONTENTS.search(name) or _CONTENTS.search(first)):
            continue
        for row in rows:
            texts = _texts(row)
            sheet = next((names[_sheet_key(t)] for t in texts if _sheet_key(t) in names), None)
            if sheet is None or sheet == name:
                continue
            titles = [t for t in texts if _sheet_key(t) not in names and _looks_like_title(t)]
            if titles and sheet not in found:
                found[sheet] = max(titles, key=len)
    return found


def sheet_title(rows: Sequence[Sequence[object]], listed: str | None, sheet: str) -> tuple[str, str]:
    """(the table's title, a problem or ''): the sheet's first cell when it reads as a title, else
    the contents sheet's title for it, else the sheet's name (a problem)."""
    first = next((t for row in rows[:2] for t in _texts(row)), "")
    if first and _looks_like_title(first):
        return first, ""
    if listed:
        return listed, ""
    return sheet, f"no title in the sheet's first cell or the contents: named {sheet!r}"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower())) - {"of", "at", "the", "and", "by", "or"}


def name_categories(headings: tuple[str, ...], title: str) -> tuple[str, ...]:
    """Headings the sheet left blank ("Category") named from what the title says the table is by:
    "... by first responder, exploitation type, age at exploitation, gender and nationality" with
    the first four among the headings names the last "Nationality"."""
    blank = [i for i, h in enumerate(headings) if h == "Category" or h.startswith("Category ")]
    _, by, rest = title.partition(" by ")
    if not blank or not by:
        return headings
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+|\s+by\s+", rest) if p.strip()]
    named = [_words(h) for h in headings if h not in {headings[i] for i in blank}]
    left = [p for p in parts if not any(_words(p) & words for words in named) and not re.search(r"\d", p)]
    if len(left) < len(blank):
        return headings
    found = list(headings)
    for i, part in zip(blank, left[-len(blank):], strict=True):
        found[i] = part[:1].upper() + part[1:]
    return tuple(found)
