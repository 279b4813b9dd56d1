"""The floor: the corpus fetched bare, parsed by the same adapters, inserted with plain executemany.

What no ingest can do with less: each source's pages fetched over the same mirror with a bare
client (plain `requests.Session` GETs: no robots.txt, no pacing, no validators, no retries, no
deadlines, no address checks), parsed and normalised by the same adapter code
(`collect(..., backfill=True)` and `scrapers.normalise.normalise_result`, which fills the identity
keys the schema requires), and inserted into the same tables with one plain executemany per table
per source (ids assigned here, so no RETURNING), in one transaction per source. No feature of the
store: no lookups of what is stored, no dedupe, no amendments, no cross-release check, no fetch
state, no run records. `python -m bench` runs it as the "floor" scenario on an empty database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from sqlalchemy import Engine, Table, func, select

from pipeline.settings import Settings
from pipeline.sources import source as source_spec
from scrapers.errors import FetchError
from scrapers.hosts import HostPolicy
from scrapers.http import HttpStats
from scrapers.limits import DEFAULT_LIMITS, UNBOUNDED_TIME
from scrapers.normalise import load_topics, normalise_result
from scrapers.records import Page, SourceResult
from store import models as m
from store.publications import attachment_row, new_row
from store.releases import figure_row, release_row, statements
from store.repo import announcement_row


class BareClient:
    """The adapters' client interface over plain requests.Session GETs, nothing else.

    `allows` answers from the source's host policy (a pure check, no request) so that the adapters
    follow the same links as they do with scrapers.http.HttpClient; 4xx and 5xx are FetchErrors
    (what the adapters expect of a missing page).
    """

    def __init__(self, source: str, hosts: HostPolicy) -> None:
        self.source = source
        self.hosts = hosts
        self.log: list[Any] = []
        self.stats = HttpStats()
        self.limits = DEFAULT_LIMITS  # the parsers' default bounds, and no deadline
        self.budget = UNBOUNDED_TIME
        self._session = requests.Session()
        self._session.trust_env = False

    def allows(self, url: str) -> bool:
        return self.hosts.allows(url)

    def get(self, url: str, *, accept: str = "*/*", conditional: bool = True) -> Page:
        response = self._session.get(url, headers={"Accept": accept}, timeout=60)
        self.stats.requests += 1
        self.stats.bytes += len(response.content)
        if response.status_code >= 400:
            raise FetchError(f"HTTP {response.status_code}", source=self.source, url=url, status=response.status_code)
        return Page(url=url, status=response.status_code, body=response.content,
                    headers={k.lower(): v for k, v in response.headers.items()}, final_url=response.url)

    def close(self) -> None:
        self._session.close()


def fetch(settings: Settings, name: str) -> SourceResult:
    """Every item of source `name`, read bare and normalised (raises on any trouble: the floor has no faults)."""
    spec = source_spec(name)
    adapter = spec.adapter()
    client = BareClient(name, HostPolicy.for_source(adapter.SOURCE, spec.base_url(settings)))
    try:
        result = adapter.collect(client, base_url=spec.base_url(settings), is_known=lambda url: False,
                                 topics=load_topics(settings.topics_file), backfill=True,
                                 **spec.adapter_options(settings))
    finally:
        client.close()
    return normalise_result(result)


class Ids:
    """Row ids handed out here, after the largest already stored (the floor writes no RETURNING)."""

    def __init__(self, engine: Engine) -> None:
        tables = (m.Source, m.Publication, m.StatisticsRelease)
        with engine.connect() as conn:
            self.next = {t.__tablename__: (conn.execute(select(func.max(t.id))).scalar() or 0) + 1 for t in tables}

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table] - 1


def store(engine: Engine, ids: Ids, name: str, result: SourceResult, *, seen_at: datetime) -> int:
    """Insert one source's items with one executemany per table, in one transaction; items inserted."""
    info = source_spec(name).adapter().SOURCE
    source_id = ids.take("sources")
    pubs, urls, attachments, by_url = [], [], [], {}
    for pub in result.publications:
        row_id = ids.take("publications")
        pubs.append({"id": row_id, **new_row(pub, source_id=source_id, seen_at=seen_at)})
        urls += [{"url": u, "publication_id": row_id} for u in pub.url_variants]
        attachments += [attachment_row(row_id, a) for a in pub.attachments]
        by_url[pub.url] = row_id
    releases, figures = [], []
    for rel in result.releases:
        release_id = ids.take("statistics_releases")
        releases.append({"id": release_id, **release_row(rel, by_url, seen_at)})
        done = set()
        for fig, withheld in statements(rel):
            if (fig.period, fig.metric) not in done:  # one statement per figure and release, as the store keeps
                done.add((fig.period, fig.metric))
                figures.append(figure_row(fig, release_id=release_id, source_url=rel.bulletin_url or rel.page_url,
                                          withheld=withheld, at=seen_at))
    announcements = [announcement_row(a, source_id=source_id, at=seen_at) for a in result.announcements]
    with engine.begin() as conn:
        conn.execute(m.Source.__table__.insert(), [{"id": source_id, "name": name, "title": info.title,
                                                    "home_url": info.home_url, "consecutive_failures": 0}])
        for table, rows in ((m.Publication.__table__, pubs), (m.PublicationUrl.__table__, urls),
                            (m.Attachment.__table__, attachments), (m.StatisticsRelease.__table__, releases),
                            (m.Figure.__table__, figures), (m.StatisticsAnnouncement.__table__, announcements)):
            _insert(conn, table, rows)
    return len(pubs)


def _insert(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)
