"""Bounds on what one source may make msbrief parse, and the source deadline, for every parser.

A source's documents are parsed inside its budget (`Budget`: its `Limits` and its `Deadline`):

- a document larger than `max_document_bytes`, or with more than `max_elements` tags (XML, HTML,
  and markup escaped inside XML text), is refused before any tree is built: a ParseError naming
  the source, the URL and the limit. Tree builders (BeautifulSoup, feedparser) cost about a
  kilobyte per element and feedparser is quadratic in the attributes of one element, so the
  bound comes first;
- an element with more than `max_attributes` attributes is refused the same way;
- items past `max_items_per_page` on one page, or past `max_items_per_source` in one run, are not
  read: one warning says so;
- announcements past `max_announcements` in one run are not read: one warning says so;
- one tree is built at a time in the process (`parse_slot`): parsing holds the GIL anyway, and
  four sources parsing at once would hold four trees; the wait ends at the source deadline;
- the deadline is checked while a document is scanned and after it was parsed, so a source past
  its deadline fails with DeadlineExceeded instead of parsing on.

The defaults are the settings' defaults (MSBRIEF_MAX_DOCUMENT_BYTES and the rest).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from scrapers.errors import DeadlineExceeded, ParseError


@dataclass(frozen=True)
class Limits:
    """How much of a source one run reads: bytes, elements, attributes, items, announcements."""

    max_response_bytes: int = 20_000_000  # any download (workbooks too), decompressed
    max_document_bytes: int = 5_000_000  # one document to parse: feed, page, JSON
    max_elements: int = 50_000  # tags in one document
    max_attributes: int = 100  # attributes on one element
    max_items_per_page: int = 2_000
    max_items_per_source: int = 10_000  # items of one source in one run
    max_announcements: int = 50  # statistics announcements of one source in one run

    def __post_init__(self) -> None:
        for name in ("max_response_bytes", "max_document_bytes", "max_elements", "max_attributes",
                     "max_items_per_page", "max_items_per_source", "max_announcements"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


class Deadline:
    """The end of a source's time for this run (monotonic clock); None seconds: no end."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.ends_at = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        """Seconds left (negative once passed); None without a deadline."""
        return None if self.ends_at is None else self.ends_at - time.monotonic()

    def passed(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def error(self, *, source: str, url: str, detail: str = "") -> DeadlineExceeded:
        return DeadlineExceeded(f"source deadline of {self.seconds:g} s exceeded{detail}", source=source, url=url)

    def check(self, *, source: str, url: str, when: str = "") -> None:
        """DeadlineExceeded once the deadline passed."""
        if self.passed():
            raise self.error(source=source, url=url, detail=f" ({when})" if when else "")


@dataclass(frozen=True)
class Budget:
    """What a parser may spend on one source's document: its limits and the source's deadline."""

    limits: Limits = field(default_factory=Limits)
    deadline: Deadline = field(default_factory=lambda: Deadline(None))


DEFAULT_LIMITS = Limits()
UNBOUNDED_TIME = Budget()  # the default limits, no deadline (a parser called on its own)

_PARSE_SLOT = threading.BoundedSemaphore(1)


@contextmanager
def parse_slot(budget: Budget, *, source: str, url: str) -> Iterator[None]:
    """Hold the process's one tree-building slot while a document is parsed; check the deadline after."""
    left = budget.deadline.left()
    if not _PARSE_SLOT.acquire(timeout=-1 if left is None else max(0.0, left)):
        raise budget.deadline.error(source=source, url=url, detail=" (waiting to parse)")
    try:
        yield
    finally:
        _PARSE_SLOT.release()
    budget.deadline.check(source=source, url=url, when="while parsing")


def check_size(body: bytes | str, budget: Budget, *, source: str, url: str, what: str = "document") -> None:
    """ParseError when `body` is over max_document_bytes or holds more than max_elements tags.

    Tags are counted as `<` plus escaped `&lt;` (markup inside XML text is parsed again as HTML);
    an upper bound, counted at C speed without building anything.
    """
    limits = budget.limits
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(raw) > limits.max_document_bytes:
        raise ParseError(f"{what} of {len(raw):,} bytes is over MSBRIEF_MAX_DOCUMENT_BYTES "
                         f"({limits.max_document_bytes:,}); not read", source=source, url=url)
    tags = raw.count(b"<") + raw.count(b"&lt;")
    if tags > limits.max_elements:
        raise ParseError(f"{what} with {tags:,} tags is over MSBRIEF_MAX_ELEMENTS ({limits.max_elements:,}); "
                         "not read", source=source, url=url)
    budget.deadline.check(source=source, url=url, when="before parsing")
