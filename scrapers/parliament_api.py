"""Parliament's Written Questions and Statements API: paths, response shapes, and one item as a Publication.

Pure (no I/O). What the API sends is described in ../shared/data/parliament/PROVENANCE.md and
tests/fixtures/parliament/PROVENANCE.md; what matters here:

- list responses are {"totalResults": N, "results": [{"value": {...}, "links": [...]}]}, an item
  by id is {"value": {...}, "links": [...]} (a statement by id may come in the list shape: both
  are read). `links[].href` is not the item's id: never used.
- dates are "YYYY-MM-DDT00:00:00" with no zone: London calendar dates, kept as dates (00:00 UTC
  of that day, as every undated-time date in msbrief), never read as London midnight;
- a list view cuts question and answer at 255 characters; an item by id has the whole answer as HTML;
- a question changes in place: tabled, holding answer (`answerIsHolding`, `dateHoldingAnswer`),
  answered (`dateAnswered`; `dateHoldingAnswer` stays), corrected (`answerIsCorrection`,
  `dateAnswerCorrected`). Each step is a dated change note in plain words, so the store keeps one
  item and records each step once, as an amendment at its own date;
- a statement made in both Houses comes twice (HCWS751 and HLWS745, same title and day): one item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from scrapers import dates
from scrapers.adapter import Stored
from scrapers.errors import ParseError
from scrapers.htmltext import soup
from scrapers.normalise import normalise_title, tag_topics
from scrapers.quoted_figures import quoted_figures
from scrapers.records import ChangeNote, ParliamentRecord, Publication

SOURCE_NAME = "parliament"
API = "https://questions-statements-api.parliament.uk"
SITE = "https://questions-statements.parliament.uk"  # the public pages items link to (never fetched)
QUESTIONS = "/api/writtenquestions/questions"
STATEMENTS = "/api/writtenstatements/statements"
ATTRIBUTION = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."

# Each step of a question's life, as its change note says it (these words are its identity in the store).
TABLED, HOLDING, ANSWERED, ANSWERED_AFTER_HOLDING, CORRECTED = (
    "tabled", "holding answer", "answered", "answered after a holding answer", "answer corrected")


def error(message: str, url: str, expected: str) -> ParseError:
    return ParseError(message, source=SOURCE_NAME, url=url, expected=expected)


# --- response shapes ---------------------------------------------------------------------------


def listing(data: Any, *, url: str) -> tuple[int, list[dict[str, Any]]]:
    """(totalResults, the item values) of a list response; ParseError naming the URL otherwise."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise error("list response without a results list", url, '{"totalResults": N, "results": [{"value": ...}]}')
    total = data.get("totalResults")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise error(f"totalResults is {total!r}", url, "a count of the matching items")
    values = [r.get("value") for r in data["results"] if isinstance(r, dict)]
    if any(not isinstance(v, dict) for v in values) or len(values) != len(data["results"]):
        raise error("a result without a value object", url, '{"value": {...}} for each result')
    return total, values  # type: ignore[return-value]  # every value checked to be a dict above


def single(data: Any, *, url: str) -> dict[str, Any]:
    """The value of an item response ({"value": ...}, or a one-item list response)."""
    if isinstance(data, dict) and isinstance(data.get("value"), dict):
        return data["value"]
    if isinstance(data, dict) and isinstance(data.get("results"), list) and len(data["results"]) == 1:
        return listing(data, url=url)[1][0]
    raise error("item response without a value object", url, '{"value": {...}}')


def day(value: Any) -> date | None:
    """The London calendar date of an API date ("2021-02-01T00:00:00"); None when absent or unreadable."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}(?:$|T)", value):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def when(value: Any) -> datetime | None:
    """The date as msbrief keeps dates without a time: 00:00 UTC of that London day (None outside the years)."""
    found = day(value)
    return dates.from_date(found) if found else None


def text(value: Any) -> str:
    """A plain string field ("" when absent)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def paragraphs(markup: Any) -> str:
    """HTML (an answer by id) or plain text (a list view) as plain paragraphs, one per line."""
    if not isinstance(markup, str) or not markup.strip():
        return ""
    if "<" not in markup:
        return text(markup)
    doc = soup(markup)
    blocks = [" ".join(el.get_text(" ", strip=True).split()) for el in doc.find_all(["p", "li", "h2", "h3", "td"])
              if not el.find(["p", "li"])]
    found = [b for b in blocks if b]
    return "\n".join(found) if found else " ".join(doc.get_text(" ", strip=True).split())


def member(value: Any) -> str:
    """"Louise Haigh (Labour, Sheffield, Heeley)" of an expanded member object; "" when not expanded."""
    if not isinstance(value, dict):
        return ""
    name = text(value.get("name"))
    about = ", ".join(t for t in (text(value.get("party")), text(value.get("memberFrom"))) if t)
    return f"{name} ({about})" if name and about else name


def _required(value: dict[str, Any], url: str, *names: str) -> None:
    for name in names:
        if value.get(name) in (None, "") or isinstance(value.get(name), bool):
            raise error(f"item {value.get('id')!r} without {name!r}", url, f"{name} on every item")


# --- questions ---------------------------------------------------------------------------------


def question_url(value: dict[str, Any]) -> str:
    """The question's public page: /written-questions/detail/<date tabled>/<UIN>."""
    tabled = day(value.get("dateTabled"))
    return f"{SITE}/written-questions/detail/{tabled.isoformat() if tabled else 'undated'}/{text(value.get('uin'))}"


def question_item_path(question_id: int) -> str:
    """Where one question is read whole (every session: the default is only the current one)."""
    return f"{QUESTIONS}/{question_id}?expandMember=true&sessionStatus=Any"


def question_state(value: dict[str, Any]) -> str:
    """tabled, holding, answered or corrected."""
    if day(value.get("dateAnswered")) is None:
        return "tabled"
    if value.get("answerIsHolding") is True:
        return "holding"
    return "corrected" if value.get("answerIsCorrection") is True else "answered"


def question_notes(value: dict[str, Any]) -> tuple[ChangeNote, ...]:
    """Each step of the question's life so far, newest first, in plain words at its own date."""
    steps = [(when(value.get("dateTabled")), TABLED), (when(value.get("dateHoldingAnswer")), HOLDING)]
    state = question_state(value)
    if state in ("answered", "corrected"):
        after = day(value.get("dateHoldingAnswer")) is not None
        steps.append((when(value.get("dateAnswered")), ANSWERED_AFTER_HOLDING if after else ANSWERED))
    if state == "corrected":
        steps.append((when(value.get("dateAnswerCorrected")), CORRECTED))
    # newest first; steps of one day (a holding answer and the answer) in the reverse of their order
    dated = [(at, i, note) for i, (at, note) in enumerate(steps) if at is not None]
    return tuple(ChangeNote(at=at, note=note) for at, _, note in sorted(dated, reverse=True))


def question_version(value: dict[str, Any]) -> Stored:
    """The question's latest step and its date: what the store's copy is compared with."""
    notes = question_notes(value)
    return Stored(notes[0].at, notes[0].note) if notes else Stored(None, None)


def question_words(value: dict[str, Any]) -> str:
    """What the question and its answer say (for the topic filter)."""
    return f"{paragraphs(value.get('questionText'))}\n{paragraphs(value.get('answerText'))}"


def question_title(value: dict[str, Any]) -> str:
    """"Human Trafficking: British Nationality (question 143840)": headings repeat, the UIN does not."""
    heading = text(value.get("heading")) or "Written question"
    return f"{heading} (question {text(value.get('uin'))})"


def question_publication(value: dict[str, Any], *, url: str, topics: dict[str, tuple[str, ...]]) -> Publication:
    """One written question, read whole (by id), as a Publication; ParseError when it lacks its id, UIN or date."""
    _required(value, url, "id", "uin", "dateTabled")
    notes = question_notes(value)
    published = when(value.get("dateTabled"))
    state = question_state(value)
    question, answer = paragraphs(value.get("questionText")), paragraphs(value.get("answerText"))
    answered_by = member(value.get("correctingMember") if state == "corrected" else None) or member(
        value.get("answeringMember"))
    record = ParliamentRecord(
        kind="question", house=text(value.get("house")), uin=text(value.get("uin")),
        department=text(value.get("answeringBodyName")), asked_by=member(value.get("askingMember")),
        answered_by=answered_by if state != "tabled" else "", question=question, answer=answer, state=state,
        grouped_with=tuple(text(u) for u in value.get("groupedQuestions") or () if text(u)),
        figures=quoted_figures(answer) if state in ("answered", "corrected") else (),
    )
    return Publication(
        source=SOURCE_NAME, url=question_url(value), title=question_title(value), kind="question",
        published=published, updated=notes[0].at if notes else None, summary=question_summary(record),
        change_note=notes[0].note if notes else None,  # with `updated`, the version the adapter compares
        topics=tag_topics(f"{question}\n{answer}", topics), external_id=f"question-{value['id']}",
        change_history=notes, document_type="written_question", organisations=(record.department,) if record.department
        else (), parliament=record,
    )


def question_summary(record: ParliamentRecord) -> str:
    """The question and its answer as feeds show them."""
    asked = f"{record.asked_by or 'A member'} asked the {record.department or 'Government'}: {record.question}"
    if record.state == "tabled":
        return f"{asked}\n\nNot answered yet."
    label = "Holding answer" if record.state == "holding" else "Answer"
    by = f" by {record.answered_by}" if record.answered_by else ""
    return f"{asked}\n\n{label}{by}: {record.answer}"


# --- statements --------------------------------------------------------------------------------


def statement_url(value: dict[str, Any]) -> str:
    made = day(value.get("dateMade"))
    return f"{SITE}/written-statements/detail/{made.isoformat() if made else 'undated'}/{text(value.get('uin'))}"


def statement_item_path(statement_id: int) -> str:
    return f"{STATEMENTS}/{statement_id}?expandMember=true&sessionStatus=Any"


def statement_words(value: dict[str, Any]) -> str:
    return f"{text(value.get('title'))}\n{paragraphs(value.get('text'))}"


def same_statements(values: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Statements grouped as one item each: the same title made on the same day (in both Houses),
    the Commons one first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for value in values:
        key = (str(day(value.get("dateMade"))), normalise_title(text(value.get("title"))) or str(value.get("id")))
        groups.setdefault(key, []).append(value)
    return [sorted(g, key=lambda v: (text(v.get("house")) != "Commons", str(v.get("uin")))) for g in groups.values()]


def statement_publication(group: list[dict[str, Any]], whole: dict[str, Any], *, url: str,
                          topics: dict[str, tuple[str, ...]]) -> Publication:
    """One written statement (in one House or both) as a Publication; `whole` is the first one read by id."""
    _required(whole, url, "id", "uin", "dateMade", "title")
    made = when(whole.get("dateMade"))
    body = paragraphs(whole.get("text"))
    houses = [text(v.get("house")) for v in group]
    record = ParliamentRecord(
        kind="statement", house=" and ".join(dict.fromkeys(h for h in houses if h)),
        uin=", ".join(text(v.get("uin")) for v in group), department=text(whole.get("answeringBodyName")),
        answered_by=member(whole.get("member")) or text(whole.get("memberRole")), answer=body, state="made",
        figures=quoted_figures(body),
    )
    role = text(whole.get("memberRole"))
    by = f"{record.answered_by}{f', {role}' if role and role not in record.answered_by else ''}"
    return Publication(
        source=SOURCE_NAME, url=statement_url(group[0]), title=text(whole.get("title")), kind="statement",
        published=made, updated=made, summary=f"Written statement by {by} ({record.house}): {body}",
        topics=tag_topics(f"{whole.get('title')}\n{body}", topics), external_id=f"statement-{group[0].get('id')}",
        alternate_urls=tuple(statement_url(v) for v in group[1:]), document_type="written_statement",
        organisations=(record.department,) if record.department else (), parliament=record,
    )
