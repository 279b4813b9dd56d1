"""`msbrief sources check` and `record` against the mirror, configured through MSBRIEF_* variables."""

from __future__ import annotations

import json

import pytest
from mirror_fixture import start_mirror

from commands.main import main
from pipeline.settings import get_settings


@pytest.fixture
def env(monkeypatch):
    """Point sources at URLs by environment variable, with no pacing; settings re-read each time."""
    monkeypatch.setenv("MSBRIEF_RATE_LIMIT_PER_HOST", "1000")
    monkeypatch.setenv("MSBRIEF_MAX_RETRIES", "0")

    def point(source: str, url: str) -> None:
        monkeypatch.setenv(f"MSBRIEF_{source.upper()}_BASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def test_check_reports_strategy_items_and_newest_date(fixtures_mirror, env, capsys):
    env("sentencing_council", fixtures_mirror.url_for("sentencing_council"))
    env("atleu", fixtures_mirror.url_for("atleu_nofeed"))
    assert main(["sources", "check", "sentencing_council"]) == 0
    assert main(["sources", "check", "atleu"]) == 0
    out = capsys.readouterr().out
    assert "sentencing_council: ok, strategy rss, 11 items, newest 2024-09-05" in out
    assert "atleu: ok, strategy listing-html, 5 items, newest 2024-12-05" in out


def test_check_fails_with_the_problem_when_a_source_fails(fixtures_mirror, env, capsys):
    env("sentencing_council", fixtures_mirror.url_for("sentencing_council_drift"))
    assert main(["sources", "check", "sentencing_council"]) == 1
    out = capsys.readouterr().out
    assert "sentencing_council: FAILED ParseError" in out and "article.search-result" in out


def test_check_the_new_sources(fixtures_mirror, env, capsys, monkeypatch):
    monkeypatch.setenv("MSBRIEF_PARLIAMENT_SINCE", "2021-01-01")  # the recordings' first day
    for name in ("parliament", "nca", "glaa"):
        env(name, fixtures_mirror.url_for(name))
        assert main(["sources", "check", name]) == 0
    out = capsys.readouterr().out
    assert "parliament: ok, strategy questions-statements-api, 6 items, newest 2026-02-02" in out
    assert "nca: ok, strategy feed-autodiscovery, 3 items, newest 2020-08-15" in out
    assert "glaa: ok, strategy listing-html+govuk-organisations, 14 items, newest 2026-04-07, " in out
    assert "undated" not in out.split("glaa:")[1]  # the partnership bulletin: dated by its title's month


def test_record_parliament_then_check_the_recording(fixtures_mirror, env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MSBRIEF_PARLIAMENT_SINCE", "2021-01-01")
    env("parliament", fixtures_mirror.url_for("parliament"))
    folder = tmp_path / "fixtures" / "parliament_recorded"
    assert main(["sources", "record", "parliament", str(folder)]) == 0
    assert "options from the settings were: since=2021-01-01" in (folder / "PROVENANCE.md").read_text()
    capsys.readouterr()
    with start_mirror(tmp_path / "fixtures") as recorded:
        env("parliament", recorded.url_for("parliament_recorded"))
        assert main(["sources", "check", "parliament"]) == 0
    assert "parliament: ok, strategy questions-statements-api, 6 items" in capsys.readouterr().out


def test_record_then_check_the_recording(fixtures_mirror, env, tmp_path, capsys):
    env("iasc", fixtures_mirror.url_for("iasc"))
    folder = tmp_path / "fixtures" / "iasc_recorded"
    assert main(["sources", "record", "iasc", str(folder)]) == 0
    manifest = json.loads((folder / "mirror.json").read_text())
    paths = [r["path"] for r in manifest["responses"]]
    assert paths[0] == "/news-insights/" and "/news-insights/page/2/" in paths
    assert "/news-insights/iasc-bulletin-may-2024" in paths  # item pages too: the recording replays the run
    first = folder / manifest["responses"][0]["file"]
    assert first.read_bytes() == (fixtures_mirror.root / "iasc" / "news-insights" / "page-1.html").read_bytes()
    provenance = (folder / "PROVENANCE.md").read_text()
    assert "recorded live by msbrief sources record" in provenance and fixtures_mirror.url_for("iasc") in provenance
    capsys.readouterr()
    with start_mirror(tmp_path / "fixtures") as recorded:
        env("iasc", recorded.url_for("iasc_recorded"))
        assert main(["sources", "check", "iasc"]) == 0
    assert "iasc: ok, strategy listing-html, 7 items, newest 2024-05-01" in capsys.readouterr().out  # its bulletin


def test_record_govuk_nrm_saves_the_data_tables_workbooks_byte_for_byte(fixtures_mirror, env, tmp_path):
    env("govuk", fixtures_mirror.url_for("govuk_nrm"))
    folder = tmp_path / "fixtures" / "govuk_nrm_recorded"
    assert main(["sources", "record", "govuk_nrm", str(folder)]) == 0
    manifest = json.loads((folder / "mirror.json").read_text())
    workbooks = [r for r in manifest["responses"] if r["path"].endswith(".ods")]
    assert workbooks and all(r["file"].endswith(".ods") for r in workbooks)
    q4 = next(r for r in workbooks if "quarter-4-2023" in r["path"])
    served = fixtures_mirror.root / "govuk_nrm" / "assets" / q4["path"].rsplit("/", 1)[-1]
    assert (folder / q4["file"]).read_bytes() == served.read_bytes()


def test_recording_the_live_site_keeps_the_workbook_from_the_assets_host(tmp_path):
    from commands.sources import write_fixture
    from scrapers.records import Page

    ods = "application/vnd.oasis.opendocument.spreadsheet"
    url = "https://assets.publishing.service.gov.uk/media/65e1cea32f2b3b001c7cd840/tables.ods"
    pages = [Page(url=url, status=200, body=b"PK\x03\x04 workbook", headers={"content-type": ods}),
             Page(url="https://elsewhere.example/x.ods", status=200, body=b"PK", headers={"content-type": ods})]
    write_fixture(tmp_path, pages, base_url="https://www.gov.uk", name="govuk_nrm", summary="test")
    responses = json.loads((tmp_path / "mirror.json").read_text())["responses"]
    assert [(r["path"], r["content_type"]) for r in responses] == [("/media/65e1cea32f2b3b001c7cd840/tables.ods", ods)]
    assert (tmp_path / responses[0]["file"]).read_bytes() == b"PK\x03\x04 workbook"


def test_check_without_a_network_says_so_plainly_once_each_with_a_summary(fixtures_mirror, env, capfd,
                                                                          monkeypatch):
    """Issue 25: robots.txt that cannot be fetched is not the site refusing msbrief: the line says
    msbrief could not connect, each failure is printed once, and a last line counts the sources OK."""
    from pipeline.sources import SOURCES
    from tests.smtp_server import free_port  # a port nothing listens on

    closed = f"http://127.0.0.1:{free_port()}"
    for spec in SOURCES.values():
        monkeypatch.setenv(spec.env_var, closed)
    env("sentencing_council", fixtures_mirror.url_for("sentencing_council"))
    assert main(["sources", "check"]) == 1
    captured = capfd.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    host = closed.removeprefix("http://")
    for name in SOURCES:
        mine = [line for line in lines if line.startswith(f"{name}:") or f"[{name}]" in line]
        assert len(mine) == 1, (name, mine)
        if name != "sentencing_council":
            assert mine[0].startswith(f"{name}: FAILED could not connect to {host} ("), mine[0]
            assert "RobotsDisallowed" not in mine[0]
    assert lines[-1] == f"1 of {len(SOURCES)} sources OK"
