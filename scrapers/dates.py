"""Read publication dates from feeds, HTML metadata, permalinks and visible text; never guess.

Every function returns a timezone-aware UTC datetime or None. Rules:

- a value with an explicit offset ("+01:00", "Z", "GMT") is converted to UTC;
- a clock time without an offset is Europe/London local time (BST or GMT as it was that day);
- a date without a time ("15 October 2020", "/news/2024/12/5/slug") is 00:00 UTC of that day, so
  the calendar date is the same in UTC and in Europe/London;
- anything ambiguous or unreadable is None, and so is a date outside MIN_YEAR..MAX_YEAR
  (vocabulary.calendar: 1990-2100; a typo or a placeholder, never a publication date). `refused(value)` tells that second
  case apart, so an item can be refused for its date as written instead of called undated.

Nothing here raises on bad input.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from bs4 import Tag

from scrapers.htmltext import soup as make_soup
from vocabulary.calendar import LONDON, MAX_YEAR, MIN_YEAR, month_number, year_in_range

__all__ = ["MAX_YEAR", "MIN_YEAR"]  # and the functions below; the years are vocabulary's
_PROBE_YEAR = "2000"  # a leap year inside the range: refused() moves a date here to see if it reads
_MS_PER_YEAR = 365.2425 * 86_400_000

_LABEL = r"(?:[A-Za-z][A-Za-z &'’/-]{0,40}?\s*[|:]\s*)?"  # "News | ", "Published on: "
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_TIME = r"(?:,?\s+(?:at\s+)?(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?"
_TEXT_FORMATS = (
    # 15 October 2020 / 09 July 2014 / 11 Aug 2021 10:02 AM / Friday 9 July 2021
    re.compile(rf"^{_LABEL}{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>[A-Za-z]{{3,9}})\.?,?\s+(?P<y>\d{{4}}){_TIME}$", re.I),
    # October 15, 2020
    re.compile(rf"^{_LABEL}{_WEEKDAY}(?P<m>[A-Za-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}$", re.I),
    # 01/06/2023 15:20:00 (UK order: day/month/year)
    re.compile(rf"^{_LABEL}(?P<d>\d{{1,2}})/(?P<mo>\d{{1,2}})/(?P<y>\d{{4}}){_TIME}$", re.I),
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_RFC822_LIKE = re.compile(r"^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_PERMALINK = re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/|$)")  # any year: checked apart
_YEAR = re.compile(r"(?<![\d+-])\d{4}(?!\d)")  # not a zone offset ("+0000")

# Meta tags that carry a publication date, best first (compared lower-case).
META_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "date", "pubdate", "publish_date", "publishdate", "parsely-pub-date", "sailthru.date",
)


def from_date(day: date) -> datetime | None:
    """A calendar date as 00:00 UTC of that day (None outside the years we accept)."""
    if not year_in_range(day.year):
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_MONTH_YEAR = re.compile(r"\b(?P<m>[A-Za-z]{3,9})\.?\s+(?P<y>\d{4})\b")


def from_title_month(title: Any) -> datetime | None:
    """The month a title names as its own ("IASC Bulletin (May 2024)", "Partnership Bulletin - December
    2025"): the 1st of that month, 00:00 UTC. None unless the title names exactly one month and year
    and no day of it (a day would be a date of its own), or outside the years we accept."""
    if not isinstance(title, str):
        return None
    found = {(month_number(m["m"]), int(m["y"])) for m in _MONTH_YEAR.finditer(title) if month_number(m["m"])}
    if len(found) != 1 or re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?\s+\d{4}\b", title):
        return None
    ((month, year),) = found
    return from_date(date(year, month, 1)) if month else None


def from_local(dt: datetime) -> datetime | None:
    """A datetime in UTC; a naive one is Europe/London local time."""
    if not year_in_range(dt.year):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LONDON)
    return dt.astimezone(UTC)


def parse_machine(value: Any) -> datetime | None:
    """An ISO 8601 or RFC 822 timestamp ("2020-10-15T09:30:00+01:00", "Thu, 15 Oct 2020 08:30:00 +0000")."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if _ISO_DATE.match(text):
            return from_date(date.fromisoformat(text))
        if _ISO_LIKE.match(text):
            return from_local(datetime.fromisoformat(text.replace("z", "Z")))
        if _RFC822_LIKE.match(text):
            dt = parsedate_to_datetime(text)
            # RFC 822 "-0000" (zone unknown) comes back naive: the RFC says treat it as UTC.
            return from_local(dt) if dt.tzinfo else from_local(dt.replace(tzinfo=UTC))
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return None


def parse_text(value: Any) -> datetime | None:
    """A date as people write it: "15 October 2020", "News | 17 July 2019", "01/06/2023 15:20:00".

    The whole text must be one date (an optional "Label:" or "Label |" prefix allowed); text that
    merely contains a date somewhere, or two dates, is None: we never pick one for the reader.
    """
    if not isinstance(value, str) or len(value) > 200:
        return None
    text = " ".join(value.replace("\xa0", " ").split())
    for pattern in _TEXT_FORMATS:
        m = pattern.match(text)
        if m:
            return _from_match(m)
    return parse_machine(text)


def _from_match(m: re.Match[str]) -> datetime | None:
    parts = m.groupdict()
    if parts.get("mo"):
        month = int(parts["mo"])
    else:
        month = month_number(parts["m"]) or 0
    try:
        day = date(int(parts["y"]), month, int(parts["d"]))
        if parts.get("hh") is None:
            return from_date(day)
        hour, minute, second = int(parts["hh"]), int(parts["mi"]), int(parts["ss"] or 0)
        ampm = (parts.get("ampm") or "").replace(".", "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        return from_local(datetime.combine(day, time(hour, minute, second)))
    except (ValueError, OverflowError):
        return None


def from_epoch_ms(value: Any) -> datetime | None:
    """Milliseconds since 1970 (Squarespace's publishOn) as UTC."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        dt = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return dt if year_in_range(dt.year) else None


def from_permalink(url: Any) -> datetime | None:
    """The date in a dated permalink: /news/2024/12/5/slug -> 2024-12-05 00:00 UTC."""
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    m = _PERMALINK.search(path)
    if not m:
        return None
    try:
        return from_date(date(int(m["y"]), int(m["m"]), int(m["d"])))
    except ValueError:
        return None


def refused(value: Any) -> str:
    """`value` as written when it is a date in a year outside MIN_YEAR..MAX_YEAR; "" otherwise.

    `value` is what a parser above read as None: text (a feed's pubDate, "News | 17 July 1900", a
    dated permalink) or epoch milliseconds. Text qualifies when it has one four-digit year, out of
    range, and reads as a date with that year moved into the range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return ""
    if not isinstance(value, str):
        return str(value) if math.isfinite(value) and not year_in_range(int(1970 + value / _MS_PER_YEAR)) else ""
    text = " ".join(value.split())
    if len(text) > 200:
        return ""
    permalink = _PERMALINK.search(text)
    if permalink and not year_in_range(int(permalink["y"])):
        moved = text[:permalink.start("y")] + _PROBE_YEAR + text[permalink.end("y"):]
        return text if from_permalink(moved) else ""
    years = _YEAR.findall(text)
    if len(years) != 1 or year_in_range(int(years[0])):
        return ""
    return text if parse_text(_YEAR.sub(_PROBE_YEAR, text)) else ""


def refused_in_html(doc: Any) -> str:
    """The first date the markup declares (where from_html looks) that `refused` refuses; "" if none."""
    try:
        soup = doc if isinstance(doc, Tag) else make_soup(doc)
        return next((text for text in map(refused, _declared(soup)) if text), "")
    except (ValueError, TypeError, RecursionError, AttributeError, KeyError):
        return ""


def _declared(soup: Tag) -> Iterable[str]:
    """The date values the markup declares, as written: meta tags, JSON-LD, itemprop, <time>."""
    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        if isinstance(key, str) and key.strip().lower() in META_NAMES and isinstance(meta.get("content"), str):
            yield str(meta["content"])
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            yield from (v for v in _walk_json_ld(json.loads(script.string or ""), depth=0) if isinstance(v, str))
        except (ValueError, TypeError, RecursionError):
            continue
    for el in soup.find_all(itemprop="datePublished"):
        yield str(el.get("datetime") or el.get("content") or el.get_text(" ", strip=True))
    for el in soup.find_all("time"):
        if isinstance(el.get("datetime"), str):
            yield str(el["datetime"])


def from_html(doc: Any) -> tuple[datetime | None, str]:
    """The publication date a page declares in markup, and where it was found.

    Looks at, in order: meta tags (article:published_time, dc.date, ...), JSON-LD datePublished,
    itemprop="datePublished", then `<time datetime>` when the page has exactly one distinct value.
    Returns (None, "") when the markup declares no date. `doc` is HTML (str/bytes) or a Tag.
    """
    try:
        soup = doc if isinstance(doc, Tag) else make_soup(doc)
        for finder in (_from_meta, _from_json_ld, _from_itemprop, _from_time_tags):
            found = finder(soup)
            if found[0] is not None:
                return found
    except (ValueError, TypeError, RecursionError, AttributeError, KeyError):
        return None, ""
    return None, ""


def _from_meta(soup: Tag) -> tuple[datetime | None, str]:
    values: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "")
        content = meta.get("content")
        if isinstance(key, str) and isinstance(content, str):
            values.setdefault(key.strip().lower(), content)
    for name in META_NAMES:
        if name in values:
            dt = parse_machine(values[name]) or parse_text(values[name])
            if dt:
                return dt, f"meta:{name}"
    return None, ""


def _from_json_ld(soup: Tag) -> tuple[datetime | None, str]:
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError, RecursionError):
            continue
        for value in _walk_json_ld(data, depth=0):
            dt = parse_machine(value)
            if dt:
                return dt, "json-ld"
    return None, ""


def _walk_json_ld(data: Any, *, depth: int) -> Iterable[Any]:
    if depth > 8:
        return
    if isinstance(data, dict):
        if "datePublished" in data:
            yield data["datePublished"]
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in data:
                yield from _walk_json_ld(data[key], depth=depth + 1)
    elif isinstance(data, list):
        for item in data[:50]:
            yield from _walk_json_ld(item, depth=depth + 1)


def _from_itemprop(soup: Tag) -> tuple[datetime | None, str]:
    for el in soup.find_all(itemprop="datePublished"):
        value = str(el.get("datetime") or el.get("content") or el.get_text(" ", strip=True))
        dt = parse_machine(value) or parse_text(value)
        if dt:
            return dt, "itemprop"
    return None, ""


def _from_time_tags(soup: Tag) -> tuple[datetime | None, str]:
    values = {str(t["datetime"]).strip() for t in soup.find_all("time") if isinstance(t.get("datetime"), str)}
    if len(values) == 1:
        dt = parse_machine(values.pop())
        if dt:
            return dt, "time"
    return None, ""


def from_element(el: Tag | None) -> datetime | None:
    """The date an element shows: its (or a child's) `<time datetime>`, else its visible text."""
    if el is None:
        return None
    try:
        time_el = el if el.name == "time" else el.find("time")
        if time_el is not None and isinstance(time_el.get("datetime"), str):
            dt = parse_machine(time_el["datetime"])
            if dt:
                return dt
        return parse_text(el.get_text(" ", strip=True))
    except (ValueError, TypeError, AttributeError):
        return None


def refused_in_element(el: Tag | None) -> str:
    """The date an element shows (where from_element looks), as written, when `refused` refuses it."""
    if el is None:
        return ""
    try:
        time_el = el if el.name == "time" else el.find("time")
        written = time_el.get("datetime") if time_el is not None else None
        return refused(written) or refused(el.get_text(" ", strip=True))
    except (ValueError, TypeError, AttributeError):
        return ""
