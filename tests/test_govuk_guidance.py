"""The govuk_guidance adapter: parsing real GOV.UK Content API examples, and whole runs over real
HTTP against the mirror serving tests/fixtures/govuk_guidance (no mocks: the adapter talks to
scrapers.http.HttpClient, which talks to the mirror on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import source_runs
from mirror_fixture import start_mirror

from scrapers import govuk_guidance as guidance
from scrapers.errors import ParseError
from scrapers.govuk_api import MAX_PAGES as PAGES_GUARD
from scrapers.govuk_api import content_path, redirect_destination
from scrapers.http import HttpClient
from scrapers.normalise import canonical_url
from scrapers.records import Page, SourceResult

FOLDER = Path(__file__).parent / "fixtures" / "govuk_guidance"
TOPICS = source_runs.TOPICS
STATUTORY = "https://www.gov.uk/government/publications/modern-slavery-how-to-identify-and-support-victims"
FORMS = "https://www.gov.uk/government/publications/human-trafficking-victims-referral-and-assessment-forms"
CONSULTATION = "https://www.gov.uk/government/consultations/transparency-in-supply-chains"
GLA = "https://www.gov.uk/gangmasters-licensing-authority"
OLD_DTN = "/government/publications/duty-to-notify-the-home-office-of-potential-victims-of-modern-slavery"
OLD_CHILD = "/government/publications/national-referral-mechanism-guidance-for-child-first-responders"
OFF_TOPIC = ("/government/publications/schemes-for-financing-schools", "/government/publications/a-guide-for-pig-keepers",
             "/guidance/salary-sacrifice-and-the-effects-on-paye")
DOCUMENTS = 14  # every document the fixture's searches and watch list lead to


# --- parsing real GOV.UK documents ------------------------------------------------------------


def example(name: str) -> tuple[dict, Page]:
    body = (FOLDER / "examples" / name).read_bytes()
    return json.loads(body), Page(url=f"https://example.org/api/content/{name}", status=200, body=body)


def parse(name: str):  # type: ignore[no-untyped-def]
    doc, page = example(name)
    return guidance.publication(doc, page, topics=TOPICS)


def test_a_withdrawn_document_says_when_and_why() -> None:
    pub = parse("withdrawn_publication.json")
    assert pub.withdrawn_at == datetime(2015, 1, 13, 13, 5, 30, tzinfo=UTC)
    assert pub.withdrawn_note == ("This information is now out of date. For our current guidance please read "
                                  "guidance for keepers of sheep, goats and pigs.")
    live = parse("best-practice-statutory-guidance.json")  # withdrawn_notice: {}
    assert live.withdrawn_at is None and live.withdrawn_note is None


def test_history_mode_is_said_in_govuks_words_only_for_political_content_of_a_past_government() -> None:
    assert parse("political_publication.json").context_note == (
        "This was published under the 2010 to 2015 Conservative and Liberal Democrat coalition government")
    assert parse("political_detailed_guide.json").context_note.startswith("This was published under the 2010 to 2015")
    # a past government but not political content: no banner on GOV.UK, none here
    assert parse("best-practice-statutory-guidance.json").context_note is None
    assert parse("open_consultation.json").context_note is None  # political, but its government is current


def test_change_history_is_newest_first_in_utc_with_the_notes_own_words() -> None:
    pub = parse("best-practice-statutory-guidance.json")
    doc, _ = example("best-practice-statutory-guidance.json")
    assert [n.note for n in pub.change_history] == [e["note"] for e in doc["details"]["change_history"]]
    assert all(n.at.tzinfo == UTC for n in pub.change_history)
    assert [n.at for n in pub.change_history] == sorted((n.at for n in pub.change_history), reverse=True)
    assert pub.change_history[1].at == datetime(2015, 8, 19, 8, 30, 3, tzinfo=UTC)  # 09:30:03+01:00
    assert pub.change_note == pub.change_history[0].note
    assert pub.kind == "guideline" and pub.document_type == "statutory_guidance"
    assert pub.updated == pub.change_history[0].at


def test_consultations_carry_their_status_and_closing_date() -> None:
    opened, outcome = parse("open_consultation.json"), parse("consultation_outcome.json")
    assert opened.kind == outcome.kind == "consultation"
    assert (opened.document_type, outcome.document_type) == ("open_consultation", "consultation_outcome")
    closed, _ = example("consultation_outcome.json")
    assert outcome.closes_at == datetime.fromisoformat(closed["details"]["closing_date"]).astimezone(UTC)
    # the example's placeholder closing date (2216) is outside the years msbrief accepts: no date, not a wrong one
    assert example("open_consultation.json")[0]["details"]["closing_date"].startswith("2216")
    assert opened.closes_at is None
    withdrawn = parse("consultation_withdrawn.json")
    assert withdrawn.withdrawn_at is not None and "superseded" in withdrawn.withdrawn_note


def test_a_redirect_item_leads_to_its_destination_path() -> None:
    doc, _ = example("redirect.json")
    assert redirect_destination(doc) == "/maritime-safety-weather-and-navigation/register-406-mhz-beacons"
    assert redirect_destination(example("withdrawn_publication.json")[0]) is None


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.pop("title"), "without 'title'"),
    (lambda d: d.pop("base_path"), "without 'base_path'"),
    (lambda d: d["details"].update(change_history="First published."), "change_history is a str"),
    (lambda d: [d.pop(k) for k in ("first_published_at", "public_updated_at")] and d["details"].update(
        change_history=[], first_public_at=None), "without a publication date"),
])
def test_a_broken_document_is_a_parse_error_naming_source_url_and_what_was_missing(change, expected) -> None:
    doc, page = example("best-practice-statutory-guidance.json")
    change(doc)
    with pytest.raises(ParseError, match=expected) as info:
        guidance.publication(doc, page, topics=TOPICS)
    assert info.value.source == "govuk_guidance" and info.value.url == page.url
    assert info.value.expected and "govuk_guidance" in str(info.value) and page.url in str(info.value)


# --- runs over the mirror ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with start_mirror(FOLDER.parent) as mirror:
        yield mirror


def client_for(server, validators: dict[str, tuple[str | None, str | None]] | None = None) -> HttpClient:  # type: ignore[no-untyped-def]
    return source_runs.client(guidance, server.url_for("govuk_guidance"), validators)


def run(server, *, client: HttpClient | None = None, known=lambda url: False, backfill=False, watch=None
        ) -> tuple[SourceResult, HttpClient]:  # type: ignore[no-untyped-def]
    client = client or client_for(server)
    try:
        result = guidance.collect(client, base_url=server.url_for("govuk_guidance"), is_known=known, topics=TOPICS,
                                  backfill=backfill, watch=watch)
    finally:
        client.close()  # its log stays readable
    return result, client


def by_url(result: SourceResult) -> dict:
    return {p.url: p for p in result.publications}


def mirror_path(server, path: str) -> str:  # type: ignore[no-untyped-def]
    """The mirror's request path of a GOV.UK path (for runtime responses)."""
    return "/govuk_guidance" + path


def recorded_results(search: guidance.Search) -> list[dict]:
    """Every result the recorded pages of `search` list, in order."""
    manifest = {r["path"]: r["file"] for r in json.loads((FOLDER / "mirror.json").read_text(encoding="utf-8"))["responses"]}
    found, start = [], 0
    while search.path(start) in manifest:
        found += json.loads((FOLDER / manifest[search.path(start)]).read_text(encoding="utf-8"))["results"]
        start += guidance.PAGE_SIZE
    return found


def serve_searches(server, change) -> None:  # type: ignore[no-untyped-def]
    """Serve every search with `change(results)` applied to its recorded results, newest first, paginated."""
    for search in guidance.SEARCHES:
        results = sorted(change(recorded_results(search)), reverse=True,
                         key=lambda r: datetime.fromisoformat(r["public_timestamp"].replace("Z", "+00:00")))
        for start in range(0, max(len(results), 1), guidance.PAGE_SIZE):
            page = {"results": results[start:start + guidance.PAGE_SIZE], "total": len(results), "start": start}
            server.put_response(mirror_path(server, search.path(start)), json.dumps(page).encode(),
                                content_type="application/json")


@pytest.fixture(scope="module")
def first(server) -> tuple[SourceResult, HttpClient]:
    return run(server)


def test_discovery_reads_every_document_on_the_subject_and_nothing_else(first) -> None:
    result, client = first
    assert result.strategy == "govuk-search+content-api" and result.warnings == []
    assert len(result.publications) == DOCUMENTS == len({p.external_id for p in result.publications})
    requested = [r.url for r in client.log]
    assert not [u for u in requested if any(u.endswith(p) for p in OFF_TOPIC)], "off-topic results were fetched"
    docs = by_url(result)
    assert {p.kind for p in result.publications} == {"guideline", "consultation", "report", "corporate", "letter", "other"}
    assert docs[STATUTORY].document_type == "statutory_guidance" and docs[STATUTORY].organisations == ("Home Office",)
    assert docs["https://www.gov.uk/government/publications/independent-anti-slavery-commissioner-strategic-plan-2015-to-2017"
                ].organisations == ("Independent Anti-Slavery Commissioner",)
    assert all(p.source == "govuk_guidance" and p.published and p.published.tzinfo == UTC
               for p in result.publications)
    assert "modern slavery" in docs[STATUTORY].topics and "labour exploitation" in docs[GLA].topics


def test_the_statutory_guidance_arrives_with_its_dated_change_notes(first) -> None:
    pub = by_url(first[0])[STATUTORY]
    assert len(pub.change_history) == 10  # nine updates July 2023 - January 2025, and "First published."
    newest = pub.change_history[0]
    assert newest.at == datetime(2025, 1, 16, 10, 0, tzinfo=UTC)
    assert newest.note.startswith("Update to reconsideration timeline required to provide operational clarity")
    notes = {n.at.date().isoformat(): n.note for n in pub.change_history}
    assert notes["2024-10-08"] == "Updated information about prioritisation of cases."
    assert notes["2024-02-22"] == "Added prioritisation criteria for Conclusive Grounds cases."
    assert notes["2024-05-31"].endswith("(paragraphs 2.26 to 2.36).")
    assert notes["2020-03-24"] == "First published." and pub.published == pub.change_history[-1].at
    assert pub.change_note == newest.note and pub.updated == newest.at
    assert pub.attachments and pub.attachments[0].title.startswith("Modern Slavery: statutory guidance for England")


def test_history_mode_withdrawal_and_consultation_dates_come_through(first) -> None:
    docs = by_url(first[0])
    assert docs[CONSULTATION].context_note == "This was published under the 2016 to 2019 May Conservative government"
    assert docs[CONSULTATION].document_type == "consultation_outcome"
    assert docs[CONSULTATION].closes_at == datetime(2019, 9, 17, 9, 0, tzinfo=UTC)
    assert docs[STATUTORY].context_note is None  # a past government, but not political content
    gla = docs[GLA]
    assert gla.withdrawn_at == datetime(2017, 5, 2, 9, 0, tzinfo=UTC)
    assert gla.withdrawn_note == ("The Gangmasters Licensing Authority is now the Gangmasters and Labour Abuse "
                                  "Authority.")
    assert [p.url for p in first[0].publications if p.withdrawn_at] == [GLA]


def test_every_search_url_fits_the_stores_url_columns() -> None:
    from store import models as m
    longest = max(len(guidance.CANONICAL_BASE + s.path(PAGES_GUARD * guidance.PAGE_SIZE)) for s in guidance.SEARCHES)
    assert longest <= m.FetchState.__table__.c.url.type.length, longest


def test_searches_are_paginated_newest_first(first) -> None:
    searched = [r.url for r in first[1].log if "/api/search.json" in r.url]
    assert all("order=-public_timestamp" in u for u in searched)
    assert any("q=modern+slavery" in u and f"start={guidance.PAGE_SIZE}" in u for u in searched)
    assert len([u for u in searched if "start=0" in u]) == len(guidance.SEARCHES)


def test_second_run_is_all_304_and_reports_nothing(server, first) -> None:
    again, second = run(server, client=client_for(server, source_runs.validators_from(first[1])))
    assert again.publications == [] and again.warnings == []
    api = [r for r in second.log if "/api/" in r.url]
    assert api and all(r.status == 304 for r in api), [(r.url, r.status) for r in api if r.status != 304]
    # each search stopped at its unchanged first page; the watch list was read (304) all the same
    assert not [r for r in api if "start=0" not in r.url and "/api/search.json" in r.url]
    assert {content_path(w) for w in guidance.DEFAULT_WATCH} <= {"/api/content" + r.url.split("/api/content", 1)[1]
                                                                 for r in api if "/api/content" in r.url}


def test_a_new_change_note_on_a_known_document_is_that_document_with_one_more_note(server, first) -> None:
    before = by_url(first[0])[STATUTORY]
    known = {canonical_url(p.url) for p in first[0].publications}
    path = mirror_path(server, content_path(STATUTORY))
    server.put_response(path, (FOLDER / "changes" / "statutory-guidance--2025-05-01.json").read_bytes(),
                        content_type="application/json")
    try:
        again, _ = run(server, client=client_for(server, source_runs.validators_from(first[1])),
                       known=lambda u: canonical_url(u) in known)
    finally:
        server.reset_responses()
    assert [p.url for p in again.publications] == [STATUTORY]  # no second item, nothing else
    after = again.publications[0]
    assert after.external_id == before.external_id
    assert len(after.change_history) == len(before.change_history) + 1
    assert after.change_history[1:] == before.change_history
    new = after.change_history[0]
    assert new.at == datetime(2025, 4, 30, 23, 1, tzinfo=UTC)  # 00:01 BST
    assert new.note == "Updated the guidance. A full list of changes can be found in the document."
    assert after.change_note == new.note
    new_identities = {n.identity for n in after.change_history} - {n.identity for n in before.change_history}
    assert new_identities == {new.identity}


def _serve_open_consultation(server) -> None:  # type: ignore[no-untyped-def]
    """Serve the TISC consultation as it was while open: its document and the searches listing it."""
    opened = json.loads((FOLDER / "changes" / "transparency-in-supply-chains--open.json").read_text(encoding="utf-8"))
    server.put_response(mirror_path(server, content_path(CONSULTATION)), json.dumps(opened).encode(),
                        content_type="application/json")

    def as_open(results: list[dict]) -> list[dict]:
        for r in results:
            if r["link"] == opened["base_path"]:
                r.update(public_timestamp=opened["public_updated_at"])
        return results

    serve_searches(server, as_open)


def test_a_consultation_moving_from_open_to_outcome_is_the_same_document(server) -> None:
    _serve_open_consultation(server)
    try:
        opened_run, client = run(server)
    finally:
        server.reset_responses()
    opened = by_url(opened_run)[CONSULTATION]
    assert (opened.kind, opened.document_type, opened.context_note) == ("consultation", "open_consultation", None)
    assert opened.closes_at == datetime(2019, 9, 17, 9, 0, tzinfo=UTC)

    known = {canonical_url(p.url) for p in opened_run.publications}
    later, _ = run(server, client=client_for(server, source_runs.validators_from(client)),
                   known=lambda u: canonical_url(u) in known)
    assert [p.url for p in later.publications] == [CONSULTATION]
    outcome = later.publications[0]
    assert outcome.external_id == opened.external_id and outcome.kind == "consultation"
    assert outcome.document_type == "consultation_outcome"
    assert outcome.updated > opened.updated
    assert outcome.context_note == "This was published under the 2016 to 2019 May Conservative government"


def test_a_redirected_slug_is_read_as_the_page_it_leads_to(server) -> None:
    watch = (*guidance.DEFAULT_WATCH, OLD_DTN, OLD_CHILD)
    result, client = run(server, watch=watch)
    assert len(result.publications) == DOCUMENTS  # no item for the old slugs
    docs = by_url(result)
    assert "https://www.gov.uk" + OLD_DTN in docs[STATUTORY].alternate_urls  # HTTP 301
    assert "https://www.gov.uk" + OLD_CHILD in docs[FORMS].alternate_urls  # a redirect item
    assert len(result.warnings) == 2 and all("now leads to" in w for w in result.warnings)
    assert any(r.status == 200 and r.url.endswith(OLD_DTN) for r in client.log)  # followed by the client


def test_a_search_that_misses_a_watched_document_still_finds_it(server) -> None:
    missed = "/government/publications/modern-slavery-how-to-identify-and-support-victims"
    serve_searches(server, lambda results: [r for r in results if r["link"] != missed])
    try:
        watched, _ = run(server)
        unwatched, _ = run(server, watch=())
    finally:
        server.reset_responses()
    assert STATUTORY in by_url(watched)
    assert len(by_url(watched)[STATUTORY].change_history) == 10
    assert STATUTORY not in by_url(unwatched)  # so it was the watch list that found it


def test_incremental_run_stops_at_a_page_of_known_unchanged_documents(server, first) -> None:
    known = {canonical_url(p.url) for p in first[0].publications}
    validators = source_runs.validators_from(first[1])
    page_one = next(u for u in validators if "q=modern+slavery" in u and "start=0" in u)
    del validators[page_one]  # as if the first page of the "modern slavery" search had changed

    def second_page_read(**options) -> bool:  # type: ignore[no-untyped-def]
        _, client = run(server, client=client_for(server, dict(validators)), known=lambda u: canonical_url(u) in known,
                        **options)
        return any("q=modern+slavery" in r.url and f"start={guidance.PAGE_SIZE}" in r.url for r in client.log)

    assert not second_page_read()  # page one: every document known and answered 304
    assert second_page_read(backfill=True)
    statutory = next(u for u in validators if u.endswith(content_path(STATUTORY)))
    del validators[statutory]  # a document on page one changed: the next page may hold changes too
    assert second_page_read()


def test_a_gone_page_is_a_warning_and_the_run_goes_on(server) -> None:
    result, _ = run(server, watch=(*guidance.DEFAULT_WATCH, "/government/publications/no-such-page"))
    assert len(result.publications) == DOCUMENTS
    assert result.warnings == ["https://www.gov.uk/government/publications/no-such-page answered HTTP 404: "
                               "GOV.UK no longer has it"]


def test_a_broken_document_fails_the_run_with_source_and_url(server) -> None:
    doc = json.loads((FOLDER / "changes" / "statutory-guidance--2025-05-01.json").read_text(encoding="utf-8"))
    del doc["title"]
    path = mirror_path(server, content_path(STATUTORY))
    server.put_response(path, json.dumps(doc).encode(), content_type="application/json")
    try:
        with pytest.raises(ParseError, match="without 'title'") as info:
            run(server)
    finally:
        server.reset_responses()
    assert info.value.source == "govuk_guidance" and info.value.url.endswith(content_path(STATUTORY))


def test_searches_that_list_nothing_on_the_subject_are_a_parse_error(tmp_path) -> None:
    folder = tmp_path / "govuk_guidance"
    folder.mkdir()
    (folder / "empty.json").write_text(json.dumps({"results": [], "total": 0, "start": 0}), encoding="utf-8")
    (folder / "mirror.json").write_text(json.dumps({"responses": [
        {"path": s.path(0), "file": "empty.json"} for s in guidance.SEARCHES]}), encoding="utf-8")
    with start_mirror(tmp_path) as mirror, pytest.raises(ParseError, match="no modern-slavery guidance") as info:
        run(mirror, watch=())
    assert info.value.source == "govuk_guidance"
