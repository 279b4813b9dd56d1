"""The one HTTP client of msbrief (built on requests).

Adapters call `HttpClient.get(url)`; the client sends back the stored validators (conditional
GET), applies timeouts and a size cap, and keeps a log of what happened (`client.log`) that the
flows write to the store. It never touches the database: validators come in through the
`validators` callable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import requests

from scrapers.errors import FetchError
from scrapers.records import FetchRecord, Page

Validators = Callable[[str], tuple[str | None, str | None]]


def _no_validators(url: str) -> tuple[str | None, str | None]:
    return (None, None)


@dataclass
class HttpStats:
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0


@dataclass
class HttpClient:
    """One client per source per run: its `log` and `stats` belong to that source."""

    user_agent: str
    source: str = ""
    validators: Validators = _no_validators
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 20_000_000
    allowed_hosts: Iterable[str] = ()
    log: list[FetchRecord] = field(default_factory=list)
    stats: HttpStats = field(default_factory=HttpStats)

    def __post_init__(self) -> None:
        self._session = requests.Session()
        self._session.headers["User-Agent"] = self.user_agent

    def get(self, url: str, *, accept: str = "*/*", conditional: bool = True) -> Page:
        """GET `url`; a 304 comes back as a Page with not_modified=True and no body.

        Raises FetchError (naming the source and URL) when the request fails for good.
        """
        headers = {"Accept": accept}
        if conditional:
            etag, last_modified = self.validators(url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        self.stats.requests += 1
        try:
            resp = self._session.get(
                url, headers=headers, timeout=(self.connect_timeout, self.read_timeout), stream=True
            )
            body = resp.raw.read(self.max_bytes + 1, decode_content=True) if resp.status_code != 304 else b""
        except requests.RequestException as exc:
            self._fail(url, None, f"{exc.__class__.__name__}: {exc}")
        if len(body) > self.max_bytes:
            self._fail(url, resp.status_code, f"response larger than {self.max_bytes} bytes")
        if resp.status_code == 304:
            self.stats.not_modified += 1
            self.log.append(FetchRecord(url, 304, not_modified=True))
            return Page(url=url, status=304, body=b"", headers=dict(resp.headers.lower_items()),
                        final_url=resp.url, not_modified=True)
        if resp.status_code >= 400:
            self._fail(url, resp.status_code, f"HTTP {resp.status_code}")
        self.stats.bytes += len(body)
        page = Page(
            url=url,
            status=resp.status_code,
            body=body,
            headers={k.lower(): v for k, v in resp.headers.items()},
            final_url=resp.url,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
        )
        self.log.append(FetchRecord(url, resp.status_code, page.etag, page.last_modified, bytes=len(body)))
        return page

    def _fail(self, url: str, status: int | None, reason: str) -> None:
        self.log.append(FetchRecord(url, status, error=reason))
        raise FetchError(reason, source=self.source, url=url, status=status)
