"""The ingest over real HTTP against the mirror, on SQLite and PostgreSQL: a first cycle stores
everything, a second cycle over unchanged sources downloads no bodies and writes only fetch state,
and a failing source never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from mirror_fixture import start_mirror
from sqlalchemy import func, select

from pipeline import ingest
from pipeline.settings import Settings
from pipeline.sources import SOURCES, pointed_at_corpus
from store import models as m
from store.db import session_factory


def settings_for(mirror, db_url: str, tmp_path: Path) -> Settings:
    urls = pointed_at_corpus(mirror.url_for)
    return Settings(database_url=db_url, output_dir=tmp_path / "var", rate_limit_per_host=500, max_retries=1,
                    **urls)


def cycle(settings: Settings, engine) -> dict[str, ingest.SourceReport]:  # type: ignore[name-defined]
    reports = {}
    for name in SOURCES:
        fetched = ingest.fetch(settings, engine, name)
        reports[name] = ingest.store(engine, None, fetched)
    return reports


def table_counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with session_factory(engine)() as s:
        return {
            model.__tablename__: s.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (m.Publication, m.PublicationUrl, m.Attachment, m.Amendment, m.StatisticsRelease,
                          m.Figure, m.StatisticsAnnouncement)
        }


def test_second_cycle_downloads_no_bodies_and_writes_only_fetch_state(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        first = cycle(settings, engine)
        assert all(r.status == "ok" for r in first.values()), {n: r.error for n, r in first.items()}
        assert all(r.new > 0 for r in first.values()), {n: r.new for n, r in first.items()}
        assert first["govuk_nrm"].figures > 100
        before = table_counts(engine)

        mirror.clear_log()
        second = cycle(settings, engine)
        log = mirror.log
        assert log, "the second cycle made no request at all"
        assert [e.path for e in log if e.status != 304] == [], "a second cycle over unchanged sources must get only 304s"
        assert sum(e.bytes for e in log) == 0
        assert all(e.conditional for e in log)
        assert all(r.new == r.amended == r.figures == 0 for r in second.values())
        assert all(r.not_modified == r.requests for r in second.values())
        assert table_counts(engine) == before


def test_a_failing_source_is_reported_and_the_others_are_stored(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        mirror.set_fault("/atleu/cases-news?format=json", "503")
        mirror.set_fault("/atleu/cases-news?format=rss", "503")
        reports = cycle(settings, engine)
        assert reports["atleu"].status == "failed"
        assert "503" in reports["atleu"].error and "atleu" in reports["atleu"].error
        assert all(reports[n].status == "ok" and reports[n].new > 0 for n in SOURCES if n != "atleu")
        with session_factory(engine)() as s:
            src = s.execute(select(m.Source).where(m.Source.name == "atleu")).scalar_one()
            assert src.last_status == "failed" and src.consecutive_failures == 1
            atleu_items = s.execute(select(func.count()).select_from(m.Publication).join(m.Source)
                                    .where(m.Source.name == "atleu")).scalar_one()
            assert atleu_items == 0

        mirror.clear_faults()
        again = cycle(settings, engine)
        assert again["atleu"].status == "ok" and again["atleu"].new > 0, again["atleu"].error
        with session_factory(engine)() as s:
            src = s.execute(select(m.Source).where(m.Source.name == "atleu")).scalar_one()
            assert src.consecutive_failures == 0


@pytest.mark.parametrize("fault", ["reset", "truncate", "oversize", "redirect_offhost", "500"])
def test_listing_faults_fail_only_that_source(sqlite_engine, tmp_path, fault):
    with start_mirror() as mirror:
        settings = settings_for(mirror, f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
        mirror.set_fault("/sentencing_council/feed/", fault)
        fetched = ingest.fetch(settings, sqlite_engine, "sentencing_council")
        report = ingest.store(sqlite_engine, None, fetched)
        other = ingest.store(sqlite_engine, None, ingest.fetch(settings, sqlite_engine, "iasc"))
    # a broken feed makes the adapter fall back or fail; either way it says what happened
    assert report.status == "failed" or report.strategy != "rss", (fault, report)
    assert other.status == "ok" and other.new > 0
