"""Months as the sources write them and the clock the readers live by (Europe/London)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON_TZ_NAME = "Europe/London"
LONDON = ZoneInfo(LONDON_TZ_NAME)

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


def long_date(day: object) -> str:
    """'10 August 2023' for a date or datetime (a datetime as its London calendar date)."""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON) if day.tzinfo else day
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"  # type: ignore[attr-defined]
