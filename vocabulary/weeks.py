"""ISO weeks ("2026-W47") as readers live them, in London: parsing, naming, bounds and the default week."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vocabulary.calendar import LONDON, LONDON_TZ_NAME, long_date

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# The default week of a briefing, as `msbrief briefing --help` and `msbrief demo --help` state it.
WEEK_RULE = ("the last full ISO week (Monday to Sunday, Europe/London) before now or, until msbrief has "
             "read its sources for a full week, the week of its first reading (still in progress)")


def parse_week(week: str) -> date:
    """The Monday of ISO week `week` ("2026-W47"); ValueError for anything else."""
    match = _WEEK.match(week.strip()) if isinstance(week, str) else None
    if not match:
        raise ValueError(f"week {week!r} is not an ISO week: expected YYYY-Www, such as 2026-W47")
    year, number = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"week {week!r} does not exist: {year} has no ISO week {number}") from None


def format_week(day: date) -> str:
    """The ISO week containing `day`, as "YYYY-Www"."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_of(at: datetime) -> str:
    """The ISO week ("2026-W47") of the London calendar day of `at` (an aware datetime)."""
    if at.tzinfo is None:
        raise ValueError(f"at={at!r} is naive: pass an aware datetime")
    return format_week(at.astimezone(LONDON).date())


def week_bounds(week: str, tz: str = LONDON_TZ_NAME) -> tuple[datetime, datetime]:
    """[start, end) of `week` in UTC: local Monday 00:00 to the next local Monday 00:00."""
    monday = parse_week(week)
    zone = ZoneInfo(tz)
    start = datetime.combine(monday, time(0), zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous_week(now: datetime, tz: str = LONDON_TZ_NAME) -> str:
    """The last full ISO week before `now` (local time): the Monday run reports on last week."""
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware datetime")
    local_day = now.astimezone(ZoneInfo(tz)).date()
    return format_week(local_day - timedelta(days=7))


def week_label(week: str) -> str:
    """"16 November 2026": the Monday of `week`, as the subject line shows it."""
    return long_date(parse_week(week))
