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
    r"|\b(?:figure|table|chart|annex|section|footnote|note)\s+\d+\b|\btop\s+\d{1,2}\b|^\s*\d{1,2}\s*(?=footnotes?\b|notes?\b)"
    # spans of time and ages: "the previous 3 months", "over 5 years", "under 18", "aged 16"
    r"|\b\d{1,2}[- ](?:months?|years?|quarters?|weeks?|days?)(?:[- ]olds?)?\b"
    r"|\b(?:under|over|aged?)[- ]1[0-9]s?\b"
)
_NOT_VALUES_BUT_YEARS = re.compile(_NOT_DATES, re.I)
# ...and years.
_NOT_VALUES = re.compile(rf"{_NOT_DATES}|{_YEAR}(?!{_COUNTED})", re.I)

_NOUN = r"(?:referrals|cases|people|potential victims|individuals)"
_PAIRS = (
    # (regex, example, True when its count may look like a year: "(25 per cent; 1990)" is a pair
    # in parentheses, never a date)
    (re.compile(rf"(?P<p>{_PCT})\s*\(\s*(?P<n>{_NUM})\s*\)"), "77% (9,790)", False),
    (re.compile(rf"\(\s*(?P<p>{_PCT})\s*[;,:]\s*(?P<n>{_NUM})(?:\s+{_NOUN})?\s*\)"), "(33%; 2,141)", True),
    (re.compile(rf"(?P<n>{_NUM})\s*\(\s*(?P<p>{_PCT})\s*\)"), "3,768 (79%)", False),
    (re.compile(rf"\(\s*(?P<n>{_NUM})(?:\s+{_NOUN})?\s*[;,:]\s*(?P<p>{_PCT})(?:\s+of\s+[a-z][a-z ]{{0,40}})?\s*\)"),
     "(3,768 referrals; 79% of adult referrals)", True),
)
# A share and its count written apart, with a few words of their subject between them:
# "77% of referrals (3,664)", "5,087 referrals (49%)", "11% or 640 people". The words stay in the
# clause; the second number joins the first (one value), so that both are read with one subject.
_GAP_WORDS = (r"of|the|all|total|referrals?|cases|people|potential|victims|those|these|them|adults?|child|children|"
              r"reasonable|conclusive|grounds|decisions|referred|were|was|males?|females?|nationals|positive")
_SPLIT_GAP = re.compile(rf"^(?:\s+(?:{_GAP_WORDS})){{1,6}}\s*\($", re.I)
_OR_GAP = re.compile(r"^\s+or\s+$")
_APPROX = re.compile(rf"\b(?P<w>{APPROX_WORDS})\s+(?P<n>{_NUM})(?!\s?%)", re.I)
_LONE_PCT = re.compile(_PCT)
# A share written in words: never a figure, but a clause of its own ("two-thirds said ..., while 25
# per cent ..."), so that a number after it is not read with its subject.
WORDED = re.compile(
    r"\b(?:(?:a|one|two|three|four|nine)[- ](?:half|third|quarter|fifth|tenth)s?\s+of|half\s+of|"
    r"(?:two|three|four|nine)[- ](?:thirds|quarters|fifths|tenths)|"
    r"(?:one|two|three|four|nine)\s+(?:in|out of)\s+(?:three|four|five|ten)|the (?:vast )?majority)\b", re.I)
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
    # the second number of a share and count written apart ("77% of referrals (3,664)"): its span
    apart: tuple[int, int] | None = None

    @property
    def shape(self) -> str:
        """PN (share and count), P, N or A: the letter of its token in masked text."""
        if self.approx is not None:
            return "A"
        return ("P" if self.pct is not None else "") + ("N" if self.count is not None else "")

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Where the value is written (two places for a share and count written apart)."""
        return ((self.start, self.end), self.apart) if self.apart else ((self.start, self.end),)


@dataclass
class Clause:
    """A part of a sentence with its own subject, and the values written in it."""

    text: str
    values: list[Value]
    masked: str  # the text with each value replaced by its token, e.g. "<PN0> were male"
    sentence: Sentence
    index: int  # position in the sentence
    facts: dict[str, object] = field(default_factory=dict)  # what readers found out about it, found once

    def value(self, token: str) -> Value:
        """The value behind a token such as '<PN0>'."""
        return self.values[int(re.sub(r"\D", "", token))]

    @property
    def plain(self) -> str:
        """The masked text without acronyms in parentheses: "The National Referral Mechanism received <N0>"."""
        return _ACRONYM.sub("", self.masked)


_ACRONYM = re.compile(r"\s*\((?:[A-Z][A-Za-z]{1,5})\)")


@dataclass
class Sentence:
    """One sentence of a key result, cut into clauses."""

    text: str
    clauses: list[Clause] = field(default_factory=list)
    tests: dict[str, bool] = field(default_factory=dict)  # a pattern's result on the whole text, once each


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

    def free(start: int, end: int, mask: bytearray = taken) -> bool:
        return not any(mask[start:end])

    def claim(value: Value) -> None:
        taken[value.start:value.end] = b"\x01" * (value.end - value.start)
        dates[value.start:value.end] = b"\x01" * (value.end - value.start)
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
    return _joined(sentence, sorted(found, key=lambda v: v.start))


def _joined(sentence: str, values: list[Value]) -> list[Value]:
    """Lone shares and counts written apart joined into one value ("77% of referrals (3,664)")."""
    out: list[Value] = []
    i = 0
    while i < len(values):
        v = values[i]
        w = values[i + 1] if i + 1 < len(values) else None
        if w is not None and {v.shape, w.shape} == {"P", "N"} and isinstance(v.pct or w.pct, (int, float)):
            gap = sentence[v.end:w.start]
            apart = None
            if _SPLIT_GAP.match(gap) and sentence[w.end:w.end + 1] == ")":
                apart = (w.start - 1, w.end + 1)  # "(3,664)"
            elif _OR_GAP.match(gap):
                apart = (v.end, w.end)  # " or 640"
            if apart:
                pct, count = (v.pct, w.count) if v.shape == "P" else (w.pct, v.count)
                out.append(Value(v.start, v.end, f"{v.text}{gap}{w.text}", pct=pct, count=count, apart=apart))
                i += 2
                continue
        out.append(v)
        i += 1
    return out


def _mask(sentence: str, pattern: re.Pattern[str]) -> bytearray:
    """Per character: 1 where `pattern` matches."""
    mask = bytearray(len(sentence))
    for m in pattern.finditer(sentence):
        mask[m.start():m.end()] = b"\x01" * (m.end() - m.start())
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
    """The sentence cut into clauses, each with its values and masked text (linear in its length).

    A piece without a value joins its neighbour (the next one if it leads the sentence, else the
    previous one), unless `keep_apart(piece)`: words naming who a value is about stay a clause of
    their own, so that "... as adults, most commonly for labour exploitation" does not lend the
    adults' number to labour exploitation. A share written in words ("two-thirds") counts as a
    value here: it keeps its clause, though it is never read as a figure.
    """
    values = values_in(sentence)
    inside = bytearray(len(sentence))
    for v in values:
        for a, b in v.spans:
            inside[a:b] = b"\x01" * (b - a)
    cuts = _cut_points(sentence, inside)
    worded = [m.start() for m in WORDED.finditer(sentence)]
    result = Sentence(sentence)
    bounds = [0, *cuts, len(sentence)]
    merged: list[list[Any]] = []  # [start, end, has a value, kept apart]
    pending: tuple[int, int] | None = None  # words without a value after a clause that has one
    vi = wi = 0
    for start, end in itertools.pairwise(bounds):
        count = 0
        while vi < len(values) and values[vi].start < end:
            count, vi = count + 1, vi + 1
        words = 0
        while wi < len(worded) and worded[wi] < end:
            words, wi = words + 1, wi + 1
        has_value = bool(count or words)
        apart = not has_value and keep_apart(sentence[start:end])
        if pending is not None:
            if has_value and _COMPLEMENT.match(sentence, start):
                # "..., a slight increase on the previous record, in January to March 2022 (4,520)": a
                # clause that opens with a preposition completes the words before it
                merged.append([pending[0], end, True, False])
                pending = None
                continue
            merged[-1][1] = pending[1]
            pending = None
        if merged and not has_value and not apart and merged[-1][2] and not merged[-1][3]:
            pending = (start, end)
            continue
        # "UK nationals were the most common, accounting for 21% of referrals": the participle's
        # subject is the words before it, even when those were kept apart
        joins = has_value and merged and not merged[-1][2] and _PARTICIPLE.match(sentence, start) is not None
        if merged and not apart and (not merged[-1][3] or joins) and (not has_value or not merged[-1][2]):
            merged[-1][1] = end
            merged[-1][2] = merged[-1][2] or has_value
        else:
            merged.append([start, end, has_value, apart])
    if pending is not None:
        merged[-1][1] = pending[1]
    vi = 0
    for index, (start, end, _, _) in enumerate(merged):
        own: list[Value] = []
        while vi < len(values) and values[vi].start < end:
            own.append(values[vi])
            vi += 1
        text = sentence[start:end]
        pieces, at = [], start
        for i, v in enumerate(own):
            token = f"<{v.shape}{i}>"
            if v.end < end and sentence[v.end].isalpha():
                token += " "  # "1,234cases" (an official typo) reads as "1,234 cases"
            pieces += [sentence[at:v.start], token]
            if v.apart and v.apart[0] > v.end:  # "77% of referrals (3,664)": the words stay, the count goes
                pieces.append(sentence[v.end:v.apart[0]])
                at = min(v.apart[1], end)
            else:
                at = max(v.end, v.apart[1] if v.apart else v.end)
        pieces.append(sentence[at:end])
        masked = "".join(pieces)
        # cut words (", and", "whereas") are dropped from the clause, not from the sentence
        clause_text = _LEAD.sub("", text).strip(" ,;")
        masked = _LEAD.sub("", masked).strip(" ,;")
        result.clauses.append(Clause(clause_text, own, masked, result, index))
    return result


_COMPLEMENT = re.compile(r"[,;]?\s*(?:in|on|from|at|during)\s+(?:the\s+)?(?:quarter|Q[1-4]\b|" + MONTH_PATTERN + r"|\d{4}\b|"
                         r"(?:first|second|third|fourth) quarter)", re.I)
_PARTICIPLE = re.compile(r"[,;]?\s*(?:accounting for|representing|making up|comprising|amounting to|equivalent to)\b",
                         re.I)
_LEAD = re.compile(r"^\s*(?:[;,]\s*)?(?:(?:and|but|while|whilst|whereas)\b)?\s*")


def _cut_points(sentence: str, inside: bytearray) -> list[int]:
    """Where the sentence may be cut: outside parentheses and outside values ("(79%, 3,768)")."""
    cuts: list[int] = []
    depth, last = 0, 0
    for m in _CUTS.finditer(sentence):
        i = m.start()
        for ch in sentence[last:i]:  # the parentheses open before this cut
            depth = depth + 1 if ch == "(" else max(0, depth - 1) if ch == ")" else depth
        last = i
        if depth == 0 and not inside[i] and (not cuts or i > cuts[-1] + 1):
            cuts.append(i)
    return cuts
