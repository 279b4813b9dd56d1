"""Run a source adapter against the mirror (mirror/server.py) over real HTTP, for the adapter tests."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from http_options import grouped

from mirror import MirrorServer
from scrapers.hosts import HostPolicy
from scrapers.http import HttpClient
from scrapers.normalise import canonical_url, load_topics
from scrapers.records import SourceResult

TOPICS = load_topics()


def client(adapter: ModuleType, base_url: str, validators: dict[str, tuple[str | None, str | None]] | None = None,
           **options: object) -> HttpClient:
    """A client for `adapter` fetching from `base_url`: no pacing (loopback), `validators` sent back by URL."""
    known = validators or {}
    return HttpClient("msbrief-tests/1 (+mailto:tests@example.org)", adapter.SOURCE.name,
                      **grouped(hosts=HostPolicy.for_source(adapter.SOURCE, base_url),
                                validators=lambda url: known.get(url, (None, None)), rate_limit_per_host=0,
                                max_retries=0, **options))


def run(adapter: ModuleType, mirror: MirrorServer, folder: str, *, known: Iterable[str] = (),
        backfill: bool = False, http: HttpClient | None = None) -> SourceResult:
    """`adapter.collect` over the mirror folder `folder`; `known` are real-site URLs the store has."""
    known_urls = {canonical_url(u) for u in known}
    base_url = mirror.url_for(folder)
    return adapter.collect(
        http or client(adapter, base_url),
        base_url=base_url,
        is_known=lambda url: canonical_url(url) in known_urls,
        topics=TOPICS,
        backfill=backfill,
    )


def served(mirror: MirrorServer, folder: str) -> list[tuple[str, int | None]]:
    """(path within the folder, status) of every request the mirror answered for `folder`."""
    prefix = f"/{folder}"
    return [(e.path[len(prefix):], e.status) for e in mirror.log if e.path.startswith(prefix + "/")]


def validators_from(http: HttpClient) -> dict[str, tuple[str | None, str | None]]:
    """The validators a first run received, as the store would hand them to a second run."""
    return {r.url: (r.etag, r.last_modified) for r in http.log if r.etag or r.last_modified}
