"""Reading a key result as sentences and clauses, each with the numbers written in it.

A bullet is cut into sentences, a sentence into clauses, so that every number can be paired with
the subject of its own clause ("49% (1,431) ... as adults" / "with labour exploitation being most
commonly reported (27%; 383)"). Numbers are read once, here: a share and its count written
together ("77% (9,790)", "(22%; 1,316)", "3,768 (79%)") are one `Value`; years, quarter numbers
and day numbers are not values. In a clause's `masked` text every value is a token such as `<PN0>`
(share and count), `<P1>` (a percentage), `<N2>` (a count) or `<A3>` (an approximate count), so
that the rules can say where a value stands without reading numbers again.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vocabulary.calendar import MONTH_PATTERN, PROSE_YEAR_PATTERN

APPROX_WORDS = (r"almost|nearly|around|about|approximately|over|more than|fewer than|less than|"
                r"just under|just over|roughly")
# A number may carry a minus sign only where a sign can stand (after a space, "(" or at the start):
# "-5" is -5, never 5; the digits of "Covid-19" or "2021-22" are no number at all.
_SIGNED = r"(?:(?<![^\s(])[-\u2212]|(?<![\d.,\-\u2212]))"
_NUM = rf"{_SIGNED}(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?![\d,]*\d)(?!\.\d)"
_PCT = rf"{_SIGNED}\d+(?:\.\d+)?(?:\s?%|\s+per\s?cent\b)"
# A number with an exponent ("1e309") is read whole, so that it is never taken for 309.
_EXPONENT = re.compile(r"(?<![\w.,])[-\u2212]?\d+(?:\.\d+)?[eE][+-]?\d+(?!\w)(?P<pct>\s?%|\s+per\s?cent\b)?")
MAX_DIGITS = 400  # a longer number is kept as written (a check withholds it); int() of it would be slow
# A year is a number 1990-2039 without a comma, unless a counted noun follows it ("2019 referrals").
_YEAR = rf"(?<![\d,.]){PROSE_YEAR_PATTERN}(?!\d|,\d|\s?%)"
_COUNTED = r"\s*(?:potential victims|referrals|reports|cases|people|individuals|adults|children|males|females|" \
           r"(?:positive |negative )?(?:reasonable|conclusive) grounds|decisions|(?:were|was) (?:referred|male|female))"

# Number-like text that is not a value: dates, quarter numbers, footnote and figure numbers...
_NOT_DATES = (
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_PATTERN}(?:\s+\d{{4}})?"  # 1 April 2023
    rf"|\b{MONTH_PATTERN}\s+(?:\d{{4}})"  # March 2023
    r"|\bquarter\s+[1-4]\b|\bQ[1-4]\b|\b[1-4](?:st|nd|rd|th)\s+quarter\b"
    r"|\b(?:figure|table|chart|annex|section|footnote|note)\s+\d+\b|\btop\s+\d{1,2}\b"
    # spans of time and ages: "the previous 3 months", "over 5 years", "under 18", "aged 16"
    r"|\b\d{1,2}[- ](?:months?|years?|quarters?|weeks?|days?)(?:[- ]olds?)?\b"
    r"|\b(?:under|over|aged?)[- ]1[0-9]s?\b"
)
_NOT_VALUES_BUT_YEARS = re.compile(_NOT_DATES, re.I)
# ...and years.
_NOT_VALUES = re.compile(rf"{_NOT_DATES}|{_YEAR}(?!{_COUNTED})", re.I)

_PAIRS = (
    # (regex, example, True when its count may look like a year: "(25 per cent; 1990)" is a pair
    # in parentheses, never a date)
    (re.compile(rf"(?P<p>{_PCT})\s*\(\s*(?P<n>{_NUM})\s*\)"), "77% (9,790)", False),
    (re.compile(rf"\(\s*(?P<p>{_PCT})\s*[;,:]\s*(?P<n>{_NUM})\s*\)"), "(33%; 2,141)", True),
    (re.compile(rf"(?P<n>{_NUM})\s*\(\s*(?P<p>{_PCT})\s*\)"), "3,768 (79%)", False),
    (re.compile(rf"\(\s*(?P<n>{_NUM})\s*[;,:]\s*(?P<p>{_PCT})\s*\)"), "(3,768; 79%)", True),
)
_APPROX = re.compile(rf"\b(?P<w>{APPROX_WORDS})\s+(?P<n>{_NUM})(?!\s?%)", re.I)
_LONE_PCT = re.compile(_PCT)
_LONE_NUM = re.compile(_NUM)


@dataclass(frozen=True)
class Value:
    """One value written in a sentence: a share, a count, both, or an approximate count."""

    start: int
    end: int
    text: str
    pct: int | float | str | None = None  # str: a number that is no figure, kept as written ("1e309")
    count: int | str | None = None
    approx: str | None = None  # "almost 17,000": kept as words, never turned into a count

    @property
    def shape(self) -> str:
        """PN (share and count), P, N or A: the letter of its token in masked text."""
        if self.approx is not None:
            return "A"
        return ("P" if self.pct is not None else "") + ("N" if self.count is not None else "")


@dataclass
class Clause:
    """A part of a sentence with its own subject, and the values written in it."""

    text: str
    values: list[Value]
    masked: str  # the text with each value replaced by its token, e.g. "<PN0> were male"
    sentence: Sentence
    index: int  # position in the sentence

    def value(self, token: str) -> Value:
        """The value behind a token such as '<PN0>'."""
        return self.values[int(re.sub(r"\D", "", token))]


@dataclass
class Sentence:
    """One sentence of a key result, cut into clauses."""

    text: str
    clauses: list[Clause] = field(default_factory=list)


def prepare(text: str) -> str:
    """The text without footnote markers ("[footnote 1]"), which would read as numbers."""
    text = re.sub(r"\[\s*(?:footnote|note)\s*\d+\s*\]", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """The sentences of a key result (a new one starts after '.', '!' or '?' before a capital or a digit)."""
    return [s.strip(" .") for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(\"\u201c])", text) if s.strip(" .")]


def values_in(sentence: str) -> list[Value]:
    """Every value written in the sentence, in order."""
    taken = _mask(sentence, _NOT_VALUES)
    dates = _mask(sentence, _NOT_VALUES_BUT_YEARS)
    found: list[Value] = []

    def free(start: int, end: int, mask: list[bool] = taken) -> bool:
        return not any(mask[start:end])

    def claim(value: Value) -> None:
        taken[value.start:value.end] = [True] * (value.end - value.start)
        dates[value.start:value.end] = [True] * (value.end - value.start)
        found.append(value)

    for m in _EXPONENT.finditer(sentence):
        if free(m.start(), m.end()):
            number = m.group(0)[: m.start("pct") - m.start()] if m.group("pct") else m.group(0)
            claim(Value(m.start(), m.end(), m.group(0), pct=number if m.group("pct") else None,
                        count=None if m.group("pct") else number))
    for pattern, _example, years_ok in _PAIRS:
        for m in pattern.finditer(sentence):
            mask = dates if years_ok else taken
            if free(m.start("p"), m.end("p"), mask) and free(m.start("n"), m.end("n"), mask) \
                    and free(m.start(), m.end(), mask):
                claim(Value(m.start(), m.end(), m.group(0), pct=_number(m.group("p")), count=_count(m.group("n"))))
    for m in _APPROX.finditer(sentence):
        if free(m.start("n"), m.end("n")):
            claim(Value(m.start(), m.end(), m.group(0), approx=m.group(0)))
    for m in _LONE_PCT.finditer(sentence):
        if free(m.start(), m.end()):
            claim(Value(m.start(), m.end(), m.group(0), pct=_number(m.group(0))))
    for m in _LONE_NUM.finditer(sentence):
        if free(m.start(), m.end()):
            claim(Value(m.start(), m.end(), m.group(0), count=_count(m.group(0))))
    return sorted(found, key=lambda v: v.start)


def _mask(sentence: str, pattern: re.Pattern[str]) -> list[bool]:
    """Per character: True where `pattern` matches."""
    mask = [False] * len(sentence)
    for m in pattern.finditer(sentence):
        mask[m.start():m.end()] = [True] * (m.end() - m.start())
    return mask


def _count(text: str) -> int | str:
    """The count as written; a number of more than MAX_DIGITS digits stays as written (digits only)."""
    digits = text.replace(",", "").replace("\u2212", "-")
    if len(digits) > MAX_DIGITS:
        return digits
    return int(digits)


def _number(text: str) -> int | float | str:
    """A percentage as written ("-5%" is -5); one of more than MAX_DIGITS digits stays as written."""
    number = re.sub(r"\s*(?:%|per\s?cent)$", "", text).replace("\u2212", "-")
    if len(number) > MAX_DIGITS:
        return number
    value = float(number)
    return int(value) if value.is_integer() else value


# Where a sentence may be cut (outside parentheses). A cut is kept only when both sides have a
# value of their own, so that "UK, Albanian and Vietnamese" or "sent to the SCA for consideration"
# stay whole while "77% (9,790) were male and 23% (2,923) were female" becomes two clauses.
_CUTS = re.compile(r";\s*|,\s*(?:and\s+|but\s+|while\s+|whilst\s+|whereas\s+)?|\s+(?:and|but|while|whilst|whereas)\s+")


def clauses_of(sentence: str, *, keep_apart: Callable[[str], bool] = lambda text: False) -> Sentence:
    """The sentence cut into clauses, each with its values and masked text.

    A piece without a value joins its neighbour (the next one if it leads the sentence, else the
    previous one), unless `keep_apart(piece)`: words naming who a value is about stay a clause of
    their own, so that "... as adults, most commonly for labour exploitation" does not lend the
    adults' number to labour exploitation.
    """
    values = values_in(sentence)
    cuts = _cut_points(sentence, values)
    result = Sentence(sentence)
    bounds = [0, *cuts, len(sentence)]
    pieces = []
    for start, end in itertools.pairwise(bounds):
        pieces.append((start, end))
    # a piece with no value of its own joins the next piece if it leads the sentence, else the previous
    merged: list[list[Any]] = []  # [start, end, has a value, kept apart]
    for start, end in pieces:
        has_value = any(start <= v.start < end for v in values)
        apart = not has_value and keep_apart(sentence[start:end])
        if merged and not apart and not merged[-1][3] and (not has_value or not merged[-1][2]):
            merged[-1][1] = end
            merged[-1][2] = merged[-1][2] or has_value
        else:
            merged.append([start, end, has_value, apart])
    for index, (start, end, _, _) in enumerate(merged):
        own = [v for v in values if start <= v.start < end]
        text = sentence[start:end]
        masked, shift = text, 0
        for i, v in enumerate(own):
            token = f"<{v.shape}{i}>"
            if v.end < end and sentence[v.end].isalpha():
                token += " "  # "1,234cases" (an official typo) reads as "1,234 cases"
            a, b = v.start - start + shift, v.end - start + shift
            masked = masked[:a] + token + masked[b:]
            shift += len(token) - (v.end - v.start)
        # cut words (", and", "whereas") are dropped from the clause, not from the sentence
        clause_text = re.sub(r"^\s*(?:[;,]\s*)?(?:(?:and|but|while|whilst|whereas)\b)?\s*", "", text).strip(" ,;")
        masked = re.sub(r"^\s*(?:[;,]\s*)?(?:(?:and|but|while|whilst|whereas)\b)?\s*", "", masked).strip(" ,;")
        result.clauses.append(Clause(clause_text, own, masked, result, index))
    return result


def _cut_points(sentence: str, values: list[Value]) -> list[int]:
    """Where the sentence may be cut: outside parentheses and outside values ("(79%, 3,768)")."""
    depth, depths = 0, []
    for ch in sentence:
        depth = depth + 1 if ch == "(" else max(0, depth - 1) if ch == ")" else depth
        depths.append(depth)
    cuts: list[int] = []
    for m in _CUTS.finditer(sentence):
        i = m.start()
        if depths[i] == 0 and not any(v.start <= i < v.end for v in values) and (not cuts or i > cuts[-1] + 1):
            cuts.append(i)
    return cuts
