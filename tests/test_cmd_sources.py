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
    assert "1 undated" in out  # the partnership bulletin


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
    assert "iasc: ok, strategy listing-html, 7 items, newest 2019-07-17" in capsys.readouterr().out
