"""Helpers shared by the reliability tests (faults, crashes, concurrency, database trouble):
settings pointing every source at a mirror, one ingest cycle through pipeline.ingest, and a
snapshot of the stored rows to compare a run against a clean reference run."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from pipeline import ingest
from pipeline.reports import SourceReport
from pipeline.settings import Settings
from pipeline.sources import SOURCES as SPECS
from pipeline.sources import pointed_at_corpus
from scrapers.govuk_guidance import SEARCHES as _GUIDANCE_SEARCHES
from store import models as m
from store.db import session_factory

SOURCES = tuple(SPECS)


def _parliament_list(skip: int) -> str:
    """The first list page the Parliament adapter reads over the recorded corpus."""
    from datetime import date

    from scrapers.parliament import SEARCH_TERMS, list_path
    from scrapers.parliament_api import QUESTIONS

    since = date.fromisoformat(dict(SPECS["parliament"].corpus_settings)["parliament_since"])
    return list_path(QUESTIONS, SEARCH_TERMS[0], "tabledWhenFrom", since, skip)


# One realistic path per source and level, from each fixture folder's mirror.json: the first
# listing/search page the adapter reads, and one item (a content item, a later feed page, an item page).
FAULT_PATHS: dict[tuple[str, str], str] = {
    ("govuk_nrm", "listing"): (
        "/govuk_nrm/api/search.json?q=national+referral+mechanism+statistics&filter_organisations=home-office"
        "&filter_content_store_document_type=official_statistics&filter_content_store_document_type=national_statistics"
        "&fields=content_id%2Clink%2Ctitle%2Cdescription%2Cpublic_timestamp%2Ccontent_store_document_type"
        "&order=-public_timestamp&count=10&start=0"),
    ("govuk_nrm", "item"): (
        "/govuk_nrm/api/content/government/statistics/"
        "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023"),
    ("sentencing_council", "listing"): "/sentencing_council/feed/",
    ("sentencing_council", "item"): "/sentencing_council/feed/?paged=2",
    ("iasc", "listing"): "/iasc/news-insights/",
    ("iasc", "item"): "/iasc/news-insights/iasc-bulletin-may-2024",
    ("atleu", "listing"): "/atleu/cases-news?format=json",
    ("atleu", "item"): "/atleu/cases-news?format=json&offset=1705658400000",
    ("govuk_guidance", "listing"): "/govuk_guidance" + _GUIDANCE_SEARCHES[0].path(0),
    ("govuk_guidance", "item"): (
        "/govuk_guidance/api/content/government/publications/modern-slavery-how-to-identify-and-support-victims"),
    ("parliament", "listing"): "/parliament" + _parliament_list(0),
    ("parliament", "item"): "/parliament/api/writtenquestions/questions/1905117?expandMember=true&sessionStatus=Any",
    ("nca", "listing"): "/nca/news",
    ("nca", "item"): "/nca/news?format=feed&type=rss",
    ("glaa", "listing"): "/glaa/whats-new/latest-press-releases/",
    ("glaa", "item"): "/glaa/whats-new/press-release-archive/?page=2",
}


def settings_for(mirror, db_url: str, out: Path, **overrides: Any) -> Settings:  # type: ignore[no-untyped-def]
    """Settings with every source on `mirror`, fast loopback pacing, small timeouts and one retry."""
    urls = pointed_at_corpus(mirror.url_for)
    options: dict[str, Any] = dict(database_url=db_url, output_dir=out, rate_limit_per_host=500, max_retries=1,
                                   read_timeout=0.4, connect_timeout=1.0, **urls)
    options.update(overrides)
    return Settings(**options)


def cycle(settings: Settings, engine: Engine, sources: Iterable[str] = SOURCES) -> dict[str, SourceReport]:
    """Fetch then store each source, as `msbrief run` does (without Prefect)."""
    return {name: ingest.store(engine, None, ingest.fetch(settings, engine, name)) for name in sources}


def _when(row: m.Publication) -> str | None:
    # An undated item keeps the date it was first seen: that differs from run to run by design.
    return None if row.date_estimated or row.published is None else row.published.isoformat()


def snapshot(engine: Engine, sources: Iterable[str] = SOURCES) -> dict[str, list]:
    """The stored content of `sources`, as sorted lists (duplicates show up as repeated entries)."""
    wanted = set(sources)
    with session_factory(engine)() as s:
        pubs = s.execute(select(m.Publication, m.Source.name).join(m.Source)).all()
        keys = {p.id: (name, p.key) for p, name in pubs}
        out = {
            "publications": sorted((name, p.key, p.title, p.url, p.kind, _when(p)) for p, name in pubs
                                   if name in wanted),
            "publication_urls": sorted((keys[u.publication_id], u.url) for u in s.execute(
                select(m.PublicationUrl)).scalars() if keys[u.publication_id][0] in wanted),
            "attachments": sorted((keys[a.publication_id], a.url, a.title) for a in s.execute(
                select(m.Attachment)).scalars() if keys[a.publication_id][0] in wanted),
            "amendments": sorted((keys[a.publication_id], json.dumps(a.changes, sort_keys=True)) for a in s.execute(
                select(m.Amendment)).scalars() if keys[a.publication_id][0] in wanted),
        }
        if "govuk_nrm" in wanted:
            out["releases"] = sorted((r.period, r.title, r.page_url) for r in s.execute(
                select(m.StatisticsRelease)).scalars())
            out["figures"] = sorted((r.period, f.period, f.metric, json.dumps(f.value), f.unit) for f, r in s.execute(
                select(m.Figure, m.StatisticsRelease).join(m.StatisticsRelease)).all())
            out["announcements"] = sorted(
                (a.url, a.state, a.release_at.isoformat() if a.release_at else None, a.title)
                for a in s.execute(select(m.StatisticsAnnouncement)).scalars())
    return out


def diff(got: dict[str, list], want: dict[str, list]) -> str:
    """A short description of how two snapshots differ ('' when they are equal)."""
    lines = []
    for table in sorted(set(got) | set(want)):
        g, w = got.get(table, []), want.get(table, [])
        if g == w:
            continue
        missing = [x for x in w if g.count(x) < w.count(x)]
        extra = [x for x in g if g.count(x) > w.count(x)]
        lines.append(f"{table}: {len(g)} rows, expected {len(w)}; missing {missing[:3]!r}; extra/duplicated {extra[:3]!r}")
    return "\n".join(lines)
