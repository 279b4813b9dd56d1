"""NRM data tables through the ingest and the store, over real HTTP (the mirror) into SQLite and
PostgreSQL: every release's workbook stored in long form, the series read from the tables, the
bulletin checked against them, revisions between releases, bad workbooks as warnings with the text
figures and the other sources still stored, and nothing half-stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from mirror_fixture import start_mirror
from sqlalchemy import func, select

from pipeline import ingest
from pipeline.settings import Settings
from pipeline.sources import SOURCES, pointed_at_corpus
from scrapers.nrm.tables import read_workbook
from scrapers.records import Release
from store import models as m
from store import queries, releases
from store.db import read_session, session_factory, transaction
from store.series import series
from tests.nrm_workbooks import RELEASES, _csv, release_workbook, workbook_sheets
from tests.odsbuild import ods_bytes
from tests.tables_expected import expected

MSBRIEF = Path(sys.executable).parent / "msbrief"
Q4_PATH = "/govuk_nrm/media/65e1cea32f2b3b001c7cd840/national-referral-mechanism-statistics-uk-quarter-4-2023-oct-to-dec-tables.ods"
Q1_PATH = ("/govuk_nrm/government/uploads/system/uploads/attachment_data/file/1154119/modern-slavery-national-referral-"
           "mechanism-statistics-uk-quarter-1-2023-january-to-march-tables.ods")


def settings_for(mirror, db_url: str, tmp_path: Path) -> Settings:  # type: ignore[no-untyped-def]
    urls = pointed_at_corpus(mirror.url_for)
    return Settings(database_url=db_url, output_dir=tmp_path / "var", rate_limit_per_host=500, max_retries=0, **urls)


def ingest_nrm(settings: Settings, engine):  # type: ignore[no-untyped-def]
    return ingest.store(engine, None, ingest.fetch(settings, engine, "govuk_nrm"))


def derived_quarterly_referrals() -> dict[str, int]:
    """The Q4 2023 tables' referrals by quarter (the sum of the age groups' totals), from derived/."""
    totals: dict[str, int] = defaultdict(int)
    for row in _csv("nrm_referrals_longitudinal.csv"):
        if row["Location of exploitation"] == "Total":
            totals[f"{row['Year']}-{row['Quarter']}"] += int(row["NRM referrals"])
    return dict(totals)


def test_every_workbook_is_stored_and_the_series_comes_from_the_tables(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        report = ingest_nrm(settings_for(mirror, db_url, tmp_path), engine)
    assert report.status == "ok", report.error
    with read_session(engine) as s:
        counts = dict(s.execute(select(m.StatisticsRelease.period, func.count(m.Observation.id))
                                .join(m.DataTable, m.DataTable.release_id == m.StatisticsRelease.id)
                                .join(m.Observation, m.Observation.table_id == m.DataTable.id)
                                .group_by(m.StatisticsRelease.period)).all())
        points = series(s, "total_referrals")
        dtn = {p.period: (p.value, p.table) for p in series(s, "dtn_count", periods="all")}
    assert counts == {period: sum(len(expected(k, period)) for k in layout.sheets) for period, layout in RELEASES.items()}
    want = derived_quarterly_referrals()
    assert [p.period for p in points] == sorted(want, key=lambda p: (int(p[:4]), p[-1]))
    assert points[0].period == "2009-Q2" and points[-1].period == "2023-Q4"
    assert {p.period: p.value for p in points} == want
    assert {(p.release_period, p.table) for p in points} == {("2023-Q4", "Table 2")}
    assert dtn["2023-Q1"] == (1420, "Table 40") and dtn["2023-year"] == (4929, "Table 40")


def test_figures_series_command_lists_every_quarter_from_the_tables(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        ingest_nrm(settings_for(mirror, db_url, tmp_path), engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")} | {"MSBRIEF_DATABASE_URL": db_url}
    done = subprocess.run([str(MSBRIEF), "figures", "series", "total_referrals", "--periods", "quarter", "--json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    points = json.loads(done.stdout)
    assert {p["period"]: p["value"] for p in points} == derived_quarterly_referrals()
    last = points[-1]
    assert last["source"] == {"table": "Table 2", "cell": "G67+L67+Q67"} and last["release"] == "2023-Q4"
    revised = next(p for p in points if p["period"] == "2023-Q3")
    assert revised["value"] == 4131 and {"release": "2023-Q3", "value": 4138} in revised["revisions"]


def test_the_bulletin_is_checked_against_its_own_tables(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        ingest_nrm(settings_for(mirror, db_url, tmp_path), engine)
    with read_session(engine) as s:
        views = {v.release.period: v.release for v in queries.releases_with_tables(s)}
    dtn = views["2023-Q1"].figure("dtn_count")
    assert dtn is not None and (dtn.value, dtn.check, dtn.table, dtn.cell) == (1420, "matches Table 26", "Table 26", "B103")
    assert [(c.metric, c.outcome) for c in views["2023-Q3"].checks] == [("dtn_count", "matches")]
    q4 = views["2023-Q4"]  # no bulletin: its figures come from its tables alone
    total = q4.figure("total_referrals")
    assert total is not None and (total.value, total.source) == (4142, "Table 2, cells G67+L67+Q67")
    assert q4.value("total_referrals", "2023-Q3") == 4131 and q4.value("total_referrals", "2022-Q4") == 4413


def test_a_table_that_contradicts_the_bulletin_is_a_warning_and_readers_see_the_table(engine, db_url, tmp_path):
    sheets = workbook_sheets("2023-Q1", RELEASES["2023-Q1"])
    rows = dict(sheets)["Table_26"]
    total_row = next(r for r in rows if r and r[0] == "Total")
    total_row[1] = 1421  # the bulletin says 1,420
    with start_mirror() as mirror:
        mirror.put_response(Q1_PATH, ods_bytes(sheets), content_type="application/vnd.oasis.opendocument.spreadsheet")
        report = ingest_nrm(settings_for(mirror, db_url, tmp_path), engine)
    assert report.status == "ok"
    warning = next(w for w in report.warnings if "differs from the tables" in w)
    assert "'the Home Office received 1,420 reports of adult potential victims via the DtN process" in warning
    assert "'DtN reports by nationality' (Table 26, cell B103) says 1,421" in warning
    with read_session(engine) as s:
        view = next(v.release for v in queries.releases_with_tables(s) if v.release.period == "2023-Q1")
    dtn = view.figure("dtn_count")
    assert dtn is not None and dtn.value == 1421
    assert dtn.note == "The bulletin says 1,420; Table 26, cell B103 says 1,421. The table's figure is shown."
    from feeds.nrm_summary import headline_figures

    row = next(h for h in headline_figures(view) if h.label.startswith("Duty to Notify"))
    assert (row.value, row.note) == ("1,421", dtn.note)


@pytest.mark.parametrize("problem", ["too big", "corrupt", "xlsx listed as ods", "gone"])
def test_a_bad_workbook_is_a_warning_and_the_text_figures_and_other_sources_are_stored(engine, db_url, tmp_path,
                                                                                     problem):
    with start_mirror() as mirror:
        if problem == "too big":
            mirror.put_response(Q4_PATH, b"PK\x03\x04" + b"\0" * 2_000_000)
        elif problem == "corrupt":
            data = release_workbook("2023-Q1")
            mirror.put_response(Q1_PATH, data[: len(data) // 2])
        elif problem == "xlsx listed as ods":
            import io

            import xlsxwriter

            buffer = io.BytesIO()
            book = xlsxwriter.Workbook(buffer, {"in_memory": True})
            sheet = book.add_worksheet("Table_26")
            for r, row in enumerate([["DtN reports by nationality"], ["Nationality", "Total"], ["Total", 1420]]):
                sheet.write_row(r, 0, row)
            book.close()
            mirror.put_response(Q1_PATH, buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        else:
            mirror.remove_response(Q1_PATH)
        settings = settings_for(mirror, db_url, tmp_path)
        if problem == "too big":
            settings = settings.model_copy(update={"workbook_max_bytes": 1_000_000})
        reports = {name: ingest.store(engine, None, ingest.fetch(settings, engine, name)) for name in SOURCES}
    assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}
    nrm = reports["govuk_nrm"]
    said = " | ".join(nrm.warnings)
    with read_session(engine) as s:
        tables = set(s.execute(select(m.StatisticsRelease.period).join(m.DataTable)).scalars())
        text = set(s.execute(select(m.StatisticsRelease.period).join(m.Figure)).scalars())
    assert {"2023-Q1", "2023-Q3"} <= text  # the bulletins' figures are stored whatever the workbook did
    if problem == "too big":
        assert "2023-Q4: release 2023-Q4: the data tables could not be read (2,000,004 bytes, more than " \
               "MSBRIEF_WORKBOOK_MAX_BYTES=1,000,000)" in said
        assert "2023-Q4" not in tables
    elif problem == "corrupt":
        assert "release 2023-Q1: the data tables could not be read (corrupt or truncated" in said
        assert "2023-Q1" not in tables
    elif problem == "xlsx listed as ods":
        assert "is XLSX although the release lists it as ods: read as XLSX" in said
        assert "2023-Q1" in tables
    else:
        assert "release 2023-Q1: the data tables could not be fetched (HTTP 404" in said
        assert "2023-Q1" not in tables


def _q4() -> Release:
    book = read_workbook(release_workbook("2023-Q4"), release="2023-Q4", url="https://x/q4.ods")
    return Release(period="2023-Q4", title="Q4", page_url="https://www.gov.uk/q4", bulletin_url=None,
                   published=None, updated=None, workbooks=(book,))


def _next_release(change: int) -> Release:
    """A 2024-Q1 release whose referrals table restates 2023-Q4's adults in the UK with `change`."""
    sheets = workbook_sheets("2023-Q4", RELEASES["2023-Q4"])
    rows = dict(sheets)["Table_2"]
    last = rows[-1]
    last[3] = last[3] + change  # D67: 2023-Q4, adult, UK
    book = read_workbook(ods_bytes(sheets), release="2024-Q1", url="https://x/q1.ods")
    return Release(period="2024-Q1", title="Q1", page_url="https://www.gov.uk/q1", bulletin_url=None,
                   published=None, updated=None, workbooks=(book,))


def _revisions(engine) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(
            select(m.TableRevision.table_key, m.TableRevision.cell, m.TableRevision.period, m.TableRevision.dimensions,
                   m.TableRevision.was, m.TableRevision.now))]


def test_revisions_between_one_release_and_the_next_are_recorded_in_either_order(engine):
    with transaction(engine) as s:
        releases.save(s, [_q4()], publication_ids={})
        releases.save(s, [_next_release(5)], publication_ids={})
    want = [("referrals_by_quarter", "D67", "2023-Q4", '{"Age at exploitation": "Adult (18 or over)", '
             '"Location of exploitation": "UK"}', 821.0, 826.0)]
    assert _revisions(engine) == want
    with transaction(engine) as s:  # the next release read again, unchanged: nothing rewritten
        ids = set(s.execute(select(m.Observation.id)).scalars())
        releases.save(s, [_next_release(5)], publication_ids={})
        assert set(s.execute(select(m.Observation.id)).scalars()) == ids
    with transaction(engine) as s:  # the earlier release read again, now agreeing: its successor's revisions go
        releases.save(s, [replace(_next_release(5), period="2023-Q4", page_url="https://www.gov.uk/q4")],
                      publication_ids={})
    assert _revisions(engine) == []


def test_a_store_that_fails_leaves_no_half_workbook(engine):
    with pytest.raises(RuntimeError):
        with transaction(engine) as s:
            releases.save(s, [_q4()], publication_ids={})
            assert s.execute(select(func.count(m.Observation.id))).scalar_one() > 0
            raise RuntimeError("the database went away")
    with session_factory(engine)() as s:
        assert [s.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (m.Workbook, m.DataTable, m.Observation, m.StatisticsRelease)] == [0, 0, 0, 0]
