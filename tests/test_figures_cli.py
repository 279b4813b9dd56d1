"""`msbrief figures extract|series` through commands.main.main, and store.series on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commands.main import main
from pipeline.settings import get_settings
from scrapers.nrm import extract
from scrapers.records import Release
from store import repo
from store.db import make_engine, transaction, upgrade
from store.series import series

BULLETINS = Path(__file__).parent / "fixtures" / "nrm" / "bulletins"


def release_of(name: str) -> Release:
    """A Release built from one fixture bulletin, as the adapter would hand it to the store."""
    ex = extract((BULLETINS / f"{name}.json").read_bytes())
    published = datetime.combine(ex.published or ex.updated, datetime.min.time(), tzinfo=UTC)
    return Release(period=ex.period, title=ex.title, page_url=f"https://www.gov.uk/nrm/{name}", bulletin_url=None,
                   published=published, updated=None, figures=ex.figures, warnings=ex.warnings)


@pytest.mark.parametrize("rendering", ["txt", "html", "json"])
def test_extract_prints_the_design_json(rendering: str, capsys) -> None:
    assert main(["figures", "extract", str(BULLETINS / f"2023-Q2.{rendering}")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"title", "period", "published", "figures", "warnings"} <= set(out)
    assert out["period"] == "2023-Q2" and out["published"] == "2023-08-10"
    assert out["title"].startswith("Modern Slavery: National Referral Mechanism")
    figures = {f["metric"]: f for f in out["figures"]}
    assert figures["total_referrals"]["value"] == 3998 and figures["total_referrals"]["unit"] == "count"
    assert figures["pct_change_vs_previous"]["value"] == -16
    assert "3,998 potential victims" in figures["total_referrals"]["evidence"]
    assert figures["previous_period_referrals"]["period"] == "2023-Q1"
    assert {"metric", "value", "unit", "evidence"} <= set(figures["dtn_count"])
    assert any("in from" in w for w in out["warnings"])


def test_extract_table(capsys) -> None:
    assert main(["figures", "extract", "--format", "table", str(BULLETINS / "2021-year.txt")]) == 0
    out = capsys.readouterr().out
    assert "period 2021-year; published 2022-03-03" in out
    assert any(line.startswith("total_referrals") and "12,727" in line for line in out.splitlines())
    assert "UK, Albanian, Vietnamese" in out


@pytest.mark.parametrize("content", [b"just some text\n", b"{\"details\": {}}", b"\x00\xff" * 10])
def test_extract_unreadable_input_is_one_line_and_exit_2(content: bytes, tmp_path, capsys) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert main(["figures", "extract", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("msbrief figures extract: not an NRM bulletin")


def test_extract_missing_file_is_exit_2(tmp_path, capsys) -> None:
    assert main(["figures", "extract", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.txt" in err


def test_series_keeps_latest_statement_and_revisions(engine) -> None:
    with transaction(engine) as s:
        for name in ("2023-Q3", "2023-Q1", "2023-Q2", "2022-Q4"):  # stored out of order on purpose
            repo.upsert_release(s, release_of(name))
    with transaction(engine) as s:
        points = {p.period: p for p in series(s, "total_referrals")}
    assert points["2023-Q1"].value == 4739 and points["2023-Q1"].release_period == "2023-Q2"
    assert points["2023-Q1"].revisions == (("2023-Q1", 4746),)
    assert points["2023-Q2"].value == 3995 and points["2023-Q2"].revisions == (("2023-Q2", 3998),)
    assert points["2023-Q3"].value == 4138 and points["2023-Q3"].revisions == ()
    assert points["2022-Q4"].value == 4416 and points["2022-Q4"].revisions == (("2022-Q4", 4418),)
    assert points["2022-Q2"].value == 4161  # restated as "the same quarter last year" by 2023-Q2
    assert list(points) == sorted(points)


def test_series_by_year_and_unknown_kind(engine) -> None:
    with transaction(engine) as s:
        repo.upsert_release(s, release_of("2021-year"))
        assert [(p.period, p.value) for p in series(s, "total_referrals", periods="year")] == [
            ("2020-year", 10601), ("2021-year", 12727)]
        assert series(s, "total_referrals") == []
        with pytest.raises(ValueError, match="'decade'"):
            series(s, "total_referrals", periods="decade")


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MSBRIEF_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_series_command_notes_revisions(cli_db, capsys) -> None:
    eng = make_engine(cli_db)
    upgrade(eng)
    with transaction(eng) as s:
        for name in ("2023-Q1", "2023-Q2"):
            repo.upsert_release(s, release_of(name))
    eng.dispose()
    assert main(["figures", "series", "total_referrals"]) == 0
    lines = capsys.readouterr().out.splitlines()
    q1 = next(line for line in lines if line.startswith("2023-Q1"))
    assert "4,739" in q1 and "(revised from 4,746 in 2023-Q1 release)" in q1
    assert main(["figures", "series", "total_referrals", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    point = next(p for p in data if p["period"] == "2023-Q1")
    assert {k: v for k, v in point.items() if k != "source"} == {
        "period": "2023-Q1", "value": 4739, "release": "2023-Q2", "revisions": [{"release": "2023-Q1", "value": 4746}]}
    assert "(4,739)" in point["source"]["sentence"]  # where the value was read: the bulletin's sentence


def test_series_command_on_an_empty_database(cli_db, capsys) -> None:
    upgrade(make_engine(cli_db))  # the schema, no figures
    assert main(["figures", "series", "total_referrals"]) == 1
    assert "no statements of 'total_referrals'" in capsys.readouterr().err


WORKBOOK = Path(__file__).parent / "fixtures" / "govuk_nrm" / "assets" / \
    "national-referral-mechanism-statistics-uk-quarter-4-2023-oct-to-dec-tables.ods"


def test_extract_prints_a_workbooks_tables_in_the_issue_shape(capsys) -> None:
    assert main(["figures", "extract", str(WORKBOOK), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"tables", "warnings"} and out["warnings"] == []
    assert [(t["title"][:25], t["sheet"]) for t in out["tables"]] == [
        ("NRM referrals by quarter ", "Table_2"), ("NRM reasonable grounds de", "Table_16"),
        ("NRM conclusive grounds de", "Table_28"), ("DtN reports by quarter", "Table_40"),
        ("DtN reports by nationalit", "Table_41")]
    first = out["tables"][0]["observations"][0]
    assert first == {"period": "2009-Q2", "dimensions": {"Age at exploitation": "Adult (18 or over)",
                                                         "Location of exploitation": "Overseas"},
                     "value": 1, "code": None, "cell": "C9"}
    by_year = [o for o in out["tables"][3]["observations"] if o["period"] == "2023-year"]
    assert by_year == [{"period": "2023-year", "dimensions": {}, "value": 4929, "code": None, "cell": "C44"}]
    nationality = out["tables"][4]["observations"]
    assert all("period" not in o for o in nationality)
    assert nationality[-1] == {"dimensions": {"Nationality": "Total"}, "value": 1044, "code": None, "cell": "B105"}


def test_extract_shows_a_workbook_for_people_and_refuses_a_broken_one_in_one_line(tmp_path, capsys) -> None:
    assert main(["figures", "extract", str(WORKBOOK), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ODS workbook, 5 tables\n")
    assert "  Q67      2023-Q4             219  Age at exploitation: Age not specified or unknown; Location of " \
           "exploitation: Total\n" in out
    broken = tmp_path / "broken.ods"
    broken.write_bytes(WORKBOOK.read_bytes()[:5000])
    assert main(["figures", "extract", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("msbrief figures extract: not a readable workbook: corrupt or truncated")


@pytest.mark.parametrize("as_json", [False, True])
def test_series_of_an_unknown_metric_is_one_line_naming_it_and_the_known_ones(cli_db, capfd, as_json) -> None:
    """Issue 25: a typo was an empty series (`[]`, exit 0 with --json), which reads as missing data."""
    upgrade(make_engine(cli_db))
    code = main(["figures", "series", "total_referral", *(["--json"] if as_json else [])])
    out, err = capfd.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, (code, out, err)
    assert "unknown metric 'total_referral'" in lines[0] and "did you mean total_referrals?" in lines[0]
    assert "sca_count" in lines[0] and "<nationality>_count" in lines[0]
