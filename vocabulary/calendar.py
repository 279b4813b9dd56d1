"""Months as the sources write them and the clock the readers live by (Europe/London)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON_TZ_NAME = "Europe/London"
LONDON = ZoneInfo(LONDON_TZ_NAME)

# The years msbrief accepts anywhere (publication dates, statistics periods, announced releases):
# a year outside them is a typo or a placeholder ("9999"), never real.
MIN_YEAR, MAX_YEAR = 1990, 2100
# One of those years, written as a regular expression (no anchors or boundaries of its own).
YEAR_PATTERN = r"(?:199\d|20\d\d|2100)"
# A year as a bulletin's sentences mention one: up to 2039. A bare number above that is a count
# written without its comma ("the preceding quarter (2040)"), not a year.
PROSE_YEAR_PATTERN = r"(?:199\d|20[0-3]\d)"


def year_in_range(year: int) -> bool:
    """True for MIN_YEAR..MAX_YEAR."""
    return MIN_YEAR <= year <= MAX_YEAR

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")

# Every spelling of a month the sources use (lower case) -> its number.
MONTHS: dict[str, int] = {
    spelling: number
    for number, spellings in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for spelling in spellings
}

# A regular expression matching any spelling in MONTHS (longest first, whole words).
MONTH_PATTERN = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"


def month_number(name: str) -> int | None:
    """1-12 for 'January', 'jan', 'Sept'...; None for anything else."""
    return MONTHS.get(name.strip().lower().rstrip("."))


def long_date(day: date | datetime) -> str:
    """'10 August 2023' for a date or datetime (an aware datetime as its London calendar date)."""
    if isinstance(day, datetime) and day.tzinfo:
        day = day.astimezone(LONDON)
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
