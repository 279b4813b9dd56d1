"""The GLAA and Fair Work Agency adapter over the mirror (tests/fixtures/glaa): dates from the page's date
line, never from the URL's code; the Fair Work Agency through GOV.UK; and, when the GLAA's site goes,
its items stay (SQLite and PostgreSQL) and the source says where its news now comes from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mirror_fixture import start_mirror
from reliability import cycle, settings_for
from source_runs import run, served
from sqlalchemy import func, select

from pipeline.site import source_notes
from scrapers import glaa
from scrapers.errors import FetchError
from store import models as m
from store import queries
from store.db import read_session, session_factory

LATEST = "/whats-new/latest-press-releases/"


def dates_of(result) -> dict[str, datetime | None]:  # type: ignore[no-untyped-def]
    return {p.title: p.published for p in result.publications}


def test_items_are_dated_by_their_date_line_never_by_the_code_in_their_url(fixtures_mirror):
    result = run(glaa, fixtures_mirror, "glaa")
    assert result.strategy == "listing-html+govuk-organisations" and not result.warnings
    found = dates_of(result)
    # "04072018-glaa-contributes-..." was published on 5 July 2018; "21117-..." on 2 November 2017
    australia = found["GLAA contributes to laws protecting workers in Australia"]
    assert australia == datetime(2018, 7, 5, tzinfo=UTC)
    assert found["Three arrested in 'modern slavery' investigation"] == datetime(2017, 11, 2, tzinfo=UTC)
    assert found["CEO Stakeholder blog - November 2025"] == datetime(2025, 11, 24, tzinfo=UTC)
    assert found["Six arrested in joint GLA-Cheshire Police Operation"] == datetime(2011, 9, 9, tzinfo=UTC)
    # the archive's second page, and the bulletin, whose page has no date line: undated, flagged
    assert found["Cramped conditions exposed in modern slavery raids"] == datetime(2018, 2, 22, tzinfo=UTC)
    bulletin = next(p for p in result.publications if p.title == "Partnership Bulletin - December 2025")
    # no date line; the title names its month (issue 25)
    assert bulletin.published == datetime(2025, 12, 1, tzinfo=UTC) and not bulletin.date_estimated
    assert bulletin.kind == "bulletin"
    # the Fair Work Agency's documents, through GOV.UK's organisation search
    fwa = [p for p in result.publications if p.url.startswith("https://www.gov.uk/")]
    assert len(fwa) == 3 and all(p.published == datetime(2026, 4, 7, 8, 30, tzinfo=UTC) for p in fwa)


def test_an_incremental_run_stops_at_known_items(fixtures_mirror):
    first = run(glaa, fixtures_mirror, "glaa")
    fixtures_mirror.clear_log()
    again = run(glaa, fixtures_mirror, "glaa", known=[p.url for p in first.publications])
    assert again.publications == [] or {p.url for p in again.publications} <= {p.url for p in first.publications}
    assert ("/whats-new/press-release-archive/?page=2", 200) not in served(fixtures_mirror, "glaa")


def test_when_the_glaa_site_goes_its_items_stay_and_the_source_says_where_its_news_comes_from(engine, db_url,
                                                                                              tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var")
        assert cycle(settings, engine, ["glaa"])["glaa"].status == "ok"
        with session_factory(engine)() as s:
            before = s.execute(select(func.count()).select_from(m.Publication)).scalar_one()
        mirror.put_response("/glaa" + LATEST, "Gone", status=410, content_type="text/html")
        report = cycle(settings, engine, ["glaa"])["glaa"]
    assert report.status == "ok" and report.strategy == "govuk-organisations", report.error
    assert any("gla.gov.uk) is gone" in w and "answers HTTP 410" in w and "now comes from GOV.UK" in w
               for w in report.warnings), report.warnings
    with session_factory(engine)() as s:
        assert s.execute(select(func.count()).select_from(m.Publication)).scalar_one() == before  # nothing lost
    with read_session(engine) as s:
        notes = source_notes(queries.source_health(s))
    assert notes["glaa"].startswith("The GLAA's own site (gla.gov.uk) is gone. Its news now comes from GOV.UK")


def test_other_trouble_on_the_glaa_site_fails_the_source_as_usual(fixtures_mirror):
    fixtures_mirror.set_fault("/glaa" + LATEST, "500")
    with pytest.raises(FetchError, match="HTTP 500"):
        run(glaa, fixtures_mirror, "glaa")
