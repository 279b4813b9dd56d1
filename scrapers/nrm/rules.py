"""The phrasing table: which words, written next to which value, state which metric, and for whom.

The one place where phrasing meets metric. Rules are data: each row is a phrasing (a regular
expression over a clause whose values are tokens: `{share}` a share and/or count, `{count}` a
count, `{pct}` a percentage, `{pair}` both), the metric it states, its unit and its scope (the
period it describes). Beside the rows: the words that name a share's subject (SHARE_CUES), the
populations a clause can speak of (POPULATIONS), comparisons (REFERENCES, CHANGE_WORDS,
COMPARISON_METRICS), the scopes that are not the UK (SCOPES), and nationality rankings. The
readers (reader.py, comparisons.py, nationalities.py, scope.py) apply the table; none of them
pairs words with a metric of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vocabulary.calendar import PROSE_YEAR_PATTERN
from vocabulary.metrics import EXPLOITATION_TYPES, NATIONALITY_NAMES, NATIONALITY_PEOPLE

_TOKENS = {
    "share": r"(?P<v><(?:PN|P|N)\d+>)",
    "count": r"(?P<v><[NA]\d+>)",
    "pct": r"(?P<v><P\d+>)",
    "pair": r"(?P<v><PN\d+>)",
}


@dataclass(frozen=True)
class Rule:
    """One phrasing: where its value stands and what it states."""

    phrasing: str  # regex over the masked clause; {count} / {pct} / {share} / {pair} mark the value read
    metric: str  # a metric name, or a base for shares ("male" gives male_count and male_pct)
    unit: str  # "count" (a count or approximate count), "pct", or "share" (pct and/or count)
    # "current"; "whole" (the total a share in the same clause is of: "2,480 of the 3,140 referred were
    # male"); "record_year" or "record_quarter" (a record of a named year or quarter)
    scope: str = "current"
    context: str = ""  # a regex the whole sentence must match (and "!regex": must not match)
    unless: str = ""  # a regex the whole sentence must not match
    example: str = ""  # a clause the rule reads (tests read every example)

    @property
    def pattern(self) -> re.Pattern[str]:
        return compiled(self.phrasing)


@lru_cache(maxsize=512)
def compiled(phrasing: str) -> re.Pattern[str]:
    """A phrasing with its value tokens filled in, compiled (case-insensitive)."""
    text = phrasing
    for name, token in _TOKENS.items():
        text = text.replace("{" + name + "}", token)
    return re.compile(text, re.I)


# --- words of the subjects and verbs --------------------------------------------------------------

VICTIMS = (r"(?:potential victims|people|individuals|persons|cases)(?: of (?:modern slavery|human trafficking|trafficking)"
           r"(?: (?:and|or) (?:modern slavery|exploitation))?)?")
REFERRED = r"(?:were |was |had been |have been )?(?:referred|submitted)"
RECEIVER = r"(?:NRM|Home Office|National Referral Mechanism|National Referral Mechanism \(NRM\))"
_NOW = r"(?:was|were|stood at|totalled|totaled|reached|rose to|fell to|increased to|decreased to|dropped to|climbed to)"
_YEAR = PROSE_YEAR_PATTERN
# a share of decisions is the positive share when the sentence says so, or when it follows the
# decisions counted ("... decisions were issued; of these, 88% of reasonable grounds ...")
_POSITIVE = r"\bpositive\b|decisions (?:were|was) (?:made|issued)[^.]{0,300}?\bof (?:these|which|those)\b"
_AWAITING = r"(?:still )?(?:awaiting|waiting for)"

# Values written next to these words: rules read the value their {count}/{pct}/{share} marks.
VALUE_RULES: tuple[Rule, ...] = (
    # cases awaiting a decision come first: their sentences also name reasonable grounds decisions
    Rule(r"{count} (?:cases|potential victims|referrals|people|individuals)?\s*(?:(?!reasonable grounds decisions? and)[^<])*?"
         rf"(?:were |are |was |remain(?:ed)? |remaining )?{_AWAITING} an? (?!reasonable grounds)(?:conclusive grounds |CG |final )?"
         r"decision", "awaiting_cg_count", "count", example="1,234 cases were awaiting a conclusive grounds decision"),
    Rule(r"{count} (?:cases|potential victims|referrals)? ?(?:which|that) (?:have|had) (?:been issued|received) a positive "
         r"reasonable grounds decision and (?:are|were|remain) (?:still )?awaiting", "awaiting_cg_count", "count",
         example="1,234 cases which have been issued a positive reasonable grounds decision and are awaiting a "
                 "conclusive grounds decision"),
    Rule(rf"{_AWAITING} an? (?:conclusive grounds |CG |final )?decision (?:\w+ ){{0,3}}?(?:{_NOW}|of) {{count}}",
         "awaiting_cg_count", "count",
         example="the number of cases still waiting for a conclusive grounds decision rose to 20,440"),
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
         context=_POSITIVE, unless=r"\bnegative\b",
         example="90% of reasonable grounds and 91% of conclusive grounds decisions were positive"),
    Rule(r"{pair} of (?:the |these |all )?(?:conclusive grounds|CG)", "positive_cg", "share",
         context=_POSITIVE, unless=r"\bnegative\b", example="75% (1,706) of conclusive grounds decisions were positive"),
    Rule(r"{pct} of (?:the |these |all )?(?:conclusive grounds|CG)", "positive_cg_pct", "pct",
         context=_POSITIVE, unless=r"\bnegative\b", example="91% of conclusive grounds decisions were positive"),
    # Duty to Notify
    Rule(r"{count} (?:DtN |Duty to Notify )?reports of (?:adult )?potential victims", "dtn_count", "count",
         example="the Home Office received 1,307 reports of adult potential victims via the DtN process"),
    Rule(r"{count} (?:DtN|Duty to Notify) reports", "dtn_count", "count", example="there were 1,307 DtN reports"),
    Rule(r"{count} reports (?:were )?(?:made |received )?(?:via|through|under) the (?:DtN|Duty to Notify)", "dtn_count",
         "count", example="1,307 reports were made via the Duty to Notify process"),
    Rule(rf"(?:number of )?(?:DtN|Duty to Notify) reports (?:\w+ ){{0,3}}?{_NOW} {{count}}", "dtn_count", "count",
         example="the number of Duty to Notify reports was 4,580"),
    Rule(r"(?:DtN|Duty to Notify)(?: process)? (?:recorded|received) {count} reports", "dtn_count", "count",
         example="the Duty to Notify process recorded 721 reports of adult potential victims"),
    # the total of the period
    Rule(rf"{{count}} {VICTIMS} (?:(?:of [^<]*?|who [^<]*?) )?{REFERRED}", "total_referrals", "count",
         example="4,746 potential victims of modern slavery were referred to the Home Office in January to March 2023"),
    Rule(rf"(?:there were|a total of|show(?:s|ed)?(?: that)?|recorded|totalling) {{count}} (?:NRM )?(?:{VICTIMS}|referrals)",
         "total_referrals", "count", example="there were 4,418 potential victims of modern slavery referred to the Home Office"),
    Rule(r"{count} (?:NRM )?referrals (?:of potential victims )?(?:to the NRM )?(?:were |was )?(?:made|received|submitted)",
         "total_referrals", "count", example="4,418 referrals were made to the NRM"),
    Rule(rf"{RECEIVER} (?:received|recorded) {{count}} (?:NRM )?(?:referrals|potential victims)",
         "total_referrals", "count", example="the Home Office received 4,758 NRM referrals"),
    Rule(rf"^(?:the (?:total )?number of )?(?:referrals|{VICTIMS} referred) (?:to|into) the (?:NRM|National Referral "
         rf"Mechanism)?\s*(?:\w+ ){{0,3}}?{_NOW} {{count}}", "total_referrals", "count",
         example="referrals to the National Referral Mechanism fell to 3,998 this quarter"),
    Rule(rf"^(?:the (?:total )?number of )?referrals (?:\w+ ){{0,3}}?{_NOW} {{count}}",
         "total_referrals", "count", example="the number of referrals was 4,418"),
    Rule(rf"^of (?:the |all |these |those )?{{count}} (?:{VICTIMS}|referrals)\b", "total_referrals", "count",
         example="of the 2,955 referrals"),
    Rule(rf"<N\d+> (?:out )?of (?:the |all )?{{count}} (?:{VICTIMS} |referrals )?(?:referred|submitted|in total)\b",
         "total_referrals", "count", scope="whole", example="2,480 of the 3,140 referred were male"),
    # records
    Rule(rf"previously {{count}} in (?P<year>{_YEAR})\b", "previous_record_referrals_{year}", "count",
         scope="record_year", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the highest since the NRM began in 2009 (previously 10,611 in 2019)"),
    Rule(rf"previous record (?:of |was |stood at )?{{count}} (?:referrals )?in (?P<year>{_YEAR})\b",
         "previous_record_referrals_{year}", "count", scope="record_year", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the previous record was 10,611 in 2019"),
    Rule(r"previous (?:record|highest)(?: quarter(?:ly (?:number|total))?)? (?:of |was |stood at )?{count} (?:referrals )?in "
         rf"(?P<quarter>quarter [1-4],? {_YEAR}|[A-Z][a-z]+ to [A-Z][a-z]+,? {_YEAR})",
         "previous_record_quarter_referrals", "count", scope="record_quarter", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="the highest quarterly number since the NRM began (the previous record was 4,586 in quarter 3 2022)"),
    Rule(r"previous (?:record|highest)(?: quarter(?:ly (?:number|total))?)?[^<]{0,20}?\b(?:in|of) "
         rf"(?P<quarter>quarter [1-4],? {_YEAR}|[A-Z][a-z]+ to [A-Z][a-z]+,? {_YEAR}) \(?{{count}}",
         "previous_record_quarter_referrals", "count", scope="record_quarter", context=r"!\b(?:DtN|Duty to Notify)\b",
         example="a slight increase on the previous record, in January to March 2022 (4,520)"),
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
    (r"\bfemales?\b|\bwomen\b|\bgirls\b", "female"),
    (r"\bmales?\b|\bmen\b|\bboys\b", "male"),
    (r"\badults?\b", "adult"),
    (r"\bchild(?:ren)?\b|\bminors?\b|\bunder 18\b", "child"),
)
_SHARE_PATTERNS = tuple((re.compile(cue, re.I), base) for cue, base in SHARE_CUES)
AGES = ("adult", "child")


@lru_cache(maxsize=4096)
def share_cues(text: str) -> tuple[str, ...]:
    """The share subjects whose cue words the text contains ("male", "sca", ...), in table order."""
    found = tuple(base for pattern, base in _SHARE_PATTERNS if pattern.search(text))
    # "men and boys", "women and girls": one sex, not two subjects
    return tuple(b for b in found if not (b == "male" and "female" in found and not _MALE_ALONE.search(text)))


_MALE_ALONE = re.compile(r"\bmales?\b|\bmen\b|\bboys\b", re.I)

EXPLOITATION = re.compile(r"\b(labour|criminal|sexual)\b(?=(?:(?:,| and| or) (?:labour|criminal|sexual))* exploitation\b)"
                          r"|\b(domestic servitude|organ harvesting)\b", re.I)
EXPLOITATION_METRIC = EXPLOITATION_TYPES

# The population a clause speaks of ("Of the 1,940 children, ...", "..., of which 92% were
# positive"): words -> population. "all" is every referral of the period; an age, or the decisions
# of one kind, narrow it. A share of a narrower population is a metric only when the table below
# names one; anything else is a breakdown within a group, never a UK figure.
POPULATIONS: tuple[tuple[str, str], ...] = (
    (r"reasonable grounds(?: \(RG\))?(?: decisions?)?|\bRG decisions?", "rg"),
    (r"conclusive grounds(?: \(CG\))?(?: decisions?)?|\bCG decisions?", "cg"),
    (r"\b(?:child(?:ren)?|minors)\b", "child"),
    (r"\badults?\b", "adult"),
    (rf"\b(?:referrals|{VICTIMS}|(?:those|them|these|people) (?:who were )?referred|the total|all)\b", "all"),
)
# "Of the <N> <group>", "among <group>": the clause names its population
POPULATION_LEAD = re.compile(r"^(?:of|among(?:st)?|for) (?:the |all |these |those )?(?:<[NAP]+\d+> )?(?P<group>[\w ()-]{2,60}?)"
                             r"(?:,|$| issued| made| referred| (?:this|in) )", re.I)
# "of them", "of whom", "of which", "of these," (without a noun): the population of the clause before
ANAPHORA = re.compile(r"\bof (?:them|whom|which|these|those)\b(?! (?:referred|referrals|potential victims|cases|decisions))"
                      r"|^(?:these|they|this|of these)\b(?! (?:referrals|figures|potential victims|cases))", re.I)
# (population, what the clause says) -> metric base; an age with an exploitation type is <age>_<type>
POPULATION_SHARES: dict[tuple[str, str], str] = {("rg", "positive"): "positive_rg", ("cg", "positive"): "positive_cg"}
POSITIVE_WORD = re.compile(r"\bpositive\b", re.I)

# --- comparisons: a change ("a 10% increase", "up 18%") and the period it is measured against ----

CHANGE_UP = r"increase[sd]?|rise|rose|risen|grew|grown|growth|up|higher|more"
CHANGE_DOWN = r"decrease[sd]?|fall|fell|fallen|drop(?:ped)?|decline[sd]?|reduction|down|lower|fewer|less"
# reference phrase -> what it compares with
REFERENCES: tuple[tuple[str, str], ...] = (
    (r"(?:the )?(?:same|equivalent) (?:quarter|period|three months) (?:of |in )?(?:the )?(?:previous|preceding|last|prior) "
     r"year|(?:the )?(?:same|equivalent) (?:quarter|period|three months) (?:a |one |the )?year (?:earlier|before|ago|previously)"
     r"|(?:the )?(?:same|equivalent) (?:quarter|period|three months) last year", "last_year"),
    (r"(?:the )?(?:preceding|previous|prior|last) (?:quarter|three months|3 months|three-month period|three month period)"
     r"|the quarter before", "previous_quarter"),
    (r"(?:the )?(?:preceding|previous|prior|last) year|the year before", "previous_year"),
    (r"(?:a|one) year (?:earlier|ago|before)", "year_ago"),
    (rf"(?:the )?(?:same|equivalent) (?:quarter|period|three months) (?:of|in) {_YEAR}", "same_named_year"),
)
# subject -> role -> (restated count metric, change metric)
COMPARISON_METRICS: dict[str, dict[str, tuple[str, str | None]]] = {
    "referrals": {"previous": ("previous_period_referrals", "pct_change_vs_previous"),
                  "last_year": ("same_period_last_year_referrals", "pct_change_vs_last_year")},
    "dtn": {"previous": ("dtn_previous_period", "dtn_pct_change_vs_previous")},
}
# what a clause is about, for its comparisons (the first that matches)
COMPARISON_SUBJECTS: tuple[tuple[str, str], ...] = (
    (r"\b(?:DtN|Duty to Notify)\b|\breports of\b", "dtn"),
    (r"\breferrals?\b|\bpotential victims\b|\breferred\b|\bsubmitted\b|\bthe (?:total|figure|number)\b", "referrals"),
)

# --- scopes: whose figures a sentence or clause gives, when not the UK's --------------------------

# (kind, words found, plain words for staff); the first that matches decides.
SCOPES: tuple[tuple[str, str, str], ...] = (
    ("nation", r"\b(?:Scotland|Wales|Northern Ireland|England|Scottish|Welsh|Northern Irish|English)\b",
     "a figure for one nation"),
    ("area", r"\b(?:[A-Z][a-z]+ )+(?:Police|Constabulary)\b|\bPolice Scotland\b|\bpolice (?:force|area)\b(?!s)"
             r"|\b(?:council|borough|county|region|city|town)\b(?! lines)|\blocal authority area\b",
     "a figure for one police force or area"),
    ("operation", r"\boperations?\b|\bweeks? of action\b|\bsafeguard(?:ed|ing)\b|\barrest(?:ed|s)?\b|\brescued\b"
                  r"|\b(?:we|our (?:own )?(?:services?|teams?|helpline|caseworkers|staff))\b",
     "a figure of an operation or of one organisation's own work"),
    ("responder", r"\bfirst responders?\b|\bpolice forces\b|\blocal authorities\b|\bnon-governmental organisations\b"
                  r"|\bNGOs?\b|\bUK Visas and Immigration\b|\bBorder Force\b|\bImmigration Enforcement\b(?! Competent)",
     "a figure for one kind of first responder"),
)
# "In London alone, ...": a place named at the head of a sentence is an area, unless it is one of these
PLACE_LEAD = re.compile(r"^(?:In|Across|Within|From)\s+(?:the\s+)?(?P<place>(?:[A-Z][a-z]+\s?){1,3})(?:,|\s+alone\b|\s+only\b)")
NOT_PLACES = re.compile(r"^(?:UK|United Kingdom|Britain|Great Britain|NRM|Home Office|Quarter|Q[1-4]|January|February|March"
                        r"|April|May|June|July|August|September|October|November|December|Total|Addition|Contrast"
                        r"|Comparison|Summary|Particular|General|Total|Each|All|This|That|These|Those|Of)\b")

# --- nationalities: which names a list may give, and rankings --------------------------------------

LIST_CUE = re.compile(
    r"\bmost (?:common(?:ly)?|frequent(?:ly)?|often)(?: referred)? nationalit(?:y|ies)\b"
    r"|\bnationalit(?:y|ies) (?:most )?(?:commonly |frequently |often )?referred\b"
    r"|\btop (?:\w+ )?nationalities\b|\bmost (?:commonly|often|frequently) referred (?:nationality|nationalities)\b"
    r"|\bnationals (?:were|are) (?:again |also )?(?:the )?(?:\w+ )?most (?:common(?:ly)?|frequent(?:ly)?|often)"
    r"(?: referred)?\b|\b(?:the )?most (?:common(?:ly)?|frequent(?:ly)?|often) referred (?:were|was) [A-Z]"
    r"|\b(?:" + "|".join(sorted(NATIONALITY_PEOPLE, key=len, reverse=True)) + r") (?:were|are) (?:again |also )?(?:the )?"
    r"(?:\w+ )?most (?:common(?:ly)?|frequent(?:ly)?|often)(?: referred)?\b", re.I)
# a nationality's rank as a clause states it: 1, 2, 3... or "next" (the one after those before)
RANKS: tuple[tuple[str, str], ...] = (
    (r"\bnext most (?:common(?:ly)?|frequent(?:ly)?|often)\b|\bfollowed by\b", "next"),
    (r"\bsecond\b", "2"), (r"\bthird\b", "3"), (r"\bfourth\b", "4"), (r"\bfifth\b", "5"),
    (r"\bmost (?:common(?:ly)?|frequent(?:ly)?|often)\b", "1"),
)
NOT_A_RANKING = re.compile(r"\b(?:after|least|fewest|fewer|increase|decrease|rise|fall)\b", re.I)
NATIONALITY_WORDS = re.compile(r"\bnationalit(?:y|ies)\b|\bnationals?\b", re.I)


def metrics_read() -> set[str]:
    """Every metric the table can state; families as patterns ("previous_record_referrals_<year>")."""
    found = {"top_nationalities"}
    for rule in VALUE_RULES:
        metric = rule.metric.replace("{year}", "<year>")
        found |= {f"{metric}_pct", f"{metric}_count"} if rule.unit == "share" else {metric}
    bases = [base for _, base in SHARE_CUES]
    bases += [f"{age}_{kind}" for age in AGES for kind in EXPLOITATION_TYPES.values()]
    bases += sorted({prefix for _, prefix in NATIONALITY_NAMES.values()})
    bases += list(POPULATION_SHARES.values())
    found |= {f"{base}_{unit}" for base in bases for unit in ("count", "pct")}
    found |= {m for roles in COMPARISON_METRICS.values() for pair in roles.values() for m in pair if m}
    return found
