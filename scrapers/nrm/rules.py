"""The phrasing table: which words, written next to which value, state which metric.

Rules are data, not code: each row is a phrasing (a regular expression over a clause whose values
are tokens: `{share}` a share and/or count, `{count}` a count, `{pct}` a percentage), the metric
it states, its unit and its scope (the period it describes). `read_sentence` applies the table
to each clause of a sentence and never reads a value outside the clause it is written in.

What never becomes a figure: a sentence about one nation (Scotland, Wales, Northern Ireland,
England), a footnote, a negated clause ("not a 7% increase"), a clause naming another period
than the bulletin's (unless the rule is about that period: restatements and records), and a
clause whose value could belong to two subjects ("45% (1,234) of adults were male").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from scrapers.nrm.clauses import Clause, Sentence, clauses_of
from scrapers.records import Figure, Notice
from vocabulary.calendar import MONTH_PATTERN, PROSE_YEAR_PATTERN
from vocabulary.metrics import EXPLOITATION_TYPES, NATIONALITY_NAMES
from vocabulary.periods import (
    is_quarter,
    parse_period,
    period_from_phrase,
    period_label,
    period_order,
    previous_period,
    year_ago,
    year_period,
)

_TOKENS = {
    "share": r"(?P<v><(?:PN|P|N)\d+>)",
    "count": r"(?P<v><[NA]\d+>)",
    "pct": r"(?P<v><P\d+>)",
    "pair": r"(?P<v><PN\d+>)",
    "year": PROSE_YEAR_PATTERN,  # a year as written (never a value: years are not masked)
}


@dataclass(frozen=True)
class Rule:
    """One phrasing: where its value stands and what it states."""

    phrasing: str  # regex over the masked clause; {count} / {pct} / {share} / {pair} mark the value read
    metric: str  # a metric name, or a base for shares ("male" gives male_count and male_pct)
    unit: str  # "count" (a count or approximate count), "pct", or "share" (pct and/or count)
    scope: str = "current"  # "current", "record_year" or "record_quarter" (a record of a named year or quarter)
    context: str = ""  # a regex the whole sentence must match (and "!regex": must not match)
    unless: str = ""  # a regex the whole sentence must not match
    example: str = ""  # a clause the rule reads (tests read every example)

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.phrasing)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(phrasing: str) -> re.Pattern[str]:
    if phrasing not in _CACHE:
        text = phrasing
        for name, token in _TOKENS.items():
            text = text.replace("{" + name + "}", token)
        _CACHE[phrasing] = re.compile(text, re.I)
    return _CACHE[phrasing]


_VICTIMS = r"(?:potential victims|people|individuals|persons)(?: of (?:modern slavery|human trafficking|trafficking)(?: (?:and|or) (?:modern slavery|exploitation))?)?"
# a share of decisions is the positive share when the sentence says so, or when it follows the
# decisions counted ("... decisions were issued; of these, 88% of reasonable grounds ...")
_POSITIVE = r"\bpositive\b|decisions (?:were|was) (?:made|issued)[^.]*?\bof (?:these|which|those)\b"
_REFERRED = r"(?:were |was |had been |have been )?(?:referred|submitted)"

# Values written next to these words: rules read the value their {count}/{pct}/{share} marks.
VALUE_RULES: tuple[Rule, ...] = (
    # cases awaiting a decision come first: their sentences also name reasonable grounds decisions
    Rule(r"{count} (?:cases|potential victims|referrals|people|individuals)?\s*(?:(?!reasonable grounds decisions? and)[^<])*?"
         r"(?:were |are |was |remain(?:ed)? |remaining )?(?:still )?awaiting an? (?!reasonable grounds)(?:conclusive grounds |CG |final )?decision",
         "awaiting_cg_count", "count", example="1,234 cases were awaiting a conclusive grounds decision"),
    Rule(r"{count} (?:cases|potential victims|referrals)? ?(?:which|that) (?:have|had) (?:been issued|received) a positive reasonable grounds decision"
         r" and (?:are|were|remain) (?:still )?awaiting",
         "awaiting_cg_count", "count",
         example="1,234 cases which have been issued a positive reasonable grounds decision and are awaiting a conclusive grounds decision"),
    Rule(r"{count} positive (?:reasonable grounds|RG)\b", "positive_rg_count", "count",
         example="3,000 positive reasonable grounds decisions were issued"),
    Rule(r"{count} positive (?:conclusive grounds|CG)\b", "positive_cg_count", "count",
         example="2,000 positive conclusive grounds decisions were issued"),
    Rule(r"{count} (?:reasonable grounds|RG)(?: \(RG\))?(?: decisions?)?",
         "reasonable_grounds_decisions", "count",
         example="12,665 reasonable grounds and 2,866 conclusive grounds decisions were made this year"),
    Rule(r"{count} (?:conclusive grounds|CG)(?: \(CG\))?(?: decisions?)?", "conclusive_grounds_decisions", "count",
         example="2,866 conclusive grounds decisions were made this year"),
    Rule(r"{pair} of (?:the |these |all )?(?:reasonable grounds|RG)", "positive_rg", "share",
         context=_POSITIVE, unless=r"\bnegative\b", example="58% (2,046) of reasonable grounds decisions were positive"),
    Rule(r"{pct} of (?:the |these |all )?(?:reasonable grounds|RG)", "positive_rg_pct", "pct",
         context=_POSITIVE, unless=r"\bnegative\b", example="90% of reasonable grounds and 91% of conclusive grounds decisions were positive"),
    Rule(r"{pair} of (?:the |these |all )?(?:conclusive grounds|CG)", "positive_cg", "share",
         context=_POSITIVE, unless=r"\bnegative\b", example="75% (1,706) of conclusive grounds decisions were positive"),
    Rule(r"{pct} of (?:the |these |all )?(?:conclusive grounds|CG)", "positive_cg_pct", "pct",
         context=_POSITIVE, unless=r"\bnegative\b", example="91% of conclusive grounds decisions were positive"),
    # Duty to Notify
    Rule(r"{count} (?:DtN |Duty to Notify )?reports of (?:adult )?potential victims", "dtn_count", "count",
         example="the Home Office received 1,307 reports of adult potential victims via the DtN process"),
    Rule(r"{count} (?:DtN|Duty to Notify) reports", "dtn_count", "count", example="there were 1,307 DtN reports"),
    Rule(r"{count} reports (?:were )?(?:made |received )?(?:via|through|under) the (?:DtN|Duty to Notify)", "dtn_count", "count",
         example="1,307 reports were made via the Duty to Notify process"),
    # the total of the period
    Rule(rf"{{count}} {_VICTIMS} (?:(?:of [^<]*?|who [^<]*?) )?{_REFERRED}", "total_referrals", "count",
         example="4,746 potential victims of modern slavery were referred to the Home Office in January to March 2023"),
    Rule(rf"there were {{count}} (?:{_VICTIMS}|referrals)", "total_referrals", "count",
         example="there were 4,418 potential victims of modern slavery referred to the Home Office"),
    Rule(r"{count} (?:NRM )?referrals (?:of potential victims )?(?:to the NRM )?(?:were |was )?(?:made|received|submitted)",
         "total_referrals", "count", example="4,418 referrals were made to the NRM"),
    Rule(r"(?:NRM|Home Office|National Referral Mechanism) (?:received|recorded) {count} (?:NRM )?(?:referrals|potential victims)",
         "total_referrals", "count", example="the Home Office received 4,758 NRM referrals"),
    Rule(r"^(?:the (?:total )?number of )?referrals (?:to the NRM )?(?:\w+ ){0,3}?(?:was|were|stood at|totalled|reached) {count}",
         "total_referrals", "count", example="the number of referrals was 4,418"),
    # records
    Rule(r"previously {count} in (?P<year>{year})\b", "previous_record_referrals_{year}", "count",
         scope="record_year", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the highest since the NRM began in 2009 (previously 10,611 in 2019)"),
    Rule(r"previous record (?:of |was |stood at )?{count} (?:referrals )?in (?P<year>{year})\b",
         "previous_record_referrals_{year}", "count", scope="record_year", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the previous record was 10,611 in 2019"),
    Rule(r"previous (?:record|highest)(?: quarter(?:ly (?:number|total))?)? (?:of |was |stood at )?{count} (?:referrals )?in "
         r"(?P<quarter>quarter [1-4],? {year}|[A-Z][a-z]+ to [A-Z][a-z]+,? {year})",
         "previous_record_quarter_referrals", "count", scope="record_quarter", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the highest quarterly number since the NRM began (the previous record was 4,586 in quarter 3 2022)"),
    Rule(r"previous (?:record|highest) quarter(?:ly (?:number|total))? (?:of |was |\()?{count}",
         "previous_record_quarter_referrals", "count", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="above the previous record quarter (4,586)"),
)

# Values that are not figures of the release: read, so that they are not reported as unread.
IGNORED: tuple[str, ...] = (
    r"(?:exceeded|passed|topped|surpassed|over|more than|above) {count} for the first time",
    r"{count} for the first time",
)

# Subjects of a share ("77% (9,790) were male"): the cue may stand anywhere in the clause.
SHARE_CUES: tuple[tuple[str, str], ...] = (
    (r"single competent authority|\bSCA\b", "sca"),
    (r"immigration enforcement competent authority|\bIECA\b", "ieca"),
    (r"\bUK[- ]only\b|\bin the UK only\b|\bonly in the UK\b|\bwithin the UK only\b", "uk_only"),
    (r"\boverseas[- ]only\b|\bonly overseas\b|\babroad only\b|\bonly abroad\b", "overseas_only"),
    (r"\bfemales?\b|\bwomen\b", "female"),
    (r"\bmales?\b|\bmen\b", "male"),
    (r"\badults?\b", "adult"),
    (r"\bchild(?:ren)?\b|\bminors?\b|\bunder 18\b", "child"),
)
_SHARE_PATTERNS = tuple((re.compile(cue, re.I), base) for cue, base in SHARE_CUES)


@lru_cache(maxsize=4096)
def share_cues(text: str) -> tuple[str, ...]:
    """The share subjects whose cue words the text contains ("male", "sca", ...), in table order."""
    return tuple(base for pattern, base in _SHARE_PATTERNS if pattern.search(text))


@lru_cache(maxsize=256)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_EXPLOITATION = re.compile(r"\b(labour|criminal|sexual)\b(?=(?:(?:,| and| or) (?:labour|criminal|sexual))* exploitation\b)"
                           r"|\b(domestic servitude|organ harvesting)\b", re.I)
# A nationality outside a list: a demonym ("Albanian", "UK nationals", "British"); never a
# country or "the UK" alone, which name places ("exploitation in the UK").
_DEMONYM = re.compile(
    r"\b(?:(UK|British) nationals?\b|(" + "|".join(
        sorted((n for n, (shown, _) in NATIONALITY_NAMES.items() if n == shown.lower() and n != "uk"), key=len, reverse=True)
    ) + r")\b)", re.I)
_ANY_NATIONALITY = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NATIONALITY_NAMES), key=len, reverse=True)) + r")\b", re.I)

# Comparisons: a change ("a 10% increase", "up 18%") and the period it is measured against.
_UP = r"increase[sd]?|rise|rose|risen|grew|grown|growth|up|higher"
_DOWN = r"decrease[sd]?|fall|fell|fallen|drop(?:ped)?|decline[sd]?|reduction|down|lower"
_CHANGES = (
    re.compile(rf"(?P<v><P\d+>) (?P<d>{_UP}|{_DOWN})\b", re.I),
    re.compile(rf"\b(?P<d>{_UP}|{_DOWN}) (?:by |of )?(?P<v><P\d+>)", re.I),
)
_YEARS = PROSE_YEAR_PATTERN
# reference phrase -> what it compares with
REFERENCES: tuple[tuple[str, str], ...] = (
    (r"(?:the )?(?:same|equivalent) (?:quarter|period) (?:of |in )?(?:the )?(?:previous|preceding|last|prior) year"
     r"|(?:the )?(?:same|equivalent) (?:quarter|period) (?:a |one |the )?year (?:earlier|before|ago|previously)"
     r"|(?:the )?(?:same|equivalent) (?:quarter|period) last year", "last_year"),
    (r"(?:the )?(?:preceding|previous|prior|last) quarter|the quarter before", "previous_quarter"),
    (r"(?:the )?(?:preceding|previous|prior|last) year|the year before", "previous_year"),
    (r"(?:a|one) year (?:earlier|ago|before)", "year_ago"),
    (rf"(?:the )?(?:same|equivalent) (?:quarter|period) (?:of|in) {_YEARS}", "same_named_year"),
)
_REFERENCE = re.compile("|".join(f"(?:{p})" for p, _ in REFERENCES), re.I)
_NAMED = re.compile(rf"(?:quarter [1-4] {_YEARS}|{MONTH_PATTERN} to {MONTH_PATTERN},? {_YEARS}|\b{_YEARS}\b)", re.I)
# restated count of the comparison: "(3,777)" after the reference, "from 3,777", "compared with 3,777"
_REFERENCE_COUNT = re.compile(r"(?:\)|quarter|year|period|earlier|before|ago|\d{4})\s*,?\s*\(\s*(?P<v><N\d+>)\s*\)"
                              r"|\bfrom (?P<w><N\d+>)|\bcompared (?:to|with) (?P<x><N\d+>)"
                              r"|^(?:and )?(?P<y><N\d+>) in (?=(?:the )?(?:same|equivalent) (?:quarter|period))", re.I)
_CURRENT_COUNT = re.compile(r"(?<!compared )(?<!similar )\bto (?P<v><N\d+>)", re.I)
_SIMILAR = re.compile(r"\b(?:similar|same|comparable) (?:number|level)\b", re.I)
# subject -> role -> (restated count metric, change metric)
COMPARISON_METRICS: dict[str, dict[str, tuple[str, str | None]]] = {
    "referrals": {"previous": ("previous_period_referrals", "pct_change_vs_previous"),
                  "last_year": ("same_period_last_year_referrals", "pct_change_vs_last_year")},
    "dtn": {"previous": ("dtn_previous_period", "dtn_pct_change_vs_previous")},
}

# Sentences that never give figures of the release.
_NATION_ONLY = re.compile(r"\b(?:Scotland|Wales|Northern Ireland|England|Scottish|Welsh|Northern Irish|English)\b")
_FOOTNOTE = re.compile(r"^\s*(?:\d{1,2}\s*)?(?:footnotes?|notes?)\b\s*[:.\d]|^\s*\[\s*\d+\s*\]|^\s*\*+\s", re.I)
_COMPARATIVE = re.compile(r"\b(?:higher|lower|greater|smaller|larger) (?:proportion|share|percentage|number)\b[^.]*\bthan\b", re.I)
_OTHER_SPAN = re.compile(r"\byear to\b|\byear ending\b|\b12 months\b|\bso far this year\b|\bfinancial year\b|"
                         rf"\byear to date\b|\bsince (?:records began|January|April)\b|\bbetween {PROSE_YEAR_PATTERN} and\b", re.I)
_DOUBLED = re.compile(r"\b(?:in|from|to|of|on|for|at|by) (?:in|from|to|of|on|for|at|by)\b(?! (?:the )?(?:which|whom))", re.I)
_NEGATION = re.compile(r"\bnot\b|n't\b|\bnever\b|\bneither\b|\bnor\b|\bno longer\b", re.I)
# A change over a span of several periods ("over the last five years", "since 2012", "in the past
# decade") is no change on the previous period, whatever the sentence's other words.
_SPAN = re.compile(r"\b(?:last|past|previous|preceding) (?:\w+ ){0,2}(?:years|quarters|decades?)\b|\bdecades?\b"
                   r"|\bsince\b", re.I)
_SINCE_YEAR = re.compile(rf"\b(?:since|began in|begun in|started in|introduced in)\b[^,;()]*?\b{PROSE_YEAR_PATTERN}\b", re.I)

LIST_CUE = re.compile(
    r"\bmost (?:common(?:ly)?|frequent(?:ly)?|often)(?: referred)? nationalit(?:y|ies)\b"
    r"|\bnationalit(?:y|ies) (?:most )?(?:commonly |frequently |often )?referred\b"
    r"|\btop (?:\w+ )?nationalities\b|\bmost (?:commonly|often|frequently) referred (?:nationality|nationalities)\b", re.I)
_NOT_A_RANKING = re.compile(r"\b(?:second|third|after|least|fewest|fewer|increase|decrease|rise|fall)\b", re.I)


@dataclass
class Reading:
    """What one sentence gave: figures (not yet checked) and notices about what could not be read."""

    figures: list[Figure] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def read_sentence(text: str, *, period: str) -> Reading:
    """The figures one sentence of a key result states about the release's `period`."""
    reading = Reading()
    if _NATION_ONLY.search(text) or _FOOTNOTE.search(text) or _COMPARATIVE.search(text) or _OTHER_SPAN.search(text):
        return reading  # about one nation, a footnote, a comparison of shares, or another span of time
    sentence = clauses_of(text, keep_apart=_names_a_subject)
    for typo in _DOUBLED.finditer(text):
        reading.notices.append(Notice(f"the key results say {typo.group(0)!r}, a typo in the official text; "
                                      f"the figures around it were read all the same", kind="reading"))
    in_list = LIST_CUE.search(text) is not None
    if in_list:
        _read_list(sentence, period, reading)
    subject: str | None = None
    for clause in sentence.clauses:
        subject = _subject(clause, subject)
        if not clause.values or _NEGATION.search(clause.text):
            continue
        claimed: set[int] = set()
        _read_ignored(clause, claimed)
        _read_values(clause, period, claimed, reading)
        _read_comparison(clause, period, subject, claimed, reading)
        _read_share(clause, period, in_list, claimed, reading)
        for i, value in enumerate(clause.values):
            if i not in claimed:
                reading.notices.append(Notice(
                    f"a number in the key results could not be matched to a figure: {value.text!r} in {clause.text!r}",
                    kind="reading"))
    return reading


def _names_a_subject(text: str) -> bool:
    """True for words that name who a value is about (kept as a clause of their own, even without a value)."""
    return bool(share_cues(text)) or _EXPLOITATION.search(text) is not None \
        or _DEMONYM.search(text) is not None


def _figure(metric: str, value: object, unit: str, clause: Clause, period: str) -> Figure:
    return Figure(metric=metric, value=value, unit=unit, evidence=clause.sentence.text, period=period,
                  quote=clause.text)


def _context_ok(rule: Rule, sentence: str) -> bool:
    if rule.unless and _rx(rule.unless).search(sentence):
        return False
    rule_context = rule.context
    if not rule_context:
        return True
    if rule_context.startswith("!"):
        return _rx(rule_context[1:]).search(sentence) is None
    return _rx(rule_context).search(sentence) is not None


def _token_index(token: str) -> int:
    return int(re.sub(r"\D", "", token))


def _read_ignored(clause: Clause, claimed: set[int]) -> None:
    for phrasing in IGNORED:
        for m in _compiled(phrasing).finditer(clause.masked):
            claimed.add(_token_index(m.group("v")))


def _read_values(clause: Clause, period: str, claimed: set[int], reading: Reading) -> None:
    """The value rules: each reads the value written where its phrasing says."""
    for rule in VALUE_RULES:
        for m in rule.pattern.finditer(clause.masked):
            index = _token_index(m.group("v"))
            if index in claimed or not _context_ok(rule, clause.sentence.text):
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
                if metric_is_total(rule.metric) and _share_subjects(clause, False):
                    continue  # "9,790 potential victims referred were male": a share, not the total
                if _names_other_period(clause.masked, period):
                    claimed.add(index)  # stated, but about another period: not a figure of this release
                    continue
                figure_period, metric = period, rule.metric
            claimed.add(index)
            reading.figures.extend(_share_figures(metric, value, rule.unit, clause, figure_period))


def metric_is_total(metric: str) -> bool:
    """True for the metrics that count everyone (a clause naming a subset never states them)."""
    return metric == "total_referrals"


def _share_figures(metric: str, value, unit: str, clause: Clause, period: str) -> list[Figure]:
    """A value as figures of `metric`: a share base gives <base>_pct and <base>_count."""
    if unit == "share":
        out = []
        if value.pct is not None:
            out.append(_figure(f"{metric}_pct", value.pct, "pct", clause, period))
        if value.count is not None:
            out.append(_figure(f"{metric}_count", value.count, "count", clause, period))
        return out
    if unit == "pct":
        return [_figure(metric, value.pct, "pct", clause, period)] if value.pct is not None else []
    if value.approx is not None:
        return [_figure(metric, value.approx, "approx", clause, period)]
    return [_figure(metric, value.count, "count", clause, period)] if value.count is not None else []


def _subject(clause: Clause, previous: str | None) -> str | None:
    """What the comparisons of this clause are about: referrals, DtN reports, or something else (None)."""
    text = clause.text
    if re.search(r"\b(?:DtN|Duty to Notify)\b|\breports of\b", text, re.I):
        return "dtn"
    if share_cues(text) or _DEMONYM.search(text) or _EXPLOITATION.search(text):
        return None if clause.values else previous
    if re.search(r"\breferrals?\b|\bpotential victims\b|\breferred\b|\bsubmitted\b", text, re.I):
        return "referrals"
    return previous


def _role(clause: Clause, period: str) -> tuple[str | None, str]:
    """(previous | last_year | None, a note when the named period had to be read as a typo)."""
    quarterly = is_quarter(period)
    m = _REFERENCE.search(clause.text)
    if m:
        kind = next(k for p, k in REFERENCES if re.fullmatch(p, m.group(0), re.I))
        if kind == "last_year":
            return ("last_year" if quarterly else "previous"), ""
        if kind == "previous_quarter":
            return ("previous" if quarterly else None), ""
        if kind == "previous_year":
            return (None if quarterly else "previous"), ""
        if kind == "same_named_year" and int(m.group(0)[-4:]) != parse_period(period)[0] - 1:
            return None, ""  # "the same quarter of 2021" in a 2024 release: not a comparison we name
        return ("last_year" if quarterly else "previous"), ""
    named = _named_period(clause.text, period)
    if named is None:
        return None, ""
    if named == previous_period(period):
        return "previous", ""
    if quarterly and named == year_ago(period):
        return "last_year", ""
    year, quarter = parse_period(period)
    try:
        named_year, named_quarter = parse_period(named)
    except ValueError:
        return None, ""
    if quarterly and named_quarter is not None:
        # a typo in the year of a named quarter: the quarter says which comparison it can only be
        role = "last_year" if named_quarter == quarter else (
            "previous" if named_quarter == parse_period(previous_period(period))[1] else None)
        if role:
            meant = previous_period(period) if role == "previous" else year_ago(period)
            return role, (f"a comparison names {named}, but the comparison can only be with {meant} "
                          f"(read as {period_label(meant)})")
    return None, ""


def _named_period(text: str, period: str) -> str | None:
    text = _SINCE_YEAR.sub(" ", text)
    for m in _NAMED.finditer(text):
        named = period_from_phrase(m.group(0))
        if named:
            return named
        if not is_quarter(period):
            return year_period(int(m.group(0)))
    return None


def _read_comparison(clause: Clause, period: str, subject: str | None, claimed: set[int], reading: Reading) -> None:
    """A change on an earlier period and the earlier period's count, restated."""
    changes = [(m, m.group("d")) for pattern in _CHANGES for m in pattern.finditer(clause.masked)]
    similar = _SIMILAR.search(clause.masked) is not None
    if not changes and not similar and not _REFERENCE.search(clause.text):
        return
    if subject not in COMPARISON_METRICS:
        return
    role, note = _role(clause, period)
    if role is None and not is_quarter(period) and changes and not _SPAN.search(clause.sentence.text):
        role = "previous"  # "up 18% to 12,345" in an end of year summary: on the year before
    for m in _CURRENT_COUNT.finditer(clause.masked):
        index = _token_index(m.group("v"))
        if index not in claimed and subject == "referrals" and changes and not _names_other_period(clause.masked, period, comparison=True):
            claimed.add(index)
            reading.figures.extend(_share_figures("total_referrals", clause.values[index], "count", clause, period))
        elif index not in claimed and subject == "dtn" and changes:
            claimed.add(index)
            reading.figures.extend(_share_figures("dtn_count", clause.values[index], "count", clause, period))
    metrics = COMPARISON_METRICS[subject].get(role or "")
    if metrics is None:
        return
    if note:
        reading.notices.append(Notice(note, metrics=tuple(m for m in metrics if m), kind="reading"))
    count_metric, change_metric = metrics
    then = previous_period(period) if role == "previous" else year_ago(period)
    pcts = {_token_index(m.group("v")): d for m, d in changes if _token_index(m.group("v")) not in claimed}
    if len(pcts) == 1 and change_metric:
        index, direction = next(iter(pcts.items()))
        value = clause.values[index].pct
        if value is not None:
            claimed.add(index)
            signed = -value if re.fullmatch(_DOWN, direction, re.I) else value
            reading.figures.append(_figure(change_metric, signed, "pct", clause, period))
    counts = [i for m in _REFERENCE_COUNT.finditer(clause.masked)
              for i in (_token_index(m.group(g)) for g in "vwxy" if m.group(g)) if i not in claimed]
    if len(set(counts)) == 1:
        index = counts[0]
        claimed.add(index)
        reading.figures.extend(_share_figures(count_metric, clause.values[index], "count", clause, then))


def _names_other_period(text: str, period: str, *, comparison: bool = False) -> bool:
    """True when the clause names a period other than the release's own (a year, a quarter)."""
    text = _SINCE_YEAR.sub(" ", text)
    text = re.sub(r"\(previously[^)]*\)", " ", text)
    year, quarter = parse_period(period)
    if re.search(r"\bthis year\b|\blast year\b", text, re.I) and quarter is not None and not comparison:
        return True
    for m in _NAMED.finditer(text):
        named = period_from_phrase(m.group(0))
        if named is None:
            if int(m.group(0)) != year:
                return True
        elif named != period:
            return True
    return False


def _read_share(clause: Clause, period: str, in_list: bool, claimed: set[int], reading: Reading) -> None:
    """A share of the referrals ("77% (9,790) were male"): one subject, one value, in one clause."""
    open_values = [i for i, v in enumerate(clause.values) if i not in claimed and v.shape in ("PN", "P", "N")]
    if not open_values:
        return
    subjects = _share_subjects(clause, in_list)
    if len(subjects) != 1 or "?" in subjects or len(open_values) != 1 or _subset_of_earlier(clause):
        # none, a subject we cannot name, two subjects for one value (a cross-tabulation), or two
        # values for one subject
        return
    if _names_other_period(clause.masked, period):
        claimed.update(open_values)
        return
    index = open_values[0]
    claimed.add(index)
    reading.figures.extend(_share_figures(subjects[0], clause.values[index], "share", clause, period))


def _share_subjects(clause: Clause, in_list: bool) -> list[str]:
    """The share subjects a clause names (the age of an exploitation type may come from an earlier clause)."""
    text = clause.text
    found = list(share_cues(text))
    kinds = {(m.group(1) or m.group(2)).lower() for m in _EXPLOITATION.finditer(text)}
    nationalities = _nationalities_in(text, in_list)
    if kinds:
        ages = [a for a in ("adult", "child") if a in found] or _age_before(clause)
        found = [b for b in found if b not in ("adult", "child")]
        if len(kinds) == 1 and len(ages) == 1:
            found.append(f"{ages[0]}_{EXPLOITATION_TYPES[kinds.pop()]}")
        else:
            found.append("?")  # an exploitation type without a single age: not a metric we can name
    found += sorted(nationalities)
    return sorted(set(found))


def _nationalities_in(text: str, in_list: bool) -> set[str]:
    if in_list:
        return {NATIONALITY_NAMES[m.group(1).lower()][1] for m in _ANY_NATIONALITY.finditer(text)}
    found = set()
    for m in _DEMONYM.finditer(text):
        name = (m.group(1) or m.group(2)).lower()
        found.add(NATIONALITY_NAMES[name][1])
    return found


def _age_before(clause: Clause) -> list[str]:
    """The age named by the nearest earlier clause of the sentence ("as adults, with labour ... (27%; 383)")."""
    for earlier in reversed(clause.sentence.clauses[: clause.index]):
        ages = [base for base in share_cues(earlier.text) if base in ("adult", "child")]
        if ages:
            return ages if len(ages) == 1 else []
    return []


def _subset_of_earlier(clause: Clause) -> bool:
    """True when an earlier clause without a value narrows the population ("Of the adults, 45% (..) were male")."""
    mine = set(share_cues(clause.text))
    for earlier in clause.sentence.clauses[: clause.index]:
        if earlier.values:
            continue
        theirs = set(share_cues(earlier.text))
        if theirs - mine and not _EXPLOITATION.search(clause.text):
            return True
    return False


def _read_list(sentence: Sentence, period: str, reading: Reading) -> None:
    """The most commonly referred nationalities, in the order given."""
    text = sentence.text
    found = [(m.start(), m.end(), NATIONALITY_NAMES[m.group(1).lower()][0]) for m in _ANY_NATIONALITY.finditer(text)]
    shown = [name for _, _, name in found]
    problem = ""
    if not found:
        problem = "no nationality named"
    elif len(set(shown)) != len(shown):
        problem = "a nationality is named twice"
    elif _NOT_A_RANKING.search(text):
        problem = "the sentence is not a plain ranking"
    else:
        span = text[found[0][0]:found[-1][1]]
        before, after = text[:found[0][0]], text[found[-1][1]:]
        known = re.compile(r"^(?:UK|NRM|SCA|IECA|DtN|Home|Office)$")
        unknown = [w for w in re.findall(r"\b[A-Z][a-z]+\b", _ANY_NATIONALITY.sub(" ", span)) if not known.match(w)]
        if unknown or re.search(r"[A-Z][a-z]+\s*(?:nationals?)?\s*(?:\([^)]*\))?\s*,\s*$", before) or \
                re.match(r"^\s*(?:nationals?)?\s*(?:\([^)]*\))?\s*(?:,|and)\s+(?:the\s+)?[A-Z][a-z]+", after):
            problem = "a nationality not in our list is named"
    if problem:
        reading.notices.append(Notice("the list of nationalities could not be read", metrics=("top_nationalities",),
                                      kind="reading"))
        return
    if _names_other_period(" ".join(c.masked for c in sentence.clauses), period):  # values masked: "(25%; 1990)"
        return
    clause = sentence.clauses[0] if len(sentence.clauses) == 1 else None
    quote = clause.text if clause else text
    reading.figures.append(Figure(metric="top_nationalities", value=shown, unit="list", evidence=text, period=period,
                                  quote=quote))


def metrics_read() -> set[str]:
    """Every metric the table can state; families as patterns ("previous_record_referrals_<year>")."""
    found = {"top_nationalities"}
    for rule in VALUE_RULES:
        metric = rule.metric.replace("{year}", "<year>")
        found |= {f"{metric}_pct", f"{metric}_count"} if rule.unit == "share" else {metric}
    bases = [base for _, base in SHARE_CUES]
    bases += [f"{age}_{kind}" for age in ("adult", "child") for kind in EXPLOITATION_TYPES.values()]
    bases += sorted({prefix for _, prefix in NATIONALITY_NAMES.values()})
    found |= {f"{base}_{unit}" for base in bases for unit in ("count", "pct")}
    found |= {m for roles in COMPARISON_METRICS.values() for pair in roles.values() for m in pair if m}
    return found
