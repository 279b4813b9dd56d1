"""The one HTTP client of msbrief (built on requests).

Adapters call `HttpClient.get(url, accept=...)`; the client

- identifies itself (the User-Agent the caller builds from settings' contact address);
- obeys robots.txt (RFC 9309; fetched once per host per client, see `scrapers/robots.py` for
  how a missing or unreachable robots.txt is treated); a disallowed URL is not fetched, it
  raises `RobotsDisallowed` and is logged;
- spaces requests to one host (`min_interval`, raised to the host's Crawl-delay) and limits how
  many run at once per host (`max_concurrency`, shared by all threads using the client);
- puts a connect and a read timeout on every request, and an overall `deadline` on each attempt
  so a slow-drip body cannot hang a run;
- caps the response size (Content-Length, then while streaming, decompressed bytes included);
- checks the content type against `accept`;
- follows redirects itself, only to the requested URL's host or `allowed_hosts`;
- accepts gzip/deflate (and br/zstd when urllib3 can decode them);
- sends the stored validators back (conditional GET): a 304 returns a `Page` with no body;
- retries transient failures in one place: 429/503 wait for Retry-After (seconds or an HTTP date;
  a wait longer than `max_retry_wait` is not waited for: the fetch fails for this run), other 5xx,
  connection errors, truncated bodies and timeouts back off exponentially with full jitter; at
  most `max_retries` retries. Other 4xx never retry.

It never touches the database: validators come in through the `validators` callable and go out
on the `Page` and in `client.log` (one `FetchRecord` per `get`). `client.stats` counts every
attempt (`requests`), 304s (`not_modified`) and body bytes downloaded off the wire (`bytes`).
One client may be shared by threads.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Callable, Iterable
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from scrapers import robots
from scrapers.errors import FetchError, RobotsDisallowed
from scrapers.records import FetchRecord, Page

log = logging.getLogger(__name__)

Validators = Callable[[str], tuple[str | None, str | None]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]


def _no_validators(url: str) -> tuple[str | None, str | None]:
    return (None, None)


@dataclass
class HttpStats:
    """Counters for one client: attempts sent, 304s received, body bytes downloaded."""

    requests: int = 0
    not_modified: int = 0
    bytes: int = 0


@dataclass
class _Response:
    """What one attempt brought back (status, headers, body, the URL it answered)."""

    url: str
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes = b""


class _Transient(Exception):
    """A failure worth retrying: 429/5xx, connection error, truncated body, timeout."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class _HostGate:
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


class HttpClient:
    """One client per source per run: its `log` and `stats` belong to that source.

    The first seven parameters are the original interface (positional or keyword); the
    politeness and retry settings are keyword-only:

    - `min_interval`: seconds between request starts to one host (default 1.0), or
      `rate_limit_per_host`: the same as requests per second (settings' name; give one of the
      two). Raised to robots.txt's Crawl-delay, at most `max_crawl_delay`.
    - `max_concurrency` (or settings' name `concurrency_per_host`; default 2): requests in flight
      to one host, across all threads using the client.
    - `deadline`: seconds one attempt may take, connection to last byte; checked as each piece
      of the body arrives, so an attempt ends within `deadline + read_timeout`.
    - `max_retries`: retries after the first attempt (so at most max_retries + 1 requests per URL
      and redirect hop); backoff before retry n is uniform(0, min(backoff_max, backoff_base * 2**(n-1))).
    - `max_retry_wait`: the longest Retry-After honoured; a longer one ends the fetch for this run.
    - `obey_robots`: False skips robots.txt (tests and operator-approved sources only).
    - `sleep`: how to wait (injected by tests).
    """

    def __init__(
        self,
        user_agent: str,
        source: str = "",
        validators: Validators = _no_validators,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_bytes: int = 20_000_000,
        allowed_hosts: Iterable[str] = (),
        *,
        min_interval: float | None = None,
        rate_limit_per_host: float | None = None,
        max_concurrency: int | None = None,
        concurrency_per_host: int | None = None,
        deadline: float = 120.0,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_wait: float = 120.0,
        max_crawl_delay: float = 30.0,
        obey_robots: bool = True,
        robots_cache: Callable[[str], str | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not user_agent.strip():
            raise ValueError(f"HttpClient needs an identifying User-Agent, got {user_agent!r}")
        self.user_agent = user_agent
        self.source = source
        self.validators = validators
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.min_interval = _interval(min_interval, rate_limit_per_host)
        self.max_concurrency = _concurrency(max_concurrency, concurrency_per_host)
        self.deadline = deadline
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_wait = max_retry_wait
        self.max_crawl_delay = max_crawl_delay
        self.obey_robots = obey_robots
        self.robots_cache = robots_cache
        self.sleep = sleep
        self.log: list[FetchRecord] = []
        self.stats = HttpStats()
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, robots.RobotsPolicy] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._random = random.Random()
        self._session = self._new_session()

    def _new_session(self) -> requests.Session:
        """A session with our User-Agent and a connection pool as big as the concurrency."""
        session = requests.Session()
        session.headers["User-Agent"] = self.user_agent
        session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        adapter = HTTPAdapter(pool_maxsize=max(10, self.max_concurrency), max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public call ---------------------------------------------------------------------

    def get(self, url: str, *, accept: str = "*/*", conditional: bool = True) -> Page:
        """GET `url`; a 304 comes back as a Page with not_modified=True and no body.

        `accept` is sent as the Accept header and is also the check on the response's
        Content-Type (`*/*` accepts anything). Raises FetchError (naming the source and URL) when
        the request fails for good, RobotsDisallowed when robots.txt forbids it.
        """
        etag, last_modified = self.validators(url) if conditional else (None, None)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            response = self._follow(url, headers, accept)
        except FetchError as exc:
            self._record(FetchRecord(url, exc.status, error=exc.reason))
            raise
        return self._page(url, response, sent=(etag, last_modified))

    def _page(self, url: str, response: _Response, *, sent: tuple[str | None, str | None]) -> Page:
        """Turn the final response into a Page and a FetchRecord."""
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        not_modified = response.status == 304
        if not_modified:
            etag, last_modified = etag or sent[0], last_modified or sent[1]
            with self._lock:
                self.stats.not_modified += 1
        self._record(FetchRecord(url, response.status, etag, last_modified, not_modified=not_modified,
                                 bytes=len(response.body)))
        return Page(url=url, status=response.status, body=response.body, headers=response.headers,
                    final_url=response.url, etag=etag, last_modified=last_modified, not_modified=not_modified)

    def _record(self, record: FetchRecord) -> None:
        with self._lock:
            self.log.append(record)

    # -- redirects ---------------------------------------------------------------------------

    def _follow(self, url: str, headers: dict[str, str], accept: str, *, check_robots: bool = True) -> _Response:
        """Fetch `url`, following up to MAX_REDIRECTS redirects within the allowed hosts."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if check_robots:
                self._check_robots(url, current)
            response = self._with_retries(url, current, headers, accept)
            if response.status not in REDIRECT_STATUSES:
                return response
            current = self._redirect_target(url, response)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects (last to {current!r})", source=self.source,
                         url=url, status=response.status)

    def _redirect_target(self, url: str, response: _Response) -> str:
        """Where a redirect points, refused unless it stays on an allowed host."""
        location = response.headers.get("location")
        if not location:
            raise FetchError(f"HTTP {response.status} redirect without a Location header", source=self.source,
                             url=url, status=response.status)
        target = urljoin(response.url, location)
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not self._host_allowed(url, parts):
            allowed = sorted(self.allowed_hosts | {urlsplit(url).netloc.lower()})
            raise FetchError(f"HTTP {response.status} redirect to {target!r}, outside the allowed hosts {allowed!r}",
                             source=self.source, url=url, status=response.status)
        return target

    def _host_allowed(self, url: str, parts: SplitResult) -> bool:
        """The requested URL's host, or one named in allowed_hosts (with or without port)."""
        netloc = parts.netloc.lower()
        hostname = (parts.hostname or "").lower()
        return netloc == urlsplit(url).netloc.lower() or bool({netloc, hostname} & self.allowed_hosts)

    # -- robots.txt --------------------------------------------------------------------------

    def _check_robots(self, url: str, current: str) -> None:
        """Raise RobotsDisallowed (not fetched) when the host's robots.txt forbids `current`."""
        if not self.obey_robots:
            return
        verdict = self._robots_policy(current).check(current)
        if not verdict.allowed:
            where = "" if current == url else f" (redirected to {current!r})"
            raise RobotsDisallowed(f"not fetched: {verdict.reason}{where}", source=self.source, url=url)

    def _robots_policy(self, url: str) -> robots.RobotsPolicy:
        """The cached policy of `url`'s host, fetched once per client (one thread fetches)."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:
            if host not in self._robots:
                policy = self._fetch_robots(host + "/robots.txt")
                if policy.crawl_delay:
                    self._gate(parts.netloc).slow_down(min(policy.crawl_delay, self.max_crawl_delay))
                self._robots[host] = policy
            return self._robots[host]

    def _fetch_robots(self, robots_url: str) -> robots.RobotsPolicy:
        """Fetch and parse robots.txt; 4xx allows all, anything unreachable disallows all.

        A copy younger than 24 hours from `robots_cache` (RFC 9309 §2.4) is used instead of a request.
        """
        source = f"robots.txt of {robots_url.rsplit('/', 1)[0]}"
        cached = self.robots_cache(robots_url) if self.robots_cache else None
        if cached is not None:
            return robots.parse(cached, self.user_agent, source=f"{source} (cached)")
        try:
            response = self._follow(robots_url, {"Accept": "text/plain"}, "*/*", check_robots=False)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                self._record(FetchRecord(robots_url, exc.status, cache_body=""))  # "unavailable" is not an error
                return robots.RobotsPolicy.allow_all(f"no robots.txt at {robots_url!r} (HTTP {exc.status})")
            self._record(FetchRecord(robots_url, exc.status, error=exc.reason))
            log.warning("[%s] robots.txt unreachable, fetching nothing from its host: %s", self.source, exc)
            return robots.RobotsPolicy.disallow_all(f"robots.txt {robots_url!r} unreachable ({exc.reason})")
        text = response.body.decode("utf-8", errors="replace")
        self._record(FetchRecord(robots_url, response.status, bytes=len(response.body), cache_body=text))
        return robots.parse(text, self.user_agent, source=source)

    # -- retries -----------------------------------------------------------------------------

    def _with_retries(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """One URL with up to max_retries retries of transient failures."""
        attempt = 0
        while True:
            try:
                return self._attempt(url, current, headers, accept)
            except _Transient as exc:
                failure = exc
            if attempt >= self.max_retries:
                raise FetchError(f"{failure.reason} (gave up after {attempt + 1} attempts)", source=self.source,
                                 url=url, status=failure.status)
            attempt += 1
            self._wait_before_retry(url, current, failure, attempt)

    def _wait_before_retry(self, url: str, current: str, failure: _Transient, attempt: int) -> None:
        """Honour Retry-After (holding the whole host) or back off with full jitter."""
        if failure.retry_after is None:
            wait = self._random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
            log.info("[%s] %s: %s; retry %d/%d after a %.2fs backoff", self.source, current, failure.reason,
                     attempt, self.max_retries, wait)
            self.sleep(wait)
            return
        if failure.retry_after > self.max_retry_wait:
            raise FetchError(
                f"{failure.reason}: Retry-After asks for {failure.retry_after:.0f}s, more than max_retry_wait "
                f"{self.max_retry_wait:.0f}s; not retrying this run", source=self.source, url=url,
                status=failure.status)
        log.info("[%s] %s: %s; retry %d/%d after Retry-After %.2fs", self.source, current, failure.reason,
                 attempt, self.max_retries, failure.retry_after)
        # The next attempt's rate-limit slot does the waiting, for every thread using this host.
        self._gate(urlsplit(current).netloc).hold_until(time.monotonic() + failure.retry_after)

    # -- one attempt -------------------------------------------------------------------------

    def _gate(self, netloc: str) -> _HostGate:
        with self._lock:
            key = netloc.lower()
            if key not in self._gates:
                self._gates[key] = _HostGate(concurrency=self.max_concurrency, interval=self.min_interval)
            return self._gates[key]

    def _attempt(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """One request, inside the host's concurrency limit and after its rate-limit slot."""
        gate = self._gate(urlsplit(current).netloc)
        with gate.semaphore:
            wait = gate.reserve(time.monotonic())
            if wait > 0:
                self.sleep(wait)
            with self._lock:
                self.stats.requests += 1
            return self._send(url, current, headers, accept)

    def _send(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """Send the request and read the body under the deadline; classify what came back."""
        started = time.monotonic()
        try:
            resp = self._session.get(current, headers=headers, stream=True, allow_redirects=False,
                                     timeout=(self.connect_timeout, self.read_timeout))
        except requests.Timeout as exc:
            raise _Transient(f"timed out ({exc.__class__.__name__}: {exc})") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, HTTPException, OSError) as exc:
            raise _Transient(f"connection failed ({exc.__class__.__name__}: {exc})") from exc
        with resp:
            response = _Response(url=current, status=resp.status_code, reason=resp.reason or "",
                                 headers={k.lower(): v for k, v in resp.headers.items()})
            self._check_status(url, response)
            if 200 <= response.status < 300:
                self._check_content_type(url, response, accept)
                self._check_declared_size(url, response)
                response.body = self._read_body(url, resp, started)
            return response

    def _check_status(self, url: str, response: _Response) -> None:
        """Raise _Transient for 429/5xx, FetchError for other 4xx (never retried)."""
        status = response.status
        what = f"HTTP {status} {response.reason}".strip()
        if status in RETRY_AFTER_STATUSES:
            raise _Transient(what, status=status, retry_after=parse_retry_after(response.headers.get("retry-after")))
        if status >= 500:
            raise _Transient(what, status=status)
        if status >= 400:
            raise FetchError(what, source=self.source, url=url, status=status)

    def _check_content_type(self, url: str, response: _Response, accept: str) -> None:
        """A 2xx whose Content-Type is not among `accept` is a FetchError naming both."""
        arrived = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type_accepted(arrived, accept):
            raise FetchError(f"content type {arrived or '(none)'!r} is not what was expected ({accept!r})",
                             source=self.source, url=url, status=response.status)

    def _check_declared_size(self, url: str, response: _Response) -> None:
        """Refuse before downloading when Content-Length already exceeds max_bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"response too large: Content-Length {int(declared)!r} exceeds max_bytes "
                             f"{self.max_bytes!r}", source=self.source, url=url, status=response.status)

    def _read_body(self, url: str, resp: requests.Response, started: float) -> bytes:
        """Stream the body (decoded), enforcing max_bytes and the deadline; count wire bytes."""
        chunks: list[bytes] = []
        size = 0
        raw = resp.raw
        counted = 0
        try:
            while True:
                chunk = raw.read1(CHUNK, decode_content=True)
                counted = self._count_bytes(raw.tell(), counted)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(f"response too large: more than max_bytes {self.max_bytes!r} bytes streamed",
                                     source=self.source, url=url, status=resp.status_code)
                chunks.append(chunk)
                if time.monotonic() - started > self.deadline:
                    raise _Transient(f"body still arriving after the {self.deadline!r}s deadline ({size} bytes)",
                                     status=resp.status_code)
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            self._count_bytes(raw.tell(), counted)
            raise _Transient(f"timed out reading the body ({exc.__class__.__name__}: {exc})") from exc
        except (urllib3.exceptions.HTTPError, requests.RequestException, HTTPException, OSError) as exc:
            self._count_bytes(raw.tell(), counted)
            raise _Transient(f"body cut short after {size} bytes ({exc.__class__.__name__}: {exc})",
                             status=resp.status_code) from exc
        return b"".join(chunks)

    def _count_bytes(self, total: int, counted: int) -> int:
        """Add the wire bytes read since the last count to stats.bytes; the new total."""
        if total > counted:
            with self._lock:
                self.stats.bytes += total - counted
        return max(total, counted)


def _interval(min_interval: float | None, rate_limit_per_host: float | None) -> float:
    """Seconds between starts from either spelling (default 1.0); ValueError if both or negative."""
    if min_interval is not None and rate_limit_per_host is not None:
        raise ValueError(f"give min_interval ({min_interval!r}) or rate_limit_per_host ({rate_limit_per_host!r}), "
                         "not both")
    if rate_limit_per_host is not None:
        if rate_limit_per_host <= 0:
            raise ValueError(f"rate_limit_per_host must be positive (requests per second), got {rate_limit_per_host!r}")
        return 1.0 / rate_limit_per_host
    interval = 1.0 if min_interval is None else min_interval
    if interval < 0:
        raise ValueError(f"min_interval must not be negative, got {min_interval!r}")
    return interval


def _concurrency(max_concurrency: int | None, concurrency_per_host: int | None) -> int:
    """Requests in flight per host from either spelling (default 2); ValueError if both or < 1."""
    if max_concurrency is not None and concurrency_per_host is not None:
        raise ValueError(f"give max_concurrency ({max_concurrency!r}) or concurrency_per_host "
                         f"({concurrency_per_host!r}), not both")
    value = next((v for v in (max_concurrency, concurrency_per_host) if v is not None), 2)
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"max_concurrency must be an integer of at least 1, got {value!r}")
    return value


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def content_type_accepted(content_type: str, accept: str) -> bool:
    """Whether media type `content_type` matches one of the ranges in an Accept header."""
    ranges = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not ranges or "*/*" in ranges:
        return True
    major = content_type.split("/")[0]
    return any(r == content_type or (r.endswith("/*") and r[:-2] == major) for r in ranges)
