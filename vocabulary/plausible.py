"""Figures that cannot be true: one check, for the bulletins' text and the data tables alike.

`implausible(value, unit=...)` returns the reason in plain words, or "" when the value could be
a true NRM figure. Callers withhold what fails (with the reason), never correct it, and never let
it displace a figure that passes. The bounds are those docs/FIGURES.md states:

- a count is a whole number from 0 to MAX_COUNT (the NRM has never had 20,000 referrals in a
  year; a million is far beyond any count a release could state, and far below the nonsense a
  broken source can serve, such as "4,758,000,000,000 potential victims");
- a share is 0 to 100 per cent; a change is from -100% (all gone) to +MAX_CHANGE_PCT;
- a period or a date falls from FIRST_YEAR (the NRM began in 2009) to next year;
- a number written with an exponent ("1e309"), or with a minus sign where only a count or a
  share can stand ("-5"), is never a figure.

Pure: no I/O; `today` is a parameter so that tests can fix the clock.
"""

from __future__ import annotations

import math
import re
from datetime import date

FIRST_YEAR = 2009  # the National Referral Mechanism began in 2009
MAX_COUNT = 1_000_000
MAX_CHANGE_PCT = 1_000  # a change of more than tenfold on the period before
UNITS = ("count", "pct", "change", "date", "period", "approx", "list")

_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\d")
_PERIOD = re.compile(r"^(\d{1,6})-(?:Q[1-4]|year)$")


def last_year(today: date | None = None) -> int:
    """The latest year a period or date may fall in: next year (a release is never further ahead)."""
    return (today or date.today()).year + 1


def plausible_year(year: int, *, today: date | None = None) -> bool:
    """True for FIRST_YEAR to next year."""
    return FIRST_YEAR <= year <= last_year(today)


def is_change(metric: str) -> bool:
    """True for the metrics that state a signed change ("pct_change_vs_previous", ...)."""
    return "pct_change" in metric


def implausible(value: object, *, unit: str, metric: str = "", written: str = "",
                today: date | None = None) -> str:
    """Why `value` cannot be a true figure of `unit` ("" when it can).

    `unit` is a FIGURES.md unit ("count", "pct", "date", "approx", "list"), or "change" for a
    signed change, or "period" for "2023-Q2"/"2023-year". A "pct" whose `metric` is a change
    (`is_change`) is checked as a change. `written` is the number as the source wrote it, when
    known: an exponent or a minus sign there fails, whatever the value.
    """
    if unit == "pct" and is_change(metric):
        unit = "change"
    if unit not in UNITS:
        return f"{unit!r} is not a unit of docs/FIGURES.md"
    numeric = unit in ("count", "pct", "change")
    if numeric and isinstance(value, str) and _EXPONENT.search(value):
        written = value  # kept as written because it could not be read as a number
    if written and _EXPONENT.search(written):
        return f"{_short(written)} is written with an exponent, which no statistics release does"
    if numeric:
        return _number(value, unit=unit, written=written)
    if unit == "approx":
        return _approx(value)
    if unit == "date":
        return _date(value, today=today)
    if unit == "period":
        return _period(value, today=today)
    return "" if isinstance(value, list) and all(isinstance(v, str) for v in value) else \
        f"{_short(value)} is not a list of names"


def plausible_period(period: object, *, today: date | None = None) -> bool:
    """True for '2023-Q2' or '2023-year' with a year from FIRST_YEAR to next year."""
    return not _period(period, today=today)


def _number(value: object, *, unit: str, written: str) -> str:
    if isinstance(value, str) and value.replace(",", "").isdigit():  # too long to convert: kept as written
        return f"a number of {len(value.replace(',', '')):,} digits is more than {MAX_COUNT:,}, the most any NRM count could be"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{_short(value)} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_short(value)} is not a finite number"
    negative_written = written.lstrip().startswith(("-", "\u2212"))
    if unit == "count":
        if not isinstance(value, int):
            return f"{_short(value)} is not a whole number, so it cannot be a count"
        if value < 0 or negative_written:
            return f"{_short(written or value)} is negative, so it cannot be a count"
        if value > MAX_COUNT:
            return f"{_short(value)} is more than {MAX_COUNT:,}, the most any NRM count could be"
        return ""
    if unit == "pct":
        if value < 0 or negative_written:
            return f"{_short(written or value)}% is negative, so it cannot be a share"
        if value > 100:
            return f"{_short(value)}% is more than 100%, so it cannot be a share"
        return ""
    if not -100 <= value <= MAX_CHANGE_PCT:
        return f"a change of {_short(value)}% is outside -100% to +{MAX_CHANGE_PCT:,}%"
    return ""


def _approx(value: object) -> str:
    """An approximate count ("almost 17,000"): the number in its words must be a plausible count."""
    if not isinstance(value, str):
        return f"{_short(value)} is not an approximate count in words"
    digits = re.findall(r"\d[\d,]*", value)
    if len(digits) != 1:
        return f"{_short(value)} does not give one number"
    number = digits[0].replace(",", "")
    if len(number) > len(str(MAX_COUNT)) or int(number) > MAX_COUNT:
        return f"{_short(value)} is more than {MAX_COUNT:,}, the most any NRM count could be"
    return ""


def _date(value: object, *, today: date | None) -> str:
    if isinstance(value, date):
        year = value.year
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            year = date.fromisoformat(value).year
        except ValueError:
            return f"{_short(value)} is not a date"
    else:
        return f"{_short(value)} is not a date"
    if not plausible_year(year, today=today):
        return f"{_short(value)} is outside the years {FIRST_YEAR}-{last_year(today)}"
    return ""


def _period(value: object, *, today: date | None) -> str:
    m = _PERIOD.match(value) if isinstance(value, str) else None
    if not m:
        return f"{_short(value)} is not a period such as '2023-Q2' or '2023-year'"
    if not plausible_year(int(m.group(1)), today=today):
        return f"the period {value} is outside the years {FIRST_YEAR}-{last_year(today)}"
    return ""


def _short(value: object) -> str:
    """The value as written, cut to a readable length (a hostile value can be megabytes long)."""
    text = value if isinstance(value, str) else repr(value) if not isinstance(value, int) else _int_text(value)
    return text if len(text) <= 40 else f"{text[:18]}...{text[-12:]} ({len(text):,} characters)"


def _int_text(value: int) -> str:
    """A whole number in digits; a very long one by its length (str() refuses more than 4,300 digits)."""
    if value.bit_length() > 13_000:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    digits = len(str(abs(value)))
    return f"{value:,}" if digits <= 24 else f"a number of {digits:,} digits"
