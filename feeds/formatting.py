"""Numbers and dates as readers see them: "3,998", "16%", "10 August 2023" (Europe/London)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from vocabulary.calendar import LONDON_TZ_NAME, long_date
from vocabulary.periods import is_period, period_label


def number(value: Any) -> str:
    """A count or percentage with thousands separators; whole floats lose their ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def is_number(value: Any) -> bool:
    """True for int/float values (not bools, not strings)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def date_text(dt: datetime | None, *, tz: str = LONDON_TZ_NAME, with_time: bool = False) -> str:
    """The calendar date in `tz`, e.g. "10 August 2023" ("10 August 2023, 9:30am" with the time); "" for None."""
    if dt is None:
        return ""
    local = dt.astimezone(ZoneInfo(tz))
    text = long_date(local.date())
    if with_time and (local.hour or local.minute):
        text += f", {local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return text


def release_period_label(period: str) -> str:
    """A stored period as readers write it ("April to June 2023"); anything else as it is."""
    return period_label(period) if is_period(period) else period


