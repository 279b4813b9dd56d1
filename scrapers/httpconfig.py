"""The HTTP client's settings as small frozen value objects, and the per-host politeness gate.

`HttpClient` takes one of each (pipeline/ingest.py builds them from the settings):

- `Deadlines`: the connect and read timeouts, a `request_deadline` on each attempt and a
  `source_deadline` on everything one client does;
- `Politeness`: requests per second and in flight per host, the longest robots.txt Crawl-delay
  honoured, whether robots.txt is obeyed;
- `scrapers.retry.RetryPolicy` and `scrapers.limits.Limits`.

Each checks its values when made: a bad one is a ValueError naming the field and the value.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadlines:
    """How long one connection, one read, one attempt and the whole source may take (seconds)."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_deadline: float = 120.0
    source_deadline: float | None = None  # None: no limit

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "request_deadline", "source_deadline"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


@dataclass(frozen=True)
class Politeness:
    """How hard one client may press a host."""

    rate_limit_per_host: float = 1.0  # requests per second (0: no limit, for a loopback mirror only)
    concurrency_per_host: int = 2
    max_crawl_delay: float = 30.0  # the longest robots.txt Crawl-delay honoured
    obey_robots: bool = True  # False: tests and operator-approved sources only

    def __post_init__(self) -> None:
        if not self.rate_limit_per_host >= 0:
            raise ValueError(f"rate_limit_per_host must be 0 (no limit) or positive, got {self.rate_limit_per_host!r}")
        concurrency = self.concurrency_per_host
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency_per_host must be an integer of at least 1, got {concurrency!r}")

    @property
    def interval(self) -> float:
        """Seconds between two starts on one host."""
        return 1.0 / self.rate_limit_per_host if self.rate_limit_per_host else 0.0


class HostGate:
    """Per-host politeness: a concurrency semaphore and a minimum interval between starts."""

    def __init__(self, *, concurrency: int, interval: float) -> None:
        self.semaphore = threading.BoundedSemaphore(concurrency)
        self.interval = interval
        self._lock = threading.Lock()
        self._next_start = 0.0

    def reserve(self, now: float) -> float:
        """Book the next start slot; how long to wait for it."""
        with self._lock:
            start = max(now, self._next_start)
            self._next_start = start + self.interval
            return start - now

    def hold_until(self, when: float) -> None:
        """Start nothing on this host before `when` (a Retry-After applies to every thread)."""
        with self._lock:
            self._next_start = max(self._next_start, when)

    def slow_down(self, interval: float) -> None:
        """Raise the interval (robots.txt Crawl-delay)."""
        with self._lock:
            self.interval = max(self.interval, interval)
