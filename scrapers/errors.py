"""The exception tree of msbrief's scrapers, documented in one place.

ScraperError
 ├── FetchError      the source could not be fetched (HTTP status, timeout, robots.txt, size, type)
 │    ├── RobotsDisallowed   robots.txt forbids the URL; it was not fetched
 │    │    └── RobotsUnreachable  robots.txt could not be read (network, 5xx): nothing fetched from its host
 │    ├── HostNotAllowed     the URL's host is not one of the source's hosts, or resolves to a
 │    │                      private address; not a byte was sent to it
 │    └── DeadlineExceeded   the source's time for this run (its source deadline) ran out
 └── ParseError      the source was fetched but did not contain what we expected
"""

from __future__ import annotations


class ScraperError(Exception):
    """Base class: something went wrong with one source."""

    def __init__(self, message: str, *, source: str = "", url: str = "") -> None:
        self.source = source
        self.url = url
        self.reason = message
        # The URL comes last, so in a log line or the Prefect UI it is a link with nothing glued to it.
        text = f"[{source}] {message}" if source else message
        super().__init__(f"{text}: {url}" if url else text)


class FetchError(ScraperError):
    """The request failed for good (after any retries)."""

    def __init__(self, message: str, *, source: str = "", url: str = "", status: int | None = None) -> None:
        self.status = status
        super().__init__(message, source=source, url=url)


class RobotsDisallowed(FetchError):
    """robots.txt disallows the URL for our User-Agent."""


class RobotsUnreachable(RobotsDisallowed):
    """robots.txt could not be read (no connection, a 5xx, a timeout), so the host is not fetched from:
    the site did not refuse msbrief. `host` and `cause` say what happened, in plain words."""

    def __init__(self, message: str, *, source: str = "", url: str = "", host: str = "", cause: str = "",
                 robots_status: int | None = None) -> None:
        self.host, self.cause, self.robots_status = host, cause, robots_status
        super().__init__(message, source=source, url=url)

    @property
    def plain(self) -> str:
        """"could not connect to www.gov.uk (host name not found)", or what the host answered."""
        if self.robots_status is None:
            return f"could not connect to {self.host} ({self.cause.removeprefix('connection failed: ')})"
        return f"{self.host} answered HTTP {self.robots_status} for its robots.txt ({self.cause}), so nothing was fetched"


class HostNotAllowed(FetchError):
    """The URL (or a redirect) points off the source's hosts, or at a private address: not fetched."""


class DeadlineExceeded(FetchError):
    """The source deadline passed: this request, and every later one of the client, fails at once."""


class ParseError(ScraperError):
    """A document did not have the shape we expected (layout drift, bad JSON, no items...)."""

    def __init__(self, message: str, *, source: str = "", url: str = "", expected: str = "") -> None:
        self.expected = expected
        if expected:
            message = f"{message} (expected {expected})"
        super().__init__(message, source=source, url=url)
