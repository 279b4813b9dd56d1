"""The govuk_nrm adapter over real HTTP: the mirror (mirror/server.py) serving tests/fixtures/govuk_nrm.

No mocks: the adapter talks to scrapers.http.HttpClient, which talks to the mirror on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mirror_fixture import start_mirror
from source_runs import client as adapter_client

from scrapers import govuk
from scrapers.errors import FetchError, ParseError
from scrapers.http import HttpClient
from scrapers.normalise import canonical_url, load_topics
from scrapers.records import FetchRecord, SourceResult

FOLDER = Path(__file__).parent / "fixtures" / "govuk_nrm"
BULLETIN_PERIODS = {"2021-year", "2022-Q2", "2022-Q3", "2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3"}
PAGE_ONLY_PERIODS = {"2019-Q2", "2020-Q3", "2020-Q4", "2023-Q4", "2024-Q2"}  # 2023-Q4: data tables, no bulletin


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with start_mirror(FOLDER.parent) as mirror:
        yield mirror


def client_for(server, validators: dict[str, tuple[str | None, str | None]] | None = None) -> HttpClient:  # type: ignore
    return adapter_client(govuk, server.url_for("govuk_nrm"), validators)


def run(server, *, client: HttpClient | None = None, known=lambda url: False, backfill=False) -> tuple[SourceResult, HttpClient]:
    client = client or client_for(server)
    result = govuk.collect(client, base_url=server.url_for("govuk_nrm"), is_known=known,
                           topics=load_topics(), backfill=backfill)
    return result, client


@pytest.fixture(scope="module")
def first(server) -> tuple[SourceResult, HttpClient]:
    return run(server)


def by_period(result: SourceResult) -> dict:
    return {r.period: r for r in result.releases}


def test_discovery_finds_every_release_across_title_changes(first) -> None:
    result, _ = first
    assert result.strategy == "govuk-search+content-api"
    assert set(by_period(result)) == BULLETIN_PERIODS | PAGE_ONLY_PERIODS
    titles = {r.period: r.title for r in result.releases}
    assert titles["2019-Q2"] == "National Referral Mechanism statistics quarter 2 2019: April to June"
    assert titles["2024-Q2"] == "Modern slavery: NRM and DtN statistics, April to June 2024"
    assert "2021-year" in titles  # the end of year summary
    assert not [p for p in result.publications if "Immigration system" in p.title]
    assert all(int(p[:4]) >= 2019 for p in titles)


def test_publications_carry_ids_dates_attachments_and_url_variants(first) -> None:
    result, _ = first
    pubs = {canonical_url(p.url): p for p in result.publications}
    assert len(pubs) == len(result.releases) == 12
    for pub in result.publications:
        assert pub.kind == "statistics" and pub.source == "govuk_nrm"
        assert pub.external_id and pub.published and pub.published.tzinfo == UTC
        assert pub.url.startswith("https://www.gov.uk/government/statistics/")
        assert "modern slavery" in pub.topics
    q3 = next(p for p in result.publications if "July to September" in p.title and "2023" in p.url)
    ods = [a for a in q3.attachments if a.content_type == "application/vnd.oasis.opendocument.spreadsheet"]
    assert ods and ods[0].size and ods[0].size > 0 and ods[0].url.startswith("https://assets.publishing.service.gov.uk/media/")
    assert ods[0].filename == "national-referral-mechanism-statistics-uk-quarter-3-2023-jul-to-sep-tables.ods"
    html = [a for a in q3.attachments if a.content_type == "text/html"]
    assert html and html[0].url.endswith("/e12de97e-fe4a-45dc-a8bb-5c6ee44442dc")
    assert html[0].url in q3.alternate_urls  # the content-id URL leads to this publication too


def test_content_id_bulletin_is_read(first) -> None:
    q3 = by_period(first[0])["2023-Q3"]
    assert q3.bulletin_url.endswith("/e12de97e-fe4a-45dc-a8bb-5c6ee44442dc")
    assert {f.metric: f.value for f in q3.figures}["total_referrals"] == 4138


def test_figures_arrive_with_evidence_and_periods(first) -> None:
    releases = by_period(first[0])
    for period in BULLETIN_PERIODS:
        figures = releases[period].figures
        assert figures, period
        assert all(f.evidence for f in figures)
        total = next(f for f in figures if f.metric == "total_referrals")
        assert total.period == period and total.evidence.replace(",", "").find(str(total.value)) >= 0
    q2 = {(f.metric, f.period): f.value for f in releases["2023-Q2"].figures}
    assert q2[("previous_period_referrals", "2023-Q1")] == 4739
    assert q2[("same_period_last_year_referrals", "2022-Q2")] == 4161
    assert [w for w in releases["2023-Q2"].warnings if "'in from'" in w]


def test_release_pages_without_a_bulletin_are_kept_with_a_warning(first) -> None:
    releases = by_period(first[0])
    for period in PAGE_ONLY_PERIODS:
        assert releases[period].figures == () and releases[period].bulletin_url is None
        assert any("no HTML bulletin" in w for w in releases[period].warnings)


def test_second_edition_carries_its_change_notes(first) -> None:
    result, _ = first
    q3_2020 = by_period(result)["2020-Q3"]
    assert q3_2020.title.endswith("second edition")
    assert q3_2020.updated > q3_2020.published
    assert q3_2020.change_notes[0] == ("2020-11-05T09:30:00+00:00", "First published.")
    assert q3_2020.change_notes[-1][0] == "2021-03-18T09:30:00+00:00"
    assert q3_2020.change_notes[-1][1].startswith("An error in the data cleansing process")
    pub = next(p for p in result.publications if p.title == q3_2020.title)
    assert pub.change_note.startswith("An error in the data cleansing process")


def test_announcements_with_states_and_utc_times(first) -> None:
    anns = {a.period: a for a in first[0].announcements}
    assert set(anns) == {"2019-Q2", "2020-Q3", "2020-year", "2025-Q1", "2026-Q3", "2026-year", "2026-Q1"}
    # 9:30am London: BST in summer (08:30 UTC), GMT in winter (09:30 UTC)
    assert anns["2019-Q2"].release_at == datetime(2019, 8, 29, 8, 30, tzinfo=UTC)
    assert anns["2020-year"].release_at == datetime(2021, 3, 18, 9, 30, tzinfo=UTC)
    assert anns["2025-Q1"].release_at == datetime(2025, 5, 8, 8, 30, tzinfo=UTC)
    upcoming = anns["2026-Q3"]
    assert upcoming.state == "confirmed" and upcoming.release_at == datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    assert upcoming.previous_dates == ("5 November 2026 9:30am",)
    assert anns["2026-year"].state == "provisional" and anns["2026-year"].release_at is None
    assert anns["2026-year"].release_date_text == "March 2027 (provisional)"
    assert anns["2026-Q1"].state == "cancelled" and "April to June 2026" in anns["2026-Q1"].cancellation_reason
    assert all(a.url.startswith("https://www.gov.uk/government/statistics/announcements/") for a in anns.values())


def test_search_is_paginated(first) -> None:
    _, client = first
    searched = [r.url for r in client.log if "/api/search.json" in r.url]
    assert any("start=0" in u for u in searched) and any(f"start={govuk.PAGE_SIZE}" in u for u in searched)


def validators_of(log: list[FetchRecord]) -> dict[str, tuple[str | None, str | None]]:
    return {r.url: (r.etag, r.last_modified) for r in log if r.etag or r.last_modified}


def test_second_run_is_all_304_and_parses_nothing(server, first) -> None:
    _, client = first
    again, second = run(server, client=client_for(server, validators_of(client.log)))
    assert again.publications == [] and again.releases == [] and again.announcements == []
    api = [r for r in second.log if "/api/" in r.url]
    assert api and all(r.status == 304 and r.not_modified for r in api), [(r.url, r.status) for r in api]
    assert second.stats.not_modified == len(api)
    # the release search stopped at its first (unchanged) page
    assert not [r for r in second.log if f"start={govuk.PAGE_SIZE}" in r.url]


def test_changed_release_page_rereads_its_unchanged_bulletin(server, first) -> None:
    _, client = first
    validators = validators_of(client.log)
    page = [u for u in validators if u.endswith("july-to-september-2023")]
    assert page
    del validators[page[0]]  # as if the release page had changed since the last run,
    for url in [u for u in validators if "/api/search.json" in u and "start=0" in u]:
        del validators[url]  # and so the search results listing it
    again, second = run(server, client=client_for(server, validators))
    assert [r.period for r in again.releases] == ["2023-Q3"]
    assert again.releases[0].figures  # the bulletin was fetched again without validators


def test_incremental_run_stops_at_a_page_of_known_releases(server, first) -> None:
    known = {canonical_url(p.url) for p in first[0].publications}
    result, client = run(server, known=lambda url: canonical_url(url) in known)
    assert not [r for r in client.log if f"start={govuk.PAGE_SIZE}" in r.url]
    assert len(result.releases) == govuk.PAGE_SIZE - 1  # page 1 minus the non-NRM result
    backfilled, client = run(server, known=lambda url: canonical_url(url) in known, backfill=True)
    assert len(backfilled.releases) == 12


def test_release_time_parses_display_dates() -> None:
    assert govuk.release_time("8 May 2025 9:30am") == datetime(2025, 5, 8, 8, 30, tzinfo=UTC)
    assert govuk.release_time("11 January 2018 12:00pm") == datetime(2018, 1, 11, 12, 0, tzinfo=UTC)
    assert govuk.release_time("January 2016") is None
    assert govuk.release_time("31 February 2026 9:30am") is None


def test_a_search_without_nrm_releases_is_a_parse_error(tmp_path) -> None:
    folder = tmp_path / "govuk_nrm"
    (folder / "search").mkdir(parents=True)
    page = json.loads((FOLDER / "search" / "releases-1.json").read_text(encoding="utf-8"))
    page["results"] = [r for r in page["results"] if "Immigration" in r["title"]]
    page["total"] = len(page["results"])
    (folder / "search" / "p.json").write_text(json.dumps(page), encoding="utf-8")
    (folder / "mirror.json").write_text(json.dumps({"responses": [
        {"path": govuk.release_search_path(0), "file": "search/p.json"}]}), encoding="utf-8")
    with start_mirror(tmp_path) as mirror, pytest.raises(ParseError, match="no NRM statistics release") as info:
        run(mirror)
    assert info.value.source == "govuk_nrm"


def test_an_empty_search_is_a_parse_error(tmp_path) -> None:
    folder = tmp_path / "govuk_nrm"
    folder.mkdir()
    (folder / "empty.json").write_text(json.dumps({"results": [], "total": 0, "start": 0}), encoding="utf-8")
    (folder / "mirror.json").write_text(json.dumps({"responses": [
        {"path": govuk.release_search_path(0), "file": "empty.json"}]}), encoding="utf-8")
    with start_mirror(tmp_path) as mirror, pytest.raises(ParseError, match="no NRM statistics release"):
        run(mirror)


def test_an_unreachable_search_is_a_fetch_error(tmp_path) -> None:
    folder = tmp_path / "govuk_nrm"
    folder.mkdir()
    (folder / "mirror.json").write_text(json.dumps({"responses": []}), encoding="utf-8")
    with start_mirror(tmp_path) as mirror, pytest.raises(FetchError):
        run(mirror)
