"""Nationalities: the most commonly referred (a ranked list), and the nationality a share is about.

A list is read from one sentence ("the most common nationalities referred were Albanian, UK and
Vietnamese"; "X nationals were the most commonly referred, followed by Y") or assembled from the
ranks that several clauses and sentences of one key result state ("the most common ... was UK
(24%; 4,100); the second most commonly referred was Albanian ... and third was Eritrean"). A
ranking that does not start at the first ("the next most common nationalities were X and Y") is
never the top list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scrapers.nrm.clauses import Sentence
from scrapers.nrm.rules import LIST_CUE, NATIONALITY_WORDS, NOT_A_RANKING, RANKS
from vocabulary.metrics import NATIONALITY_NAMES, NATIONALITY_PEOPLE

# A nationality outside a list: a demonym or its plural ("Albanian", "Albanians", "UK nationals",
# "British", "Britons"); never a country or "the UK" alone, which name places ("exploitation in the UK").
DEMONYM = re.compile(r"\b(?:(UK|British) nationals?\b|(" + "|".join(sorted(map(re.escape, NATIONALITY_PEOPLE), key=len,
                                                                          reverse=True)) + r")\b)", re.I)
ANY_NATIONALITY = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NATIONALITY_NAMES), key=len, reverse=True)) + r")\b",
                             re.I)
_RANKS = tuple((re.compile(words, re.I), rank) for words, rank in RANKS)
_KNOWN_WORDS = re.compile(r"^(?:UK|NRM|SCA|IECA|DtN|Home|Office)$")


@dataclass
class Ranking:
    """Ranks stated so far in one key result: (rank, demonym, the sentence that states it)."""

    ranks: list[tuple[str, str, str]] = field(default_factory=list)


def in_nationality_context(text: str) -> bool:
    """True when a sentence speaks of nationalities: then "the UK" or "Albania" name one, not a place."""
    return LIST_CUE.search(text) is not None or NATIONALITY_WORDS.search(text) is not None or \
        any(m.group(2) and m.group(2).lower().endswith("s") for m in DEMONYM.finditer(text))


def nationalities_in(text: str, *, in_context: bool) -> set[str]:
    """The metric prefixes of the nationalities a clause names (any form when the sentence is about them)."""
    if in_context:
        return {NATIONALITY_NAMES[m.group(1).lower()][1] for m in ANY_NATIONALITY.finditer(text)
                if not _a_place(text, m)}
    return {NATIONALITY_NAMES[(m.group(1) or m.group(2)).lower()][1] for m in DEMONYM.finditer(text)}


def _a_place(text: str, m: re.Match[str]) -> bool:
    """True for "in the UK" / "within the UK": where the exploitation took place, not who was referred."""
    return re.search(r"\b(?:in|within|to|across|outside)\s+(?:the\s+)?$", text[max(0, m.start() - 12):m.start()], re.I) \
        is not None


def ranks_stated(sentence: Sentence) -> bool:
    """True when the sentence ranks nationalities one by one ("the second most commonly referred was ...")."""
    text = sentence.text
    return NATIONALITY_WORDS.search(text) is not None and re.search(
        r"\b(?:second|third|fourth|fifth)\b", text, re.I) is not None


def add_ranks(sentence: Sentence, ranking: Ranking) -> None:
    """The rank and nationality each clause states, in order."""
    for clause in sentence.clauses:
        names = [NATIONALITY_NAMES[m.group(1).lower()][0] for m in ANY_NATIONALITY.finditer(clause.text)
                 if not _a_place(clause.text, m)]
        rank = next((r for pattern, r in _RANKS if pattern.search(clause.text)), "next")
        # a clause without rank words ("... and Vietnamese (233)") comes after the one before
        for i, name in enumerate(names):
            ranking.ranks.append((rank if i == 0 else "next", name, sentence.text))


def ranked_list(ranking: Ranking) -> tuple[list[str], str] | None:
    """(the list, its evidence) when the ranks start at the first and follow one another; else None."""
    if not ranking.ranks or ranking.ranks[0][0] != "1":
        return None
    shown: list[str] = []
    for rank, name, _ in ranking.ranks:
        expected = len(shown) + 1
        if rank not in ("next", str(expected)) or name in shown:
            return None
        shown.append(name)
    return shown, ". ".join(dict.fromkeys(text for _, _, text in ranking.ranks))


def read_list(sentence: Sentence) -> tuple[list[str], str] | str:
    """(the nationalities in the order given, the quote) of a one-sentence list; else why it could not be read."""
    text = sentence.text
    found = [(m.start(), m.end(), NATIONALITY_NAMES[m.group(1).lower()][0]) for m in ANY_NATIONALITY.finditer(text)
             if not _a_place(text, m)]
    shown = [name for _, _, name in found]
    if not found:
        return "no nationality named"
    if len(set(shown)) != len(shown):
        return "a nationality is named twice"
    if NOT_A_RANKING.search(text) or re.search(r"\bnext\b", text[:found[0][0]], re.I):
        return "the sentence is not a plain ranking"
    span = text[found[0][0]:found[-1][1]]
    before, after = text[:found[0][0]], text[found[-1][1]:]
    unknown = [w for w in re.findall(r"\b[A-Z][a-z]+\b", ANY_NATIONALITY.sub(" ", span)) if not _KNOWN_WORDS.match(w)]
    if unknown or re.search(r"[A-Z][a-z]+\s*(?:nationals?)?\s*(?:\([^)]*\))?\s*,\s*$", before) or \
            re.match(r"^\s*(?:nationals?)?\s*(?:\([^)]*\))?\s*(?:,|and)\s+(?:the\s+)?[A-Z][a-z]+", after):
        return "a nationality not in our list is named"
    quote = sentence.clauses[0].text if len(sentence.clauses) == 1 else text
    return shown, quote


def is_list(text: str) -> bool:
    """True when a sentence states the most commonly referred nationalities (not what they were referred for)."""
    m = LIST_CUE.search(text)
    return m is not None and re.match(r"[^.;]{0,40}?\bexploitation\b", text[m.end():], re.I) is None
