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

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from scrapers import robots
from scrapers.connect import AddressRefused, Cutoff, GuardedAdapter, Resolver, network_reason
from scrapers.errors import DeadlineExceeded, FetchError, HostNotAllowed, RobotsDisallowed, RobotsUnreachable
from scrapers.hosts import HostPolicy, host_key
from scrapers.hosts import resolve as resolve_host
from scrapers.httpconfig import Deadlines, HostGate, Politeness
from scrapers.limits import Budget, Deadline, Limits
from scrapers.records import FetchRecord, Page
from scrapers.retry import RetryPolicy, WaitTooLong, parse_retry_after

__all__ = ["Deadlines", "FetchRecord", "HttpClient", "HttpStats", "Limits", "Page", "Politeness", "RetryPolicy",
           "content_type_accepted", "network_reason", "parse_retry_after"]

log = logging.getLogger(__name__)

Validators = Callable[[str], tuple[str | None, str | None]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]


DEFAULT_DEADLINES, DEFAULT_POLITENESS, DEFAULT_RETRY, DEFAULT_LIMITS = Deadlines(), Politeness(), RetryPolicy(), Limits()


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


class HttpClient:
    """One client per source per run: its `log` and `stats` belong to that source.

    `user_agent` and `source` (the source's name, for messages) may be positional; the rest are
    keyword-only: `hosts` (scrapers.hosts.HostPolicy, required), the value objects `deadlines`,
    `politeness`, `retry` and `limits` (scrapers/httpconfig.py, retry.py, limits.py: what each
    field does is said there), the stored `validators` and `robots_cache`, and `resolve` and
    `sleep` (injected by tests). `client.budget` carries the limits and the source deadline to
    the parsers.
    """

    def __init__(
        self,
        user_agent: str,
        source: str = "",
        *,
        hosts: HostPolicy,
        deadlines: Deadlines = DEFAULT_DEADLINES,
        politeness: Politeness = DEFAULT_POLITENESS,
        retry: RetryPolicy = DEFAULT_RETRY,
        limits: Limits = DEFAULT_LIMITS,
        validators: Validators = _no_validators,
        robots_cache: Callable[[str], str | None] | None = None,
        resolve: Resolver = resolve_host,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not user_agent.strip():
            raise ValueError(f"HttpClient needs an identifying User-Agent, got {user_agent!r}")
        self.user_agent = user_agent
        self.source = source
        self.hosts = hosts
        self.deadlines = deadlines
        self.politeness = politeness
        self.retry = retry
        self.limits = limits
        self.validators = validators
        self.robots_cache = robots_cache
        self.resolve = resolve
        self.sleep = sleep
        self.log: list[FetchRecord] = []
        self.stats = HttpStats()
        self.deadline = Deadline(deadlines.source_deadline)
        self.budget = Budget(limits=limits, deadline=self.deadline)
        self._lock = threading.Lock()
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, robots.RobotsPolicy] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
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
        adapter = GuardedAdapter(self.hosts, self.resolve, pool_maxsize=max(10, self.politeness.concurrency_per_host),
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
        if not self.politeness.obey_robots:
            return
        policy = self._robots_policy(current)
        verdict = policy.check(current)
        if not verdict.allowed:
            where = "" if current == url else f" (redirected to {current!r})"
            if policy.unreachable is not None:
                status, cause = policy.unreachable
                raise RobotsUnreachable(f"not fetched: {verdict.reason}{where}", source=self.source, url=url,
                                        host=urlsplit(current).netloc, cause=cause, robots_status=status)
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
                    self._gate(url).slow_down(min(policy.crawl_delay, self.politeness.max_crawl_delay))
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
            return robots.RobotsPolicy.disallow_all(f"robots.txt {robots_url!r} unreachable ({exc.reason})",
                                                    status=exc.status, cause=exc.reason)
        text = response.body.decode("utf-8", errors="replace")
        self._record(FetchRecord(robots_url, response.status, bytes=len(response.body), cache_body=text))
        return robots.parse(text, self.user_agent, source=source)

    # -- deadlines and retries ---------------------------------------------------------------

    def _time_left(self, url: str) -> float | None:
        """Seconds before the source deadline (None: no deadline); DeadlineExceeded once it passed."""
        left = self.deadline.left()
        if left is not None and left <= 0:
            raise self._deadline_error(url)
        return left

    def _deadline_error(self, url: str, detail: str = "") -> DeadlineExceeded:
        return self.deadline.error(source=self.source, url=url, detail=detail)

    def _wait(self, url: str, seconds: float) -> None:
        """Sleep `seconds`, unless that would run past the source deadline: then fail at once."""
        left = self._time_left(url)
        if left is not None and seconds >= left:
            raise self._deadline_error(url, f" (a wait of {seconds:.1f} s would pass it)")
        if seconds > 0:
            self.sleep(seconds)

    def _with_retries(self, url: str, current: str, headers: dict[str, str], accept: str) -> _Response:
        """One URL with up to max_retries retries of transient failures (scrapers.retry's policy).

        A Retry-After holds the whole host (the next attempt's rate-limit slot does the waiting,
        for every thread using it); a longer one than max_retry_wait ends the fetch for this run.
        """
        def hold_host(failure: BaseException, seconds: float) -> float:
            self._gate(current).hold_until(time.monotonic() + seconds)
            return 0.0

        attempts = self.retry.retrying(retry_on=_Transient, sleep=lambda seconds: self._wait(url, seconds),
                                       asked=lambda exc: getattr(exc, "retry_after", None), honour=hold_host,
                                       what=f"[{self.source}] {current}")
        try:
            for attempt in attempts:
                with attempt:
                    return self._attempt(url, current, headers, accept)
        except WaitTooLong as too_long:
            failure = too_long.failure
            assert isinstance(failure, _Transient)
            raise FetchError(
                f"{failure.reason}: Retry-After asks for {too_long.asked:.0f}s, more than max_retry_wait "
                f"{too_long.limit:.0f}s; not retrying this run", source=self.source, url=url,
                status=failure.status) from None
        except _Transient as failure:
            tries = self.retry.max_retries + 1
            raise FetchError(f"{failure.reason} (gave up after {tries} attempt{'s' if tries > 1 else ''})",
                             source=self.source, url=url, status=failure.status) from None
        raise AssertionError("tenacity ends with a result or an exception")  # pragma: no cover

    # -- one attempt -------------------------------------------------------------------------

    def _gate(self, url: str) -> HostGate:
        key = host_key(url)
        with self._lock:
            if key not in self._gates:
                self._gates[key] = HostGate(concurrency=self.politeness.concurrency_per_host,
                                            interval=self.politeness.interval)
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
        deadlines = self.deadlines
        by_source = left is not None and left < deadlines.request_deadline  # which deadline ends this attempt
        budget = left if left is not None and by_source else deadlines.request_deadline
        with Cutoff(budget) as cutoff:
            try:
                resp = self._session.get(current, headers=headers, stream=True, allow_redirects=False,
                                         timeout=(min(deadlines.connect_timeout, budget),
                                                  min(deadlines.read_timeout, budget)))
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
        return _Transient(f"the {self.deadlines.request_deadline:g} s request deadline passed {when}")

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
        limit = self.limits.max_response_bytes
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response too large: Content-Length {int(declared)!r} exceeds max_bytes "
                             f"{limit!r} (MSBRIEF_MAX_RESPONSE_BYTES)", source=self.source, url=url,
                             status=response.status)

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
                if size > self.limits.max_response_bytes:
                    raise FetchError(f"response too large: more than max_bytes {self.limits.max_response_bytes!r} "
                                     "bytes streamed (MSBRIEF_MAX_RESPONSE_BYTES)",
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


def content_type_accepted(content_type: str, accept: str) -> bool:
    """Whether media type `content_type` matches one of the ranges in an Accept header."""
    ranges = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not ranges or "*/*" in ranges:
        return True
    major = content_type.split("/")[0]
    return any(r == content_type or (r.endswith("/*") and r[:-2] == major) for r in ranges)
