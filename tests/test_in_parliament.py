"""Parliament end to end, on SQLite and PostgreSQL: one question through its life (tabled, holding
answer, answered, corrected) is one stored item whose steps are amendments, and the briefing's
"In Parliament" shows it as one entry; an answer quoting an NRM figure the official statistics state
otherwise says so; the feeds and the page carry the Open Parliament Licence attribution."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from mirror_fixture import FIXTURES, start_mirror
from reliability import cycle, settings_for
from sqlalchemy import func, select

from feeds.briefing import render_briefing
from feeds.build import build_site
from pipeline.briefing import read_week
from pipeline.site import load_site_data
from scrapers import parliament
from scrapers import parliament_api as api
from store import models as m
from store.db import session_factory
from vocabulary.calendar import LONDON
from vocabulary.weeks import format_week

STAGES = ("tabled", "holding", "answered", "corrected")
FIELDS = ("dateTabled", "dateHoldingAnswer", "dateAnswered", "dateAnswerCorrected", "dateForAnswer")
QUESTION = 1905117
KEY = f"parliament:question-{QUESTION}"


def _builder() -> Any:
    spec = importlib.util.spec_from_file_location("parliament_fixtures", FIXTURES / "parliament" / "build_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _builder()


def this_week() -> tuple[str, date]:
    today = datetime.now(LONDON).date()
    return format_week(today), today - timedelta(days=today.weekday())


def stage(name: str, monday: date) -> dict[str, Any]:
    """The question at one step of its life, its steps moved into this week (tabled the Friday before)."""
    value = json.loads((FIXTURES / "parliament" / "stages" / f"{name}.json").read_text(encoding="utf-8"))
    moved = {"2026-02-02": monday - timedelta(days=3), "2026-02-05": monday, "2026-02-10": monday + timedelta(days=1),
             "2026-02-17": monday + timedelta(days=2)}
    for field in FIELDS:
        if value.get(field):
            value[field] = f"{moved.get(value[field][:10], monday).isoformat()}T00:00:00"
    return value


def serve_stage(mirror, value: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The recorded lists with the question as `value` says (in the lists whose date filter it meets),
    and the question read by id."""
    since = BUILD.SINCE
    for term in parliament.SEARCH_TERMS:
        for date_filter, field in zip(parliament.QUESTION_FILTERS, ("dateTabled", "dateAnswered", "dateAnswerCorrected"), strict=True):
            path = parliament.list_path(api.QUESTIONS, term, date_filter, since, 0)
            recorded = json.loads(next(
                (FIXTURES / "parliament" / e["file"]).read_text(encoding="utf-8")
                for e in json.loads((FIXTURES / "parliament" / "mirror.json").read_text())["responses"]
                if e["path"] == path))
            results = [r for r in recorded["results"] if r["value"]["id"] != QUESTION]
            if value.get(field) and BUILD.matches(value, term):
                results.insert(0, {"value": BUILD.listed(value), "links": []})
            mirror.put_response("/parliament" + path, json.dumps({"totalResults": len(results), "results": results}),
                                content_type="application/json")
    mirror.put_response("/parliament" + api.question_item_path(QUESTION), json.dumps({"value": value, "links": []}),
                        content_type="application/json")


def rows(engine) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """(stored rows of the question, its amendments' notes in order)."""
    with session_factory(engine)() as s:
        count = s.execute(select(func.count()).select_from(m.Publication).where(m.Publication.key == KEY)).scalar_one()
        notes = s.execute(select(m.Amendment.note).join(m.Publication).where(m.Publication.key == KEY)
                          .order_by(m.Amendment.at, m.Amendment.id)).scalars().all()
    return count, list(notes)


def briefing_text(engine, settings, week: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    rendered = render_briefing(read_week(engine, week, settings=settings), week=week, unsubscribe=None, chart=False)
    return rendered.text, rendered.html


def section(text: str) -> str:
    return text.split("IN PARLIAMENT", 1)[1].split("GUIDANCE AND POLICY CHANGES", 1)[0]


def test_one_question_through_its_life_is_one_item_and_one_entry_in_the_briefing(engine, db_url, tmp_path):
    week, monday = this_week()
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var")
        reports = cycle(settings, engine, ["govuk_nrm"])  # the official figures the answer is compared with
        assert reports["govuk_nrm"].status == "ok"
        seen = []
        for name in STAGES:
            serve_stage(mirror, stage(name, monday))
            report = cycle(settings, engine, ["parliament"])["parliament"]
            assert report.status == "ok", report.error
            count, notes = rows(engine)
            assert count == 1, f"{name}: {count} rows for one question"
            seen.append((name, report.new, report.amended, notes))
            text, html = briefing_text(engine, settings, week)
            part = section(text)
            if name == "tabled":
                assert "Human Trafficking (question 112857)" not in part  # tabled, not answered: not listed
            else:
                assert part.count("Human Trafficking (question 112857)") == 1, part
            if name == "holding":
                assert "HOLDING ANSWER:" in part and "HOLDING ANSWER</span>" in html
            if name == "answered":
                assert ("Check: the answer says 12,700 referrals in 2021; the official figure is 12,727."
                        in " ".join(part.split())), part
                assert "HOLDING ANSWER" not in part
            if name == "corrected":
                assert "Check:" not in part, part
        # first sight: new with the recorded items (its history stored, not amendments); then one amendment per step
        assert [(n, new, amended) for n, new, amended, _ in seen] == [
            ("tabled", 6, 0), ("holding", 0, 1), ("answered", 0, 1), ("corrected", 0, 1)]
        assert seen[-1][3] == ["tabled", "holding answer", "answered after a holding answer", "answer corrected"]
        life = " ".join(section(text).split())
        when = [f"{d.day} {d:%B %Y}" for d in (monday - timedelta(days=3), monday, monday + timedelta(days=1),
                                                   monday + timedelta(days=2))]
        assert (f"tabled on {when[0]}; holding answer on {when[1]}; answered on {when[2]} after a holding answer; "
                f"answer corrected on {when[3]}") in life, life
        assert "Answer: \u201cThe Home Office does not have an up-to-date estimate" in life


def test_questions_answered_together_are_one_entry_and_a_statement_quoting_a_figure_is_checked(engine, db_url,
                                                                                                 tmp_path):
    week, _ = this_week()
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var", briefing_window_weeks=600)  # the 2022-23 items count
        reports = cycle(settings, engine, ["govuk_nrm", "parliament"])
        assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}
        text, html = briefing_text(engine, settings, week)
    part = " ".join(section(text).split())
    assert part.count("Human Trafficking: Eastern Europe") == 2 and part.count("(answered together)") == 1
    assert part.count("We do not routinely collect the required data") == 1  # the shared answer, once
    assert part.count("Modern Slavery: National Referral Mechanism Statistics") == 1  # both Houses: one statement
    assert "Check: the statement says 12,700 referrals in 2021; the official figure is 12,727." in part
    assert "Contains Parliamentary information licensed under the Open Parliament Licence v3.0." in part
    # both linked: the statement's page and the bulletin stating the official figure
    assert re.search(r'href="https://questions-statements\.parliament\.uk/written-statements/detail/2022-03-03/HCWS650"'
                     r'[^>]*>The statement</a>', html)
    assert "end-of-year-summary-2021" in html.split("the official figure is 12,727", 1)[1].split("</span>", 1)[0]
    # the publications section does not list them again
    assert "Human Trafficking: Eastern Europe" not in text.split("NEW AND AMENDED PUBLICATIONS", 1)[1]


def test_the_feeds_and_the_page_carry_the_open_parliament_licence(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var")
        assert cycle(settings, engine, ["parliament", "nca"])["parliament"].status == "ok"
    files = build_site(load_site_data(engine, settings), site_url="https://msbrief.example.org/", max_entries=50)
    attribution = api.ATTRIBUTION
    for name in ("feeds/source-parliament.rss.xml", "feeds/all.rss.xml", "feeds/topic-modern-slavery.rss.xml"):
        assert f"<copyright>{attribution}</copyright>" in files[name].decode(), name
    assert f"<rights>{attribution}</rights>" in files["feeds/source-parliament.atom.xml"].decode()
    assert attribution not in files["feeds/source-nca.rss.xml"].decode()  # only where Parliament's items are
    assert attribution in files["index.html"].decode()
