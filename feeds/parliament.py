"""The briefing's "In Parliament": written questions answered in the week and written statements, in plain words.

One entry per question however many steps it took (tabled, holding answer, answered, corrected:
"answered on 10 February 2026 after a holding answer", "answer corrected on 17 February 2026"),
with the answer's opening sentence; a holding answer is flagged; questions answered together
(grouped) are one entry. Where an answer or statement quotes an NRM figure that the official
statistics state otherwise for that period, it says so: "the answer says 12,700 referrals in 2021;
the official figure is 12,727", both linked. A week with no answer shows the latest one on record.

A step is news in the week when msbrief learned of it that week and it is dated no earlier than
the briefing window's start (the rule of feeds/briefing.py for changes). Everything from the
source is reduced to plain text here; the template (parliament.*.j2) escapes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feeds.formatting import date_text, number
from feeds.sanitise import plain_text, safe_url
from store.read import Change, FeedItem, OfficialFigure, ParliamentWeek
from vocabulary.calendar import LONDON_TZ_NAME
from vocabulary.metrics import metric_label
from vocabulary.periods import is_period, period_label
from vocabulary.text import clip

# A step's note (scrapers/parliament_api.py writes them) -> how the briefing says it, with its date.
STEP_WORDS = {
    "tabled": "tabled on {date}",
    "holding answer": "holding answer on {date}",
    "answered": "answered on {date}",
    "answered after a holding answer": "answered on {date} after a holding answer",
    "answer corrected": "answer corrected on {date}",
}
ANSWER_STEPS = frozenset(STEP_WORDS) - {"tabled"}
SHORT_NAMES = {"total_referrals": "referrals", "dtn_count": "Duty to Notify reports"}
OPENING_CHARS = 320
QUESTION_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u201c\"(])")


@dataclass(frozen=True)
class FigureCheck:
    """An NRM figure quoted differently from the official statistics, said in plain words, with both links."""

    text: str  # "the answer says 12,700 referrals in 2021; the official figure is 12,727"
    what: str  # "answer" or "statement"
    quoted_url: str | None  # the answer or statement
    official_url: str | None  # the bulletin stating the official figure
    official_title: str


@dataclass(frozen=True)
class AskedQuestion:
    """One question of an entry: its title, link, who asked and what."""

    title: str
    url: str | None
    asked_by: str
    question: str


@dataclass(frozen=True)
class QuestionView:
    """A written question (or questions answered together) with its answer and its life so far."""

    questions: tuple[AskedQuestion, ...]
    department: str
    answered_by: str
    holding: bool  # the answer so far is a holding answer
    steps: tuple[str, ...]  # oldest first: "tabled on 2 February 2026", "holding answer on 5 February 2026", ...
    opening: str  # the answer's opening sentence
    checks: tuple[FigureCheck, ...] = ()


@dataclass(frozen=True)
class StatementView:
    """A written ministerial statement (made in one House or both)."""

    title: str
    url: str | None
    made_by: str
    house: str
    made_on: str
    opening: str
    checks: tuple[FigureCheck, ...] = ()


@dataclass(frozen=True)
class ParliamentSection:
    """What "In Parliament" shows for a week."""

    questions: tuple[QuestionView, ...]
    statements: tuple[StatementView, ...]
    latest: QuestionView | None  # the latest answer on record, for a week with none
    attribution: str

    @property
    def empty(self) -> bool:
        return not self.questions and not self.statements


def opening_sentence(text: str) -> str:
    """The first sentence of a text (clipped), as plain text."""
    first = _SENTENCE_END.split(plain_text(text).strip(), maxsplit=1)[0] if text else ""
    return clip(first, OPENING_CHARS)


def step_line(change: Change, tz: str = LONDON_TZ_NAME) -> str:
    """"answered on 10 February 2026 after a holding answer" (a step msbrief does not know: its note and date)."""
    note = plain_text(change.note).strip().rstrip(".")
    words = STEP_WORDS.get(note.lower(), f"{note or 'changed'} on {{date}}")
    return words.format(date=date_text(change.at, tz=tz))


def figure_checks(item: FeedItem, official: dict[tuple[str, str], OfficialFigure]) -> tuple[FigureCheck, ...]:
    """Each figure the item quotes that the official statistics state otherwise for its period."""
    record = item.parliament
    if record is None:
        return ()
    what = "statement" if record.kind == "statement" else "answer"
    checks = []
    for quoted in record.figures:
        found = official.get((quoted.metric, quoted.period))
        if found is None or not _numbers(quoted.value, found.value) or float(quoted.value) == float(found.value):
            continue
        unit = "%" if quoted.unit == "pct" else ""
        when = f"in {period_label(quoted.period)}" if is_period(quoted.period) else f"for {quoted.period}"
        if quoted.metric in SHORT_NAMES and not unit:
            said = f"says {number(quoted.value)} {SHORT_NAMES[quoted.metric]} {when}"
        else:
            said = f"gives the {metric_label(quoted.metric)} {when} as {number(quoted.value)}{unit}"
        checks.append(FigureCheck(f"the {what} {said}; the official figure is {number(found.value)}{unit}", what,
                                  safe_url(item.url), safe_url(found.url), plain_text(found.release_title)))
    return tuple(checks)


def _numbers(*values: object) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _is_news(change: Change, *, start: datetime, end: datetime, since: datetime) -> bool:
    return start <= change.seen < end and since <= change.at < end


def question_view(items: list[FeedItem], official: dict[tuple[str, str], OfficialFigure],
                  tz: str = LONDON_TZ_NAME) -> QuestionView:
    """One entry for a question, or for the questions answered together (they share the answer)."""
    first = items[0]
    record = first.parliament
    assert record is not None
    steps = [c for c in sorted(first.changes, key=lambda c: c.at) if plain_text(c.note).strip().lower() in STEP_WORDS]
    asked = tuple(AskedQuestion(clip(plain_text(i.title), 300) or "(untitled)", safe_url(i.url),
                                plain_text(i.parliament.asked_by) if i.parliament else "",
                                clip(plain_text(i.parliament.question), QUESTION_CHARS) if i.parliament else "")
                  for i in items)
    return QuestionView(
        questions=asked, department=plain_text(record.department), answered_by=plain_text(record.answered_by),
        holding=record.state == "holding", steps=tuple(step_line(c, tz) for c in steps),
        opening=opening_sentence(record.answer), checks=figure_checks(first, official),
    )


def _answered_together(items: list[FeedItem]) -> list[list[FeedItem]]:
    """Questions grouped with each other and sharing one answer become one entry (first listed order)."""
    groups: dict[tuple[str, str, frozenset[str]], list[FeedItem]] = {}
    for item in items:
        record = item.parliament
        assert record is not None
        together = frozenset({record.uin, *record.grouped_with}) if record.grouped_with else frozenset({item.key})
        groups.setdefault((record.answer, record.department, together), []).append(item)
    return list(groups.values())


def parliament_section(week: ParliamentWeek | None, *, start: datetime, end: datetime, since: datetime,
                       tz: str = LONDON_TZ_NAME) -> ParliamentSection | None:
    """The week's "In Parliament" (None when msbrief reads no Parliament source)."""
    if week is None:
        return None
    official = {(f.metric, f.period): f for f in week.official}
    answered, statements = [], []
    for item in week.items:
        record = item.parliament
        if record is None:
            continue
        if record.kind == "statement":
            if start <= item.first_seen < end and item.date and item.date >= since:
                statements.append(item)
        elif any(_is_news(c, start=start, end=end, since=since) for c in item.changes
                 if plain_text(c.note).strip().lower() in ANSWER_STEPS):
            answered.append(item)
    answered.sort(key=lambda i: (-max(c.at for c in i.changes).timestamp() if i.changes else 0, i.key))
    statements.sort(key=lambda i: (-(i.date or i.first_seen).timestamp(), i.key))
    latest = week.latest if not answered and not statements and week.latest and week.latest.parliament else None
    return ParliamentSection(
        questions=tuple(question_view(group, official, tz) for group in _answered_together(answered)),
        statements=tuple(_statement_view(i, official, tz) for i in statements),
        latest=question_view([latest], official, tz) if latest else None,
        attribution=plain_text(week.attribution),
    )


def _statement_view(item: FeedItem, official: dict[tuple[str, str], OfficialFigure], tz: str) -> StatementView:
    record = item.parliament
    assert record is not None
    return StatementView(clip(plain_text(item.title), 300) or "(untitled)", safe_url(item.url),
                         plain_text(record.answered_by), plain_text(record.house), date_text(item.date, tz=tz),
                         opening_sentence(record.answer), figure_checks(item, official))
