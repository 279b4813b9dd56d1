"""Statistics periods: '2023-Q2' (a calendar quarter) and '2023-year' (a calendar year).

One definition for every layer: how a period is written, compared, shifted and read aloud, and
how release titles name one ('Quarter 2 2023 – April to June', 'April to June 2024', 'end of
year summary 2022'). Functions taking a period raise ValueError for anything not of that form.
"""

from __future__ import annotations

import re

from vocabulary.calendar import MONTH_NAMES, MONTH_PATTERN, MONTHS, YEAR_PATTERN
from vocabulary.plausible import plausible_period

PERIOD_RE = re.compile(r"^(\d{4})-(?:Q([1-4])|year)$")
# Which periods a series may be asked for: quarters, years, or both.
PERIOD_KINDS = ("quarter", "year", "all")


def parse_period(period: str) -> tuple[int, int | None]:
    """(year, quarter) of '2023-Q2', (year, None) of '2023-year'; ValueError for anything else."""
    m = PERIOD_RE.match(period) if isinstance(period, str) else None
    if not m:
        raise ValueError(f"period {period!r} is not of the form '2023-Q2' or '2023-year'")
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None


def is_period(period: object) -> bool:
    """True for '2023-Q2' and '2023-year'."""
    return isinstance(period, str) and PERIOD_RE.match(period) is not None


def is_quarter(period: str) -> bool:
    """True for quarterly periods such as '2023-Q2'."""
    return parse_period(period)[1] is not None


def quarter_period(year: int, quarter: int) -> str:
    """'2023-Q2' for (2023, 2)."""
    return f"{year}-Q{quarter}"


def year_period(year: int) -> str:
    """'2023-year' for 2023."""
    return f"{year}-year"


def shift_period(period: str, *, quarters: int = 0, years: int = 0) -> str:
    """The period `quarters` quarters and `years` years after `period` (negative: before)."""
    year, quarter = parse_period(period)
    if quarter is None:
        return year_period(year + years + quarters // 4)
    index = year * 4 + quarter - 1 + quarters + 4 * years
    return quarter_period(index // 4, index % 4 + 1)


def previous_period(period: str) -> str:
    """The previous quarter of a quarter, the previous year of a year."""
    return shift_period(period, years=-1) if not is_quarter(period) else shift_period(period, quarters=-1)


def year_ago(period: str) -> str:
    """The same period a year earlier."""
    return shift_period(period, years=-1)


def same_period_last_year(period: str) -> str | None:
    """The same quarter a year earlier ('2023-Q2' -> '2022-Q2'); None for a year, whose comparison
    with the year before is its previous period."""
    return year_ago(period) if is_quarter(period) else None


def period_order(period: str) -> tuple[int, int]:
    """Sort key: by year, then quarter, a year after its fourth quarter; unknown text sorts last."""
    try:
        year, quarter = parse_period(period)
    except ValueError:
        return (9999, 9)
    return (year, quarter if quarter is not None else 5)


def period_label(period: str) -> str:
    """The period as a reader writes it: '2023-Q2' -> 'April to June 2023', '2021-year' -> '2021'."""
    year, quarter = parse_period(period)
    if quarter is None:
        return str(year)
    return f"{MONTH_NAMES[3 * quarter - 3]} to {MONTH_NAMES[3 * quarter - 1]} {year}"


# --- periods named in text ---------------------------------------------------------------------

# 'quarter 2 2022', 'Q2 2022', 'quarter 3 in 2018'; 'the second quarter of 2019'; 'April to June 2023',
# 'between April and June 2024'; 'the three months to June 2021' (the quarter ending in June)
_Q_NUMBER = re.compile(rf"\b(?:quarter|q)\s*([1-4])\s*(?:,|\s(?:in|of))?\s*({YEAR_PATTERN})\b", re.I)
_Q_ORDINAL = re.compile(rf"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+|in\s+)?({YEAR_PATTERN})\b",
                        re.I)
_Q_MONTHS = re.compile(rf"\b(?:between\s+(?P<b1>{MONTH_PATTERN})\s+(?:\d{{4}}\s+)?and|(?P<a1>{MONTH_PATTERN})\s+(?:\d{{4}}\s+)?to)"
                       rf"\s+(?P<m2>{MONTH_PATTERN})\s*,?\s*(?P<y>{YEAR_PATTERN})?(?!\d)", re.I)
_Q_ENDING = re.compile(rf"\b(?:three|3)[- ]months?\s+(?:to|ending(?:\s+in)?)\s+(?P<m2>{MONTH_PATTERN})\s*,?\s*"
                       rf"(?P<y>{YEAR_PATTERN})?(?!\d)", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
# Any phrase period_from_phrase reads, as a pattern without groups (compile it with re.I).
PERIOD_PHRASE = "|".join(re.sub(r"\((?:\?P<\w+>)?(?!\?)", "(?:", p.pattern)
                         for p in (_Q_NUMBER, _Q_ORDINAL, _Q_MONTHS, _Q_ENDING))
_YEAR_SUMMARY = re.compile(
    rf"\b(?:end\s+of\s+year\s+summary|annual\s+report|year\s+ending\s+december)\s*,?\s*({YEAR_PATTERN})\b", re.I)
_YEAR = re.compile(rf"\b({YEAR_PATTERN})\b")
_YEAR_ANY = re.compile(r"\b(\d{4})\b")  # any year, for naming an implausible one


def quarter_of_months(start: str, end: str) -> int | None:
    """The quarter a 'January to March' range covers; None if it is not a calendar quarter."""
    first, last = MONTHS.get(start.lower()), MONTHS.get(end.lower())
    if first and last and (first - 1) % 3 == 0 and last == first + 2:
        return (first - 1) // 3 + 1
    return None


def period_from_phrase(text: str, *, default_year: int | None = None) -> str | None:
    """The period a phrase names: 'quarter 2 2022', 'April to June 2023', 'end of year summary 2021'.

    None when the phrase names no period (or a month range that is not a calendar quarter).
    """
    m = _YEAR_SUMMARY.search(text)
    if m:
        return year_period(int(m.group(1)))
    m = _Q_NUMBER.search(text)
    if m:
        return quarter_period(int(m.group(2)), int(m.group(1)))
    m = _Q_ORDINAL.search(text)
    if m:
        return quarter_period(int(m.group(2)), _ORDINALS[m.group(1).lower()])
    m = _Q_MONTHS.search(text)
    if m:
        quarter = quarter_of_months(m.group("b1") or m.group("a1"), m.group("m2"))
        year = int(m.group("y")) if m.group("y") else default_year
        return quarter_period(year, quarter) if quarter and year else None
    m = _Q_ENDING.search(text)
    if m:
        last = MONTHS[m.group("m2").lower()]
        year = int(m.group("y")) if m.group("y") else default_year
        return quarter_period(year, last // 3) if last % 3 == 0 and year else None
    return None


def period_from_title(title: str) -> str | None:
    """The period of a release from its title ('Quarter 1 2023 – January to March' -> '2023-Q1').

    A quarter number and a month range that disagree give the quarter number; the month range
    supplies the year when only 'quarter 2: April to June 2019' style titles give it. A period
    outside the years docs/FIGURES.md allows ('Quarter 3 9999') is no period: None.
    """
    found = period_named_in_title(title)
    return found if found and plausible_period(found) else None


def period_named_in_title(title: str) -> str | None:
    """The period a title names, plausible or not (period_from_title refuses the implausible)."""
    found = period_from_phrase(title)
    if found:
        return found
    years = _YEAR_ANY.findall(title)
    m = re.search(r"\bquarter\s+([1-4])\b", title, re.I)
    if m and years:
        return quarter_period(int(years[-1]), int(m.group(1)))
    m = re.search(rf"\b({MONTH_PATTERN})\s+to\s+({MONTH_PATTERN})", title, re.I)
    quarter = quarter_of_months(m.group(1), m.group(2)) if m else None
    if quarter and years:
        return quarter_period(int(years[-1]), quarter)
    if years and re.search(r"\bend\s+of\s+year\s+summary\b|\bannual\s+report\b", title, re.I):
        return year_period(int(years[-1]))
    return None
