"""The one HTTP client of msbrief (built on requests).

Adapters call `HttpClient.get(url, accept=...)`; the client

- identifies itself (the User-Agent the caller builds from settings' contact address);
- obeys robots.txt (RFC 9309; fetched once per host per client, see `scrapers/robots.py` for
  how a missing or unreachable robots.txt is treated); a disallowed URL is not fetched, it
  raises `RobotsDisallowed` and is logged;
- spaces requests to one host (`rate_limit_per_host`, slowed to the host's Crawl-delay) and limits
  how many run at once per host (`concurrency_per_host`, shared by all threads using the client);
- contacts only the source's hosts (`hosts`, a scrapers.hosts.HostPolicy) for every request,
  redirect hop and robots.txt, and connects only to addresses the policy allows, pinned after the
  check (scrapers/connect.py); anything else is a HostNotAllowed naming the URL and the hosts;
- puts a connect and a read timeout on every request, a `request_deadline` on each attempt (so a
  slow-drip body cannot hang a run) and a `source_deadline` on everything the client does: past
  it, every request, retry and backoff fails at once with DeadlineExceeded;
- caps the response size (Content-Length, then while streaming, decompressed bytes included);
- checks the content type against `accept`;
- follows redirects itself, within the allowed hosts;
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

import errno
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from scrapers import robots
from scrapers.connect import AddressRefused, Cutoff, GuardedAdapter, Resolver
from scrapers.errors import DeadlineExceeded, FetchError, HostNotAllowed, RobotsDisallowed
from scrapers.hosts import HostPolicy, host_key
from scrapers.hosts import resolve as resolve_host
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


_ERRNO_WORDS = {errno.ECONNREFUSED: "connection refused", errno.ECONNRESET: "connection reset",
                errno.EHOSTUNREACH: "host unreachable", errno.ENETUNREACH: "network unreachable",
                errno.ETIMEDOUT: "connection timed out", errno.EPIPE: "connection closed"}


def network_reason(exc: BaseException) -> str:
    """What went wrong on the network, in a few words ("connection refused", "host name not found"),
    from the innermost cause of a requests/urllib3 error rather than its nested reprs."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) or type(current).__name__ == "NameResolutionError":
            return "host name not found"
        if isinstance(current, OSError) and current.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[current.errno]
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
        stack += [c for c in (current.__cause__, current.__context__, *current.args) if isinstance(c, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    text = str(exc).split(" (Caused by", 1)[0]
    return f"{type(exc).__name__}: {text}"[:200]


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

    `user_agent` and `source` (the source's name, for messages) may be positional; the rest are
    keyword-only, named as in the settings where a setting sets them:

    - `hosts`: the hosts this client may contact (scrapers.hosts.HostPolicy, usually
      `HostPolicy.for_source(adapter.SOURCE, base_url)`); required.
    - `rate_limit_per_host`: requests per second to one host (default 1; 0: no limit, for a
      loopback mirror only). Slowed to robots.txt's Crawl-delay, at most `max_crawl_delay`.
    - `concurrency_per_host` (default 2): requests in flight to one host, across all threads.
    - `request_deadline`: seconds one attempt may take, connection to last byte, however slowly
      the body drips (each read waits at most until the deadline).
    - `source_deadline`: seconds from the client's creation after which every request, retry and
      backoff fails at once with DeadlineExceeded (None: no limit).
    - `max_retries`: retries after the first attempt (so at most max_retries + 1 requests per URL
      and redirect hop); backoff before retry n is uniform(0, min(backoff_max, backoff_base * 2**(n-1))).
    - `max_retry_wait`: the longest Retry-After honoured; a longer one ends the fetch for this run.
    - `obey_robots`: False skips robots.txt (tests and operator-approved sources only).
    - `resolve`: host name -> addresses (scrapers.hosts.resolve; injected by tests).
    - `sleep`: how to wait (injected by tests).
    """

    def __init__(
        self,
        user_agent: str,
        source: str = "",
        *,
        hosts: HostPolicy,
        validators: Validators = _no_validators,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_bytes: int = 20_000_000,
        rate_limit_per_host: float = 1.0,
        concurrency_per_host: int = 2,
        request_deadline: float = 120.0,
        source_deadline: float | None = None,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_wait: float = 120.0,
        max_crawl_delay: float = 30.0,
        obey_robots: bool = True,
        robots_cache: Callable[[str], str | None] | None = None,
        resolve: Resolver = resolve_host,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not user_agent.strip():
            raise ValueError(f"HttpClient needs an identifying User-Agent, got {user_agent!r}")
        if rate_limit_per_host < 0:
            raise ValueError(f"rate_limit_per_host must be 0 (no limit) or positive, got {rate_limit_per_host!r}")
        if isinstance(concurrency_per_host, bool) or not isinstance(concurrency_per_host, int) \
                or concurrency_per_host < 1:
            raise ValueError(f"concurrency_per_host must be an integer of at least 1, got {concurrency_per_host!r}")
        for name, value in (("request_deadline", request_deadline), ("source_deadline", source_deadline)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        self.user_agent = user_agent
        self.source = source
        self.hosts = hosts
        self.validators = validators
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.rate_limit_per_host = rate_limit_per_host
        self.concurrency_per_host = concurrency_per_host
        self.request_deadline = request_deadline
        self.source_deadline = source_deadline
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_wait = max_retry_wait
        self.max_crawl_delay = max_crawl_delay
        self.obey_robots = obey_robots
        self.robots_cache = robots_cache
        self.resolve = resolve
        self.sleep = sleep
        self.log: list[FetchRecord] = []
        self.stats = HttpStats()
        self._ends_at = None if source_deadline is None else time.monotonic() + source_deadline
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, robots.RobotsPolicy] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._random = random.Random()
        self._session = self._new_session()

    def allows(self, url: str) -> bool:
        """Whether `url` is on this client's hosts (a link elsewhere may be kept, never fetched)."""
        return self.hosts.allows(url)

    def _new_session(self) -> requests.Session:
        """A session with our User-Agent and a connection pool as big as the concurrency."""
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment: the address checks must see the real host
        session.headers["User-Agent"] = self.user_agent
        session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        adapter = GuardedAdapter(self.hosts, self.resolve, pool_maxsize=max(10, self.concurrency_per_host),
                                 max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> HttpClient:
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

    # -- hosts and redirects -----------------------------------------------------------------

    def _follow(self, url: str, headers: dict[str, str], accept: str, *, check_robots: bool = True) -> _Response:
        """Fetch `url`, following up to MAX_REDIRECTS redirects within the allowed hosts."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url, current)
            if check_robots:
                self._check_robots(url, current)
            response = self._with_retries(url, current, headers, accept)
            if response.status not in REDIRECT_STATUSES:
                return response
            current = self._redirect_target(url, response)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects (last to {current!r})", source=self.source,
                         url=url, status=response.status)

    def _check_host(self, url: str, current: str) -> None:
        """Raise HostNotAllowed (nothing sent) when `current` is not on this source's hosts."""
        if not self.hosts.allows(current):
            where = "" if current == url else f" (reached through {url!r})"
            raise HostNotAllowed(f"not fetched: {current!r} is not on this source's hosts "
                                 f"({self.hosts.describe()}){where}", source=self.source, url=url)

    def _redirect_target(self, url: str, response: _Response) -> str:
        """Where a redirect points, refused unless it stays on an allowed host."""
        location = response.headers.get("location")
        if not location:
            raise FetchError(f"HTTP {response.status} redirect without a Location header", source=self.source,
                             url=url, status=response.status)
        target = urljoin(response.url, location)
        if not self.hosts.allows(target):
            raise HostNotAllowed(f"HTTP {response.status} redirect to {target!r}, outside this source's hosts "
                                 f"({self.hosts.describe()}); not followed", source=self.source, url=url,
                                 status=response.status)
        return target

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
                    self._gate(url).slow_down(min(policy.crawl_delay, self.max_crawl_delay))
                self._robots[host] = policy
            return self._robots[host]

    def _fetch_robots(self, robots_url: str) -> robots.RobotsPolicy:
        """Fetch and parse robots.txt; 4xx allows all, anything unreachable disallows all.

        A copy younger than 24 hours from `robots_cache` (RFC 9309 §2.4) is used instead of a request.
        A host or address that may not be contacted, or the source deadline passing, is not
        "unreachable": it ends the fetch with its own error.
        """
        source = f"robots.txt of {robots_url.rsplit('/', 1)[0]}"
        cached = self.robots_cache(robots_url) if self.robots_cache else None
        if cached is not None:
            return robots.parse(cached, self.user_agent, source=f"{source} (cached)")
        try:
            response = self._follow(robots_url, {"Accept": "text/plain"}, "*/*", check_robots=False)
        except (HostNotAllowed, DeadlineExceeded):
            raise
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

    # -- deadlines and retries ---------------------------------------------------------------

    def _time_left(self, url: str) -> float | None:
        """Seconds before the source deadline (None: no deadline); DeadlineExceeded once it passed."""
        if self._ends_at is None:
            return None
        left = self._ends_at - time.monotonic()
        if left <= 0:
            raise self._deadline_error(url)
        return left

    def _deadline_error(self, url: str, detail: str = "") -> DeadlineExceeded:
        return DeadlineExceeded(f"source deadline of {self.source_deadline:g} s exceeded{detail}",
                                source=self.source, url=url)

    def _wait(self, url: str, seconds: float) -> None:
        """Sleep `seconds`, unless that would run past the source deadline: then fail at once."""
        left = self._time_left(url)
        if left is not None and seconds >= left:
            raise self._deadline_error(url, f" (a wait of {seconds:.1f} s would pass it)")
        self.sleep(seconds)

    def _with_retries(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """One URL with up to max_retries retries of transient failures."""
        attempt = 0
        while True:
            try:
                return self._attempt(url, current, headers, accept)
            except _Transient as exc:
                failure = exc
            if attempt >= self.max_retries:
                tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
                raise FetchError(f"{failure.reason} (gave up after {tries})", source=self.source,
                                 url=url, status=failure.status)
            attempt += 1
            self._wait_before_retry(url, current, failure, attempt)

    def _wait_before_retry(self, url: str, current: str, failure: _Transient, attempt: int) -> None:
        """Honour Retry-After (holding the whole host) or back off with full jitter."""
        if failure.retry_after is None:
            wait = self._random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
            log.info("[%s] %s: %s; retry %d/%d after a %.2fs backoff", self.source, current, failure.reason,
                     attempt, self.max_retries, wait)
            self._wait(url, wait)
            return
        if failure.retry_after > self.max_retry_wait:
            raise FetchError(
                f"{failure.reason}: Retry-After asks for {failure.retry_after:.0f}s, more than max_retry_wait "
                f"{self.max_retry_wait:.0f}s; not retrying this run", source=self.source, url=url,
                status=failure.status)
        log.info("[%s] %s: %s; retry %d/%d after Retry-After %.2fs", self.source, current, failure.reason,
                 attempt, self.max_retries, failure.retry_after)
        # The next attempt's rate-limit slot does the waiting, for every thread using this host.
        self._gate(current).hold_until(time.monotonic() + failure.retry_after)

    # -- one attempt -------------------------------------------------------------------------

    def _gate(self, url: str) -> _HostGate:
        key = host_key(url)
        with self._lock:
            if key not in self._gates:
                interval = 1.0 / self.rate_limit_per_host if self.rate_limit_per_host else 0.0
                self._gates[key] = _HostGate(concurrency=self.concurrency_per_host, interval=interval)
            return self._gates[key]

    def _attempt(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """One request, inside the host's concurrency limit and after its rate-limit slot."""
        gate = self._gate(current)
        if not gate.semaphore.acquire(timeout=self._time_left(url)):
            raise self._deadline_error(url, " (waiting for a free connection to the host)")
        try:
            wait = gate.reserve(time.monotonic())
            if wait > 0:
                self._wait(url, wait)
            with self._lock:
                self.stats.requests += 1
            return self._send(url, current, headers, accept)
        finally:
            gate.semaphore.release()

    def _send(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """Send the request and read the body before the deadline; classify what came back."""
        left = self._time_left(url)
        by_source = left is not None and left < self.request_deadline  # which deadline ends this attempt
        budget = left if left is not None and by_source else self.request_deadline
        with Cutoff(budget) as cutoff:
            try:
                resp = self._session.get(current, headers=headers, stream=True, allow_redirects=False,
                                         timeout=(min(self.connect_timeout, budget), min(self.read_timeout, budget)))
            except AddressRefused as exc:
                raise HostNotAllowed(f"not fetched: {exc.reason}", source=self.source, url=url) from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, HTTPException, OSError) as exc:
                if cutoff.expired:
                    raise self._overrun(url, by_source, "before the response headers arrived") from exc
                if isinstance(exc, requests.Timeout):
                    raise _Transient(f"timed out ({network_reason(exc)})") from exc
                raise _Transient(f"connection failed: {network_reason(exc)}") from exc
            with resp:
                response = _Response(url=current, status=resp.status_code, reason=resp.reason or "",
                                     headers={k.lower(): v for k, v in resp.headers.items()})
                self._check_status(url, response)
                if 200 <= response.status < 300:
                    self._check_content_type(url, response, accept)
                    self._check_declared_size(url, response)
                    response.body = self._read_body(url, resp, cutoff, by_source=by_source)
                return response

    def _overrun(self, url: str, by_source: bool, when: str) -> Exception:
        """The error for an attempt cut at its deadline: the source's ends the fetch, the request's is retried."""
        if by_source:
            return self._deadline_error(url, f" ({when})")
        return _Transient(f"the {self.request_deadline:g} s request deadline passed {when}")

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

    def _read_body(self, url: str, resp: requests.Response, cutoff: Cutoff, *, by_source: bool) -> bytes:
        """Stream the body (decoded), enforcing max_bytes and the deadline; count wire bytes.

        A body that ends after the cutoff fired is not complete, whatever it looked like.
        """
        chunks: list[bytes] = []
        size = 0
        raw = resp.raw
        counted = 0
        try:
            while True:
                chunk = raw.read1(CHUNK, decode_content=True)
                counted = self._count_bytes(raw.tell(), counted)
                if cutoff.expired:
                    break
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(f"response too large: more than max_bytes {self.max_bytes!r} bytes streamed",
                                     source=self.source, url=url, status=resp.status_code)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, requests.RequestException, HTTPException, OSError) as exc:
            self._count_bytes(raw.tell(), counted)
            if not cutoff.expired:
                if isinstance(exc, (requests.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError)):
                    raise _Transient(f"timed out reading the body ({network_reason(exc)})") from exc
                raise _Transient(f"body cut short after {size} bytes ({network_reason(exc)})",
                                 status=resp.status_code) from exc
        raise self._overrun(url, by_source, f"while the body was arriving, {size} bytes read")

    def _count_bytes(self, total: int, counted: int) -> int:
        """Add the wire bytes read since the last count to stats.bytes; the new total."""
        if total > counted:
            with self._lock:
                self.stats.bytes += total - counted
        return max(total, counted)


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
