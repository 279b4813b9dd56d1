"""Numbers and dates as readers see them: "3,998", "16%", "10 August 2023" (Europe/London)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vocabulary.calendar import LONDON
from vocabulary.periods import is_period, period_label


def number(value: Any) -> str:
    """A count or percentage with thousands separators; whole floats lose their ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def is_number(value: Any) -> bool:
    """True for int/float values (not bools, not strings)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def london_date(dt: datetime) -> str:
    """The calendar date in London, e.g. "10 August 2023"."""
    local = dt.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def release_period_label(period: str) -> str:
    """A stored period as readers write it ("April to June 2023"); anything else as it is."""
    return period_label(period) if is_period(period) else period
