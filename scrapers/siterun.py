"""One adapter run over one site: fetch through the base URL, check and de-duplicate items.

The three site adapters (sentencing_council, iasc, atleu) share this: they decide *what* to read;
a SiteRun fetches it (mirror or live), turns found items into Publications with real-site URLs,
kinds and topics, refuses items without a title, URL or (where dates are expected) a date, and
keeps one Publication per story within the run (same canonical URL, or same title and date).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers import dates
from scrapers.adapter import Fetcher
from scrapers.errors import FetchError, ParseError
from scrapers.normalise import canonical_url, rebase, tag_topics, title_key, unbase
from scrapers.records import Page, Publication, SourceInfo, SourceResult

log = logging.getLogger(__name__)

ABSENT_STATUSES = (404, 410)


@dataclass(frozen=True)
class KindRule:
    """Kind `kind` when `where` ("label", "url" or "title") contains `contains` (case-insensitive)."""

    where: str
    contains: str
    kind: str


def kind_for(*, labels: Iterable[str], url: str, title: str, rules: Iterable[KindRule], default: str) -> str:
    """The first rule that matches the item's type labels, URL or title; else `default`."""
    haystacks = {"label": [label.lower() for label in labels], "url": [url.lower()], "title": [title.lower()]}
    for rule in rules:
        if any(rule.contains.lower() in text for text in haystacks.get(rule.where, ())):
            return rule.kind
    return default


class SiteRun:
    """The state of one `collect()` call: what was fetched, tried and found."""

    def __init__(
        self,
        client: Fetcher,
        *,
        info: SourceInfo,
        base_url: str,
        is_known: Callable[[str], bool],
        topics: dict[str, tuple[str, ...]],
        backfill: bool,
        kind_rules: tuple[KindRule, ...],
        undated_ok: bool = False,
        keep: Callable[[str], bool] | None = None,
    ) -> None:
        self.client = client
        self.info = info
        self.base_url = base_url.rstrip("/")
        self.backfill = backfill
        self.kind_rules = kind_rules
        self.undated_ok = undated_ok
        self.keep = keep  # a source that publishes on every subject: only items whose text it accepts are kept
        self.tried: set[str] = set()
        self.warnings: list[str] = []
        self._is_known = is_known
        self._topics = topics
        self._pubs: dict[str, Publication] = {}  # canonical URL of the first variant -> publication
        self._alias: dict[str, str] = {}  # canonical URL or title key -> key in _pubs
        self._dropped: set[str] = set()  # canonical URLs of items on other subjects, left out
        self._pages: dict[str, Page] = {}  # real URL -> the page a conditional request gave in this run

    @property
    def source(self) -> str:
        return self.info.name

    def site_url(self, path: str) -> str:
        """The real-site URL of `path` ("/feed/")."""
        return self.info.canonical_base.rstrip("/") + "/" + path.lstrip("/")

    def real(self, url: str) -> str:
        """The real-site URL of a URL fetched from the base URL."""
        return unbase(url, self.info.canonical_base, self.base_url)

    def fetched_url(self, real_url: str) -> str:
        """Where `real_url` is fetched from (the base URL's host: the mirror's, when pointed at it), for log lines."""
        return rebase(real_url, self.info.canonical_base, self.base_url)

    def fetchable(self, real_url: str) -> bool:
        """Whether `real_url` is on the source's hosts; a link elsewhere may be kept, never fetched."""
        return self.client.allows(rebase(real_url, self.info.canonical_base, self.base_url))

    def fetch(self, real_url: str, *, accept: str = "*/*", absent_ok: bool = True, conditional: bool = True) -> Page | None:
        """GET `real_url` through the base URL; None when the site says it is not there (404/410).

        A URL off the source's hosts is refused by the client (HostNotAllowed): check `fetchable` first.
        """
        self.tried.add(canonical_url(real_url))
        if conditional and real_url in self._pages:
            return self._pages[real_url]  # read earlier in this run: the same answer, not a second request
        try:
            page = self.client.get(rebase(real_url, self.info.canonical_base, self.base_url),
                                   accept=accept, conditional=conditional)
            if conditional:
                self._pages[real_url] = page
            return page
        except FetchError as exc:
            if absent_ok and exc.status in ABSENT_STATUSES:
                log.info("%s: %s is absent (HTTP %s)", self.source, self.fetched_url(real_url), exc.status)
                return None
            raise

    def was_tried(self, real_url: str) -> bool:
        return canonical_url(real_url) in self.tried

    def known(self, real_url: str) -> bool:
        """True when the store already has the item at `real_url` (or this run found it, or left it out)."""
        key = canonical_url(real_url)
        return key in self._alias or key in self._dropped or bool(self._is_known(key))

    def wants(self, title: str, summary: str = "") -> bool:
        """Whether an item saying this is kept: always, unless the source keeps only some subjects."""
        return self.keep is None or self.keep(f"{title}\n{summary}")

    def in_run(self, real_url: str) -> bool:
        """True when this run already found the item at `real_url`."""
        return canonical_url(real_url) in self._alias

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.source, message)
        self.warnings.append(message)

    def add(
        self,
        *,
        url: str,
        title: str,
        published: datetime | None,
        summary: str = "",
        labels: Iterable[str] = (),
        updated: datetime | None = None,
        external_id: str | None = None,
        found_at: str = "",
        refused_date: str = "",
    ) -> Publication | None:
        """Record one item; a second variant of a story already found becomes an alternate URL.

        An item whose only date is outside the years msbrief accepts (`refused_date`, as written)
        is skipped with a warning (None): that item fails, not the source.
        """
        where = found_at or self.base_url
        title = " ".join(title.split())
        if not url:
            raise ParseError(f"item {title!r} has no URL", source=self.source, url=where, expected="a link to the item")
        if not title:
            raise ParseError(f"item {url!r} has no title", source=self.source, url=where, expected="a title")
        if not self.wants(title, summary):
            self._dropped.add(canonical_url(url))
            return None
        if published is None and refused_date:
            self.warn(f"[{self.source}] {url}: item {title!r} is dated {refused_date!r}, outside the years "
                      f"{dates.MIN_YEAR}-{dates.MAX_YEAR} msbrief accepts; item skipped")
            return None
        if published is None and not self.undated_ok:
            raise ParseError(f"item {title!r} ({url}) has no publication date", source=self.source, url=where,
                             expected="a date in the feed, <time>, meta tags, JSON-LD, the permalink or the visible text")
        labels = tuple(labels)
        if published is None:  # the site gives none, but the title names its month: "IASC Bulletin (May 2024)"
            published = dates.from_title_month(title)
        pub = Publication(
            source=self.source,
            url=url,
            title=title,
            kind=kind_for(labels=labels, url=url, title=title, rules=self.kind_rules, default=self.info.kind_hint),
            published=published,
            updated=updated,
            summary=summary,
            topics=tag_topics(f"{title} {summary}", self._topics),
            date_estimated=published is None,
            external_id=external_id,
        )
        keys = [canonical_url(url)]
        tkey = title_key(self.source, title, published)
        if tkey:
            keys.append(tkey)
        existing = next((self._alias[k] for k in keys if k in self._alias), None)
        if existing is None:
            self._pubs[keys[0]] = pub
            existing = keys[0]
        else:
            first = self._pubs[existing]
            if canonical_url(url) != canonical_url(first.url) and url not in first.alternate_urls:
                self._pubs[existing] = replace(first, alternate_urls=first.alternate_urls + (url,))
        for k in keys:
            self._alias.setdefault(k, existing)
        return self._pubs[existing]

    @property
    def publications(self) -> list[Publication]:
        return list(self._pubs.values())

    def result(self, strategy: str) -> SourceResult:
        """The SourceResult of this run, logging the strategy that worked."""
        pubs = self.publications
        newest = max((p.published for p in pubs if p.published), default=None)
        log.info("%s: strategy %s, %d items, newest %s", self.source, strategy, len(pubs),
                 newest.date().isoformat() if newest else "-")
        return SourceResult(source=self.source, strategy=strategy, publications=pubs, warnings=list(self.warnings))


def with_query(url: str, **params: object) -> str:
    """`url` with query parameters added (or replaced), keeping the others in order."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
