"""Parliament's Written Questions and Statements API: the parsers on the real 2021 recordings, and the
adapter over the mirror (tests/fixtures/parliament): what it asks for, what it reads by id, and what
a steady run costs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from mirror_fixture import FIXTURES
from source_runs import TOPICS, client, served, validators_from

from scrapers import parliament
from scrapers import parliament_api as api
from scrapers.adapter import Stored
from scrapers.normalise import canonical_url
from scrapers.subjects import on_subject

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "parliament" / "recorded-2021"
REAL = FIXTURES / "parliament"
SINCE = date(2021, 1, 1)
LISTS = len(parliament.SEARCH_TERMS) * (len(parliament.QUESTION_FILTERS) + 1)


def recorded(name: str) -> dict:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


def collect(mirror, *, http=None, stored=None, last_read=None, since=SINCE, backfill=False):  # type: ignore[no-untyped-def]
    base = mirror.url_for("parliament")
    stored = stored or {}
    return parliament.collect(http or client(parliament, base), base_url=base, topics=TOPICS, since=since,
                              is_known=lambda url: canonical_url(url) in stored,
                              stored=lambda url: stored.get(canonical_url(url)), last_read=last_read,
                              backfill=backfill)


def stored_versions(pubs) -> dict[str, Stored]:  # type: ignore[no-untyped-def]
    """What the store would answer for each URL of these publications."""
    return {canonical_url(u): Stored(p.updated, p.change_note) for p in pubs for u in (p.url, *p.alternate_urls)}


def by_id_requests(mirror) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(path for path, _ in served(mirror, "parliament") if "/questions/" in path or "/statements/" in path)


# --- the parsers on real recordings ---------------------------------------------------------------

def test_every_recorded_answer_is_read_with_its_london_date_and_its_state():
    total, values = api.listing(recorded("questions__answered-2021-02-01__bicameral__take1000.json"), url="rec")
    assert total == len(values) == 469
    assert {api.day(v["dateAnswered"]) for v in values} == {date(2021, 2, 1)}
    states = {api.question_state(v) for v in values}
    assert states <= {"holding", "answered", "corrected"} and "holding" in states
    # answered after a holding answer: the holding step stays in the question's life
    after = [v for v in values if v["dateHoldingAnswer"] and not v["answerIsHolding"]]
    assert len(after) == 18
    assert [n.note for n in api.question_notes(after[0])][:2] == ["answered after a holding answer", "holding answer"]


def test_a_date_is_the_london_calendar_day_even_in_summer_time():
    # "2024-07-10T00:00:00" is a London date: read as London midnight it would be 9 July in UTC
    value = {"id": 1, "uin": "1", "dateTabled": "2024-07-10T00:00:00", "dateAnswered": "2024-07-15T00:00:00",
             "heading": "Slavery", "questionText": "To ask about modern slavery.", "answerText": "<p>Yes.</p>"}
    pub = api.question_publication(value, url="x", topics=TOPICS)
    assert pub.published == datetime(2024, 7, 10, tzinfo=UTC)
    assert pub.url.endswith("/written-questions/detail/2024-07-10/1")
    assert pub.change_history[0].at == datetime(2024, 7, 15, tzinfo=UTC)


def test_the_subject_filter_reads_what_the_text_says_not_the_heading_or_department():
    _, values = api.listing(recorded("questions__answered-2021-02-01__bicameral__take1000.json"), url="rec")
    by_text = {v["id"] for v in values if on_subject(api.question_words(v))}
    by_heading = {v["id"] for v in values if on_subject(v["heading"] or "")}
    assert by_text == {1280618, 1279913}  # 1279913: "Government Departments: Procurement", a Cabinet Office answer
    assert 1279913 not in by_heading
    assert not on_subject("cocaine trafficking gang jailed") and on_subject("victims of human trafficking")


def test_a_statement_made_in_both_houses_is_one_item():
    _, values = api.listing(recorded("statements__made-2021-02-01__answeringBodies-1-home-office.json"), url="rec")
    (group,) = api.same_statements(values)
    assert [v["uin"] for v in group] == ["HCWS751", "HLWS745"]  # the Commons one first
    pub = api.statement_publication(group, group[0], url="rec", topics=TOPICS)
    assert pub.url.endswith("/written-statements/detail/2021-02-01/HCWS751")
    assert pub.alternate_urls == ("https://questions-statements.parliament.uk/written-statements/detail/2021-02-01/HLWS745",)
    assert pub.parliament is not None and pub.parliament.house == "Commons and Lords"
    assert pub.parliament.uin == "HCWS751, HLWS745"
    _, all_ten = api.listing(recorded("statements__made-2021-02-01__bicameral.json"), url="rec")
    assert len(api.same_statements(all_ten)) == 5  # ten statements, five made in both Houses


@pytest.mark.parametrize(("stage", "state", "notes"), [
    ("tabled", "tabled", ["tabled"]),
    ("holding", "holding", ["holding answer", "tabled"]),
    ("answered", "answered", ["answered after a holding answer", "holding answer", "tabled"]),
    ("corrected", "corrected", ["answer corrected", "answered after a holding answer", "holding answer", "tabled"]),
])
def test_each_step_of_a_question_is_a_dated_note_in_plain_words(stage, state, notes):
    value = json.loads((REAL / "stages" / f"{stage}.json").read_text(encoding="utf-8"))
    pub = api.question_publication(value, url="x", topics=TOPICS)
    assert pub.parliament is not None and pub.parliament.state == state
    assert [n.note for n in pub.change_history] == notes
    assert pub.title == "Human Trafficking (question 112857)" and pub.external_id == "question-1905117"
    assert pub.updated == pub.change_history[0].at
    figures = {(f.metric, f.period): f.value for f in pub.parliament.figures}
    assert figures == {"answered": {("total_referrals", "2021-year"): 12700},
                       "corrected": {("total_referrals", "2021-year"): 12727}}.get(stage, {})


def test_a_list_view_cuts_texts_so_the_answer_is_read_by_id():
    _, values = api.listing(recorded("questions__answered-2021-02-01__bicameral__take1000.json"), url="rec")
    procurement = next(v for v in values if v["id"] == 1279913)
    assert len(procurement["questionText"]) == 255 and procurement["answerText"].endswith("supply c...")
    whole = api.single(json.loads((REAL / "questions" / "1279913.json").read_text(encoding="utf-8")), url="x")
    pub = api.question_publication(whole, url="x", topics=TOPICS)
    assert pub.parliament is not None and pub.parliament.answer.endswith("government supply chains.")


def test_unreadable_responses_are_a_parse_error_naming_the_url():
    from scrapers.errors import ParseError

    for bad in ([], {"results": "x"}, {"totalResults": -1, "results": []}, {"totalResults": 1, "results": [1]}):
        with pytest.raises(ParseError, match=r"\[parliament\] .*: https://example\.org/list"):
            api.listing(bad, url="https://example.org/list")
    with pytest.raises(ParseError, match="without 'uin'"):
        api.question_publication({"id": 1, "dateTabled": "2021-01-01T00:00:00"}, url="u", topics=TOPICS)


# --- the adapter over the mirror ------------------------------------------------------------------

def test_a_first_run_lists_every_query_and_reads_each_item_on_the_subjects_by_id_once(fixtures_mirror):
    result = collect(fixtures_mirror)
    assert result.strategy == "questions-statements-api" and not result.warnings
    titles = sorted(p.title for p in result.publications)
    assert titles == ["Government Departments: Procurement (question 142876)",
                      "Human Trafficking (question 112857)",
                      "Human Trafficking: British Nationality (question 143840)",
                      "Human Trafficking: Eastern Europe (question 6061)",
                      "Human Trafficking: Eastern Europe (question 6062)",
                      "Modern Slavery: National Referral Mechanism Statistics"]
    lists = [p for p, _ in served(fixtures_mirror, "parliament") if "?searchTerm=" in p]
    assert len(lists) == LISTS
    # every session (the API's default is the current one), from the reading's first day
    assert all("sessionStatus=Any" in p and "WhenFrom=2021-01-01" in p for p in lists)
    # listed by several queries, read by id once; the off-subject "Fraud" answer (1282634) never
    assert by_id_requests(fixtures_mirror) == sorted(
        [f"/api/writtenquestions/questions/{n}?expandMember=true&sessionStatus=Any"
         for n in (1279913, 1280618, 1652210, 1652211, 1905117)]
        + ["/api/writtenstatements/statements/1436120?expandMember=true&sessionStatus=Any"])


def test_a_steady_run_costs_its_conditional_list_requests_and_reads_nothing_by_id(fixtures_mirror):
    first = client(parliament, fixtures_mirror.url_for("parliament"))
    collect(fixtures_mirror, http=first)
    stored = stored_versions(collect(fixtures_mirror).publications)
    fixtures_mirror.clear_log()
    again = client(parliament, fixtures_mirror.url_for("parliament"), validators=validators_from(first))
    result = collect(fixtures_mirror, http=again, stored=stored)
    assert result.publications == []
    asked = [(path, status) for path, status in served(fixtures_mirror, "parliament") if path != "/robots.txt"]
    assert len(asked) == LISTS and {status for _, status in asked} == {304}
    assert by_id_requests(fixtures_mirror) == []


def test_a_changed_list_reads_by_id_only_the_question_that_moved(fixtures_mirror):
    stored = stored_versions(collect(fixtures_mirror).publications)
    answered = json.loads((REAL / "stages" / "answered.json").read_text(encoding="utf-8"))
    # the store has the question as first answered; the API now lists it corrected (a new list page)
    stored[canonical_url(api.question_url(answered))] = api.question_version(answered)
    fixtures_mirror.clear_log()
    result = collect(fixtures_mirror, stored=stored)
    assert [p.title for p in result.publications] == ["Human Trafficking (question 112857)"]
    assert by_id_requests(fixtures_mirror) == ["/api/writtenquestions/questions/1905117?expandMember=true&sessionStatus=Any"]


def test_the_last_reading_moves_the_first_day_back_but_never_forward():
    assert parliament.reading_from(date(2026, 12, 6)) == date(2026, 10, 26)  # a Sunday: Monday 30 Nov, 5 weeks back
    assert parliament.reading_from(date(2026, 12, 7), window_weeks=0) == date(2026, 11, 30)


def test_an_outage_longer_than_the_window_reads_from_the_day_before_the_last_reading(fixtures_mirror):
    fixtures_mirror.put_response("/parliament" + parliament.list_path(api.QUESTIONS, "slavery", "tabledWhenFrom",
                                                                       date(2020, 12, 31), 0),
                                 json.dumps({"totalResults": 0, "results": []}), content_type="application/json")
    with pytest.raises(Exception, match="404"):  # every other query of that day is not recorded: the point is the date
        collect(fixtures_mirror, last_read=datetime(2021, 1, 1, 12, tzinfo=UTC))
    asked = [p for p, _ in served(fixtures_mirror, "parliament") if "?searchTerm=" in p]
    assert asked[0].count("WhenFrom=2020-12-31") == 1


def test_a_holding_answer_and_the_answer_on_the_same_day_are_two_versions():
    # real: question 1281... was given a holding answer and answered on 1 February 2021 (answered-2021-02-01)
    _, values = api.listing(recorded("questions__answered-2021-02-01__bicameral__take1000.json"), url="rec")
    answered = next(v for v in values if v["dateHoldingAnswer"] == v["dateAnswered"] and not v["answerIsHolding"])
    holding = {**answered, "answerIsHolding": True}
    assert api.question_version(holding).updated == api.question_version(answered).updated
    assert api.question_version(holding) != api.question_version(answered)  # so the answer is read by id
    assert api.question_version(answered).change_note == "answered after a holding answer"


def test_held_out_recordings_read_without_error_and_the_filter_keeps_nothing_off_the_subject():
    """Not used while writing the adapter: the 520 questions tabled on 1 February 2021 and the ten
    statements made that day. Every item reads (state, steps, version); none is on the subject
    (the one that says "exploit" is about scammers)."""
    _, questions = api.listing(recorded("questions__tabled-2021-02-01__bicameral__take1000.json"), url="rec")
    assert len(questions) == 520
    states = {api.question_state(v) for v in questions}
    assert states == {"tabled", "holding", "answered", "corrected"}
    assert all(api.question_notes(v)[-1].note == "tabled" and api.question_version(v).updated for v in questions)
    assert [v["id"] for v in questions if on_subject(api.question_words(v))] == []
    _, statements = api.listing(recorded("statements__made-2021-02-01__bicameral.json"), url="rec")
    assert [g[0]["house"] for g in api.same_statements(statements)] == ["Commons"] * 5
    assert not any(on_subject(api.statement_words(v)) for v in statements)
