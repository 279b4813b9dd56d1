"""NRM figures quoted in other texts (a minister's written answer, a statement), read with the NRM extractor.

A bulletin's figures describe its own period; a sentence in an answer names its own ("In 2023,
17,000 potential victims were referred to the NRM", "in April to June 2024"). Each sentence that
speaks of the NRM or the Duty to Notify is read by the extractor's phrasing table
(`scrapers.nrm.reader.read_sentence`) once for each period it names, so a figure is only ever a
number written in that sentence, about a period the sentence names. Pure: no I/O.
"""

from __future__ import annotations

import re

from scrapers.nrm.clauses import prepare, sentences
from scrapers.nrm.reader import read_sentence
from scrapers.records import QuotedFigure
from vocabulary.calendar import PROSE_YEAR_PATTERN
from vocabulary.periods import period_from_phrase, year_period

# A sentence worth reading speaks of the NRM (or its referrals) or the Duty to Notify.
NRM_CUE = re.compile(r"national referral mechanism|\bNRM\b|duty to notify|\bDtN\b|referred to the home office", re.I)
_YEAR = re.compile(rf"\b(?:in|during|for|of|throughout)\s+(?:the\s+(?:calendar\s+)?year\s+)?({PROSE_YEAR_PATTERN})\b", re.I)
MAX_SENTENCES = 400  # a written answer is a few paragraphs; a runaway text is not read further
UNITS = ("count", "pct")  # an answer's words are never turned into an approximate count


def periods_named(sentence: str) -> list[str]:
    """The periods a sentence names: a quarter ('April to June 2024', 'quarter 2 2024') or a year ('in 2023')."""
    found = []
    quarter = period_from_phrase(sentence)
    if quarter:
        found.append(quarter)
    found += [year_period(int(y)) for y in _YEAR.findall(sentence)]
    return list(dict.fromkeys(found))


def quoted_figures(text: str) -> tuple[QuotedFigure, ...]:
    """The NRM figures `text` states, each with its period and sentence; () when it states none."""
    found: list[QuotedFigure] = []
    for paragraph in text.split("\n"):
        for sentence in sentences(prepare(paragraph))[:MAX_SENTENCES]:
            if not NRM_CUE.search(sentence):
                continue
            for period in periods_named(sentence):
                for figure in read_sentence(sentence, period=period).figures:
                    if figure.unit in UNITS and figure.period == period:
                        found.append(QuotedFigure(figure.metric, figure.value, figure.unit, period, sentence))
    return tuple(dict.fromkeys(found))
