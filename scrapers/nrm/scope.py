"""Whose figures a sentence or a clause gives: the UK's, or one nation's, one area's, a group's...

Scope is read before any figure: only UK-wide figures of the bulletin's own period become its
metrics (docs/FIGURES.md, "Scope"). A sentence whose subject is one nation, one police force or
area, an operation, or one kind of first responder gives no UK figure; neither does a footnote,
a comparison of shares between years, a negated value, nor a change over several years. Every
number left unread for its scope is named to staff in plain words, never dropped in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scrapers.nrm.rules import NOT_PLACES, PLACE_LEAD, SCOPES
from vocabulary.calendar import PROSE_YEAR_PATTERN


@dataclass(frozen=True)
class Scope:
    """Whose figures: kind "uk" (a UK figure), or why not, in plain words for staff."""

    kind: str  # "uk", "nation", "area", "operation", "responder", "footnote", "comparative", "negated", "span", "group"
    words: str = ""  # "a figure for one nation (Scotland)"

    @property
    def is_uk(self) -> bool:
        return self.kind == "uk"


UK = Scope("uk")
_SCOPE_PATTERNS = tuple((kind, re.compile(words), plain) for kind, words, plain in SCOPES)
FOOTNOTE = re.compile(r"^\s*(?:\d{1,2}\s*)?(?:footnotes?|notes?)\b\s*[:.\d]|^\s*\[\s*\d+\s*\]|^\s*\*+\s", re.I)
COMPARATIVE = re.compile(r"\b(?:higher|lower|greater|smaller|larger) (?:proportion|share|percentage|number)\b[^.]{0,200}?"
                         r"\bthan\b", re.I)
# A record named beside a figure ("the highest total since the NRM began in 2009") describes the
# figure; it is not the span the figure covers.
RECORD_APPOSITIVE = re.compile(r"\b(?:highest|lowest|largest|smallest|most|fewest|record|first)\b[^,;()<]{0,60}?\bsince\b"
                               r"[^,;()<]{0,60}", re.I)
# A change or count over a span of several periods ("over the last five years", "since 2012", "in
# the year to June", "in the financial year") is no figure of the period.
SPAN = re.compile(r"\b(?:last|past|previous|preceding) (?:\w+ ){0,2}(?:years|quarters|decades?)\b|\bdecades?\b|\bsince\b"
                  r"|\byear to\b|\byear ending\b|\b12 months\b|\bso far this year\b|\bfinancial year\b|\byear to date\b"
                  rf"|\bbetween {PROSE_YEAR_PATTERN} and\b|\b(?:two|three|four|five|six|ten)fold\b", re.I)
# A negation within three words before a value ("not a <P0> increase"), or of the whole clause.
NEGATED = re.compile(r"\b(?:not|never|no|neither|nor)\b(?:\s+[\w-]+){0,3}?\s+<|n't\b(?:\s+[\w-]+){0,3}?\s+<"
                     r"|^(?:this|that|it) (?:is|was) not\b|\bno longer\b", re.I)


@lru_cache(maxsize=1024)
def sentence_scope(text: str) -> Scope:
    """The scope a whole sentence gives its figures (UK unless its subject is narrower)."""
    if FOOTNOTE.search(text):
        return Scope("footnote", "a footnote")
    for kind, pattern, plain in _SCOPE_PATTERNS:
        m = pattern.search(text)
        if m:
            return Scope(kind, f"{plain} ({_short(m.group(0))})")
    lead = PLACE_LEAD.match(text)
    if lead and not NOT_PLACES.match(lead.group("place")):
        return Scope("area", f"a figure for one police force or area ({lead.group('place').strip()})")
    if COMPARATIVE.search(text):
        return Scope("comparative", "a comparison of shares between periods")
    return UK


def clause_scope(masked: str) -> Scope:
    """What narrows one clause's values, in its masked text ("<P0>" tokens): a negation or a span of time."""
    if NEGATED.search(masked):
        return Scope("negated", "a negated statement")
    if SPAN.search(RECORD_APPOSITIVE.sub(" ", masked)):
        return Scope("span", "a figure over several periods")
    return UK


def _short(words: str) -> str:
    return words if len(words) <= 40 else words[:37] + "..."
