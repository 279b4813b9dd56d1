"""Reading key results: each number with the subject, population, scope and period of its own clause.

`read_item(text, period=...)` reads one key result (a bullet, or a paragraph of inline key
results), sentence by sentence and clause by clause, applying the phrasing table (rules.py):

1. the scope of the sentence (scope.py): a nation, an area, an operation, a first responder, a
   footnote, a comparison of shares between years give no UK figure;
2. the nationality list, from one sentence or from ranks across sentences (nationalities.py);
3. per clause: its population ("Of the 1,940 children", "of which", "of them"), then the value
   rules, the comparisons (comparisons.py), the shares of decisions, the shares of referrals;
4. every number not read is named in a notice that says why, in plain words.

The work is linear in the length of the text: each clause looks back only at the state the
clauses before it left (the age, the population, the subject), never at the clauses themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from scrapers.nrm import nationalities
from scrapers.nrm.clauses import Clause, Sentence, clauses_of, prepare, sentences
from scrapers.nrm.comparisons import ANAPHORIC_LEAD, names_other_period, read_comparison, subject_of
from scrapers.nrm.reading import Reading, excerpt, figures_of, token_index
from scrapers.nrm.rules import (
    AGES,
    ANAPHORA,
    EXPLOITATION,
    EXPLOITATION_METRIC,
    IGNORED,
    POPULATION_LEAD,
    POPULATION_SHARES,
    POPULATIONS,
    POSITIVE_WORD,
    VALUE_RULES,
    Rule,
    compiled,
    share_cues,
)
from scrapers.nrm.scope import UK, Scope, clause_scope, sentence_scope
from scrapers.records import Figure
from vocabulary.periods import period_from_phrase, period_label, period_order, year_period

_DOUBLED = re.compile(r"\b(?:in|from|to|of|on|for|at|by) (?:in|from|to|of|on|for|at|by)\b(?! (?:the )?(?:which|whom))", re.I)
_POPULATION_WORDS = tuple((re.compile(words, re.I), population) for words, population in POPULATIONS)


@dataclass
class Carry:
    """What one sentence leaves the next in the same key result: its subject, its topic, the ranks."""

    subject: str | None = None  # for "This is a 12% increase ..."
    topic: str = "all"  # for "Of these, 1,102 were UK nationals"
    ranking: nationalities.Ranking = field(default_factory=nationalities.Ranking)


def read_item(text: str, *, period: str, reading: Reading | None = None) -> Reading:
    """The figures one key result states about the release's `period`, and notices for the rest."""
    reading = reading if reading is not None else Reading()
    carry = Carry()
    said = sentences(prepare(text))
    for sentence in said:
        read_sentence(sentence, period=period, reading=reading, carry=carry)
    _finish_ranking(carry.ranking, period, reading)
    return reading


def read_sentence(text: str, *, period: str, reading: Reading | None = None, carry: Carry | None = None) -> Reading:
    """The figures one sentence of a key result states about the release's `period`."""
    reading = reading if reading is not None else Reading()
    carry = carry if carry is not None else Carry()
    sentence = clauses_of(text, keep_apart=names_a_subject)
    scope = sentence_scope(text)
    if not scope.is_uk:
        for clause in sentence.clauses:
            _name_unread(clause, set(), scope, reading, period)
        carry.subject, carry.topic = None, "?"
        return reading
    for typo in _DOUBLED.finditer(text):
        reading.note(f"the key results say {typo.group(0)!r}, a typo in the official text; "
                     f"the figures around it were read all the same")
    in_context = nationalities.in_nationality_context(text)
    if nationalities.ranks_stated(sentence):
        nationalities.add_ranks(sentence, carry.ranking)
    elif nationalities.is_list(text):
        _read_list(sentence, period, reading)
    subject = carry.subject if ANAPHORIC_LEAD.match(text) else None
    state = _State(topic=carry.topic, subject=subject)
    for clause in sentence.clauses:
        _read_clause(clause, period=period, in_context=in_context, state=state, reading=reading)
        subject = subject_of(clause, subject, narrows=_narrows(clause, in_context))
        state.subject = subject
    carry.subject, carry.topic = subject, state.topic
    return reading


@dataclass
class _State:
    """What the clauses so far in a sentence have said, for the clauses after them."""

    topic: str = "all"  # what the last clause with a value was about ("child", "rg", "all"...)
    population: str = "all"  # set by "Of the 1,940 children," for the rest of the sentence
    age: str | None = None  # the last single age an earlier clause named
    kind: str | None = None  # the exploitation type the clause just before named, without a value of its own
    subject: str | None = None


def _read_clause(clause: Clause, *, period: str, in_context: bool, state: _State, reading: Reading) -> None:
    population = _population(clause, state)
    ages = [a for a in share_cues(clause.text) if a in AGES]
    if clause.values:
        claimed: set[int] = set()
        scope = clause_scope(clause.masked)
        if scope.kind != "negated":
            _read_thresholds(clause, period, claimed, reading)
            read = _read_values(clause, period, claimed, reading, records_only=scope.kind == "span")
            if scope.is_uk:
                subject = subject_of(clause, state.subject, narrows=_narrows(clause, in_context))
                read_comparison(clause, period, subject, claimed, reading, over_a_span=False)
                read += _read_population_share(clause, period, population, claimed, reading)
                read += _read_share(clause, period, in_context, population, state, claimed, reading)
            elif scope.kind == "span":
                subject = subject_of(clause, state.subject, narrows=_narrows(clause, in_context))
                read_comparison(clause, period, subject, claimed, reading, over_a_span=True)
            state.topic = _topic(read) or (population if population != "all" else state.topic)
        else:
            state.topic = population
        why = scope if not scope.is_uk else Scope("group", "a breakdown within a group") if population != "all" else UK
        _name_unread(clause, claimed, why, reading, period)
    elif population != "all":
        state.topic = population
    kinds = {(m.group(1) or m.group(2)).lower() for m in EXPLOITATION.finditer(clause.text)}
    state.kind = kinds.pop() if len(kinds) == 1 and not clause.values else None
    if len(ages) == 1:
        state.age = ages[0]
    elif len(ages) > 1:
        state.age = None


def _population(clause: Clause, state: _State) -> str:
    """The population the clause's shares are of; a lead such as "Of the children," sets it for later clauses."""
    lead = POPULATION_LEAD.match(clause.plain)
    if lead:
        found = _classify(lead.group("group"))
        if found:
            state.population = found
            return found
    if ANAPHORA.search(clause.plain):
        return state.topic if state.topic != "?" else "?"
    return state.population


@lru_cache(maxsize=256)
def _classify(group: str) -> str | None:
    return next((population for pattern, population in _POPULATION_WORDS if pattern.search(group)), None)


def _topic(read: list[Figure]) -> str | None:
    """What a clause's figures were about, for a clause that says "of them" after it."""
    for f in read:
        if f.metric == "total_referrals":
            return "all"
        if f.metric == "reasonable_grounds_decisions":
            return "rg"
        if f.metric == "conclusive_grounds_decisions":
            return "cg"
        base = f.metric.rsplit("_", 1)[0]
        if base in AGES:
            return base
        if f.metric.endswith(("_count", "_pct")):
            return base
    return None


def names_a_subject(text: str) -> bool:
    """True for words that name who a value is about (kept as a clause of their own, even without a value)."""
    return bool(share_cues(text)) or EXPLOITATION.search(text) is not None \
        or nationalities.DEMONYM.search(text) is not None


def _narrows(clause: Clause, in_context: bool) -> bool:
    """True when the clause names a share's subject (a sex, an age, an authority, a nationality, a type)."""
    return bool(share_cues(clause.text)) or EXPLOITATION.search(clause.text) is not None or \
        bool(nationalities.nationalities_in(clause.text, in_context=in_context))


def _context_ok(rule: Rule, sentence: Sentence) -> bool:
    """The rule's conditions on the whole sentence (each tested once per sentence)."""
    if rule.unless and _sentence_has(sentence, rule.unless):
        return False
    if not rule.context:
        return True
    if rule.context.startswith("!"):
        return not _sentence_has(sentence, rule.context[1:])
    return _sentence_has(sentence, rule.context)


def _sentence_has(sentence: Sentence, pattern: str) -> bool:
    found = sentence.tests.get(pattern)
    if found is None:
        found = sentence.tests[pattern] = compiled(pattern).search(sentence.text) is not None
    return found


def _read_thresholds(clause: Clause, period: str, claimed: set[int], reading: Reading) -> None:
    """Values that are no figure ("has exceeded 17,000 for the first time"): named as such."""
    for phrasing in IGNORED:
        for m in compiled(phrasing).finditer(clause.masked):
            index = token_index(m.group("v"))
            if index not in claimed:
                claimed.add(index)
                reading.note(f"not a figure for {period_label(period)}: {clause.values[index].text[:40]!r} is a "
                             f"threshold passed, in {excerpt(clause.text)!r}", kind="scope")


def _read_values(clause: Clause, period: str, claimed: set[int], reading: Reading, *,
                 records_only: bool = False) -> list[Figure]:
    """The value rules: each reads the value written where its phrasing says (only records, over a span)."""
    read: list[Figure] = []
    plain = clause.plain
    for rule in VALUE_RULES:
        if records_only and not rule.scope.startswith("record"):
            continue
        for m in rule.pattern.finditer(plain):
            index = token_index(m.group("v"))
            if index in claimed or not _context_ok(rule, clause.sentence):
                continue
            value = clause.values[index]
            if rule.scope == "record_year":
                year = m.group("year")
                figure_period, metric = year_period(int(year)), rule.metric.format(year=year)
            elif rule.scope == "record_quarter":
                named = period_from_phrase(m.group("quarter"))
                if named is None or period_order(named) >= period_order(period):
                    continue
                figure_period, metric = named, rule.metric
            else:
                if rule.metric == "total_referrals" and rule.scope != "whole" and (
                        share_cues(clause.text) or EXPLOITATION.search(clause.text)):
                    continue  # "9,790 potential victims referred were male": a share, not the total
                if _other_period(clause, period):
                    continue  # stated, but about another period: named as such below
                figure_period, metric = period, rule.metric
            claimed.add(index)
            got = figures_of(metric, value, rule.unit, clause, figure_period)
            reading.figures.extend(got)
            read += got
    return read


def _read_population_share(clause: Clause, period: str, population: str, claimed: set[int],
                           reading: Reading) -> list[Figure]:
    """A share of a narrower population the table names ("..., of which 92% were positive")."""
    base = POPULATION_SHARES.get((population, "positive")) if POSITIVE_WORD.search(clause.text) else None
    own = [p for p in ("rg", "cg") if _classify(clause.text) == p]
    base = base or (POPULATION_SHARES.get((own[0], "positive")) if own and POSITIVE_WORD.search(clause.text) else None)
    open_values = [i for i, v in enumerate(clause.values) if i not in claimed and v.shape in ("P", "PN")]
    if base is None or len(open_values) != 1 or _other_period(clause, period):
        return []
    claimed.add(open_values[0])
    got = figures_of(base, clause.values[open_values[0]], "share", clause, period)
    reading.figures.extend(got)
    return got


def _read_share(clause: Clause, period: str, in_context: bool, population: str, state: _State, claimed: set[int],
                reading: Reading) -> list[Figure]:
    """A share of the referrals ("77% (9,790) were male"): one subject, one value, in one clause."""
    open_values = [i for i, v in enumerate(clause.values) if i not in claimed and v.shape in ("PN", "P", "N")]
    if len(open_values) != 1:
        return []  # none, or two values for one subject
    subjects = _share_subjects(clause, in_context, population, state)
    if len(subjects) != 1 or "?" in subjects or _other_period(clause, period):
        return []  # no subject, one we cannot name, a cross-tabulation, or another period
    claimed.add(open_values[0])
    got = figures_of(subjects[0], clause.values[open_values[0]], "share", clause, period)
    reading.figures.extend(got)
    return got


def _share_subjects(clause: Clause, in_context: bool, population: str, state: _State) -> list[str]:
    """The share subjects a clause names, within its population (an age gives an exploitation type its age)."""
    text = clause.text
    found = list(share_cues(text))
    kinds = {(m.group(1) or m.group(2)).lower() for m in EXPLOITATION.finditer(text)}
    if kinds:
        ages = [a for a in AGES if a in found] or ([population] if population in AGES else
                                                   [state.age] if state.age and population == "all" else [])
        found = [b for b in found if b not in AGES]
        if len(kinds) == 1 and len(ages) == 1:
            found.append(f"{ages[0]}_{EXPLOITATION_METRIC[kinds.pop()]}")
        else:
            found.append("?")  # an exploitation type without a single age: not a metric we can name
    elif population != "all":
        return ["?"]  # a share within a group ("Of the adults, 45% were male"): a breakdown, no metric
    elif state.kind and found in (["adult"], ["child"]):
        # "Criminal exploitation was the most common type, reported for 5,321 children": that type, that age
        return [f"{found[0]}_{EXPLOITATION_METRIC[state.kind]}"]
    found += sorted(nationalities.nationalities_in(text, in_context=in_context))
    return sorted(set(found))


def _read_list(sentence: Sentence, period: str, reading: Reading) -> None:
    """The most commonly referred nationalities of one sentence, in the order given."""
    got = nationalities.read_list(sentence)
    if isinstance(got, str):
        reading.note("the list of nationalities could not be read", metrics=("top_nationalities",))
        return
    if names_other_period(" ".join(c.masked for c in sentence.clauses), period):  # values masked: "(25%; 1990)"
        reading.note(f"a list of nationalities for another period than {period_label(period)} was not read",
                     metrics=("top_nationalities",), kind="scope")
        return
    shown, quote = got
    evidence = sentence.text if len(sentence.text) <= 2_000 else quote[:2_000]
    reading.figures.append(Figure(metric="top_nationalities", value=shown, unit="list", evidence=evidence,
                                  period=period, quote=quote[:2_000]))


def _finish_ranking(ranking: nationalities.Ranking, period: str, reading: Reading) -> None:
    """The list the ranks of one key result state, when they start at the first and follow one another."""
    if not ranking.ranks:
        return
    got = nationalities.ranked_list(ranking)
    if got is None:
        reading.note("the list of nationalities could not be read: its ranks do not start at the most common",
                     metrics=("top_nationalities",))
        return
    shown, evidence = got  # the sentences that state the ranks
    reading.figures.append(Figure(metric="top_nationalities", value=shown, unit="list", evidence=evidence[:2_000],
                                  period=period, quote=evidence[:2_000]))


def _other_period(clause: Clause, period: str) -> bool:
    """names_other_period of the clause, worked out once (a clause can have many values)."""
    found = clause.facts.get("other_period")
    if found is None:
        found = clause.facts["other_period"] = names_other_period(clause.masked, period)
    return bool(found)


def _name_unread(clause: Clause, claimed: set[int], scope: Scope, reading: Reading, period: str) -> None:
    """A notice for every value of the clause that no figure took, saying why when the reason is known."""
    for i, value in enumerate(clause.values):
        if i in claimed:
            continue
        where = clause.text if len(clause.text) <= 120 else excerpt(clause.sentence.text, value)
        if not scope.is_uk:
            reading.note(f"not a UK figure for {period_label(period)}: {value.text[:40]!r} is {scope.words}, in {where!r}",
                         kind="scope")
        elif _other_period(clause, period):
            reading.note(f"not a figure for {period_label(period)}: {value.text[:40]!r} is about another period, "
                         f"in {where!r}", kind="scope")
        else:
            reading.note(f"a number in the key results could not be matched to a figure: {value.text[:40]!r} in {where!r}")
