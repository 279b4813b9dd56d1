"""NRM metric names (docs/FIGURES.md): their units, plain-words labels, and how releases restate them.

The metric name is for operators and the store; the label is what staff read ("referrals sent
to the Single Competent Authority"). Families of metrics (one per nationality, per exploitation
type and age) are built from the word lists below, so every name has one spelling.
"""

from __future__ import annotations

import re

UNITS = ("count", "pct", "date", "list", "approx")

# metric -> (unit, plain words for staff). Families are added below.
METRICS: dict[str, tuple[str, str]] = {
    "total_referrals": ("count", "potential victims referred to the NRM"),
    "previous_period_referrals": ("count", "referrals in the previous period, as restated"),
    "pct_change_vs_previous": ("pct", "change in referrals on the previous period"),
    "same_period_last_year_referrals": ("count", "referrals in the same quarter a year earlier, as restated"),
    "pct_change_vs_last_year": ("pct", "change in referrals on the same quarter a year earlier"),
    "sca_count": ("count", "referrals sent to the Single Competent Authority"),
    "sca_pct": ("pct", "share of referrals sent to the Single Competent Authority"),
    "ieca_count": ("count", "referrals sent to the Immigration Enforcement Competent Authority"),
    "ieca_pct": ("pct", "share of referrals sent to the Immigration Enforcement Competent Authority"),
    "adult_count": ("count", "referrals of people exploited as adults"),
    "adult_pct": ("pct", "share of referrals exploited as adults"),
    "child_count": ("count", "referrals of people exploited as children"),
    "child_pct": ("pct", "share of referrals exploited as children"),
    "male_count": ("count", "referrals of males"),
    "male_pct": ("pct", "share of referrals who were male"),
    "female_count": ("count", "referrals of females"),
    "female_pct": ("pct", "share of referrals who were female"),
    "uk_only_count": ("count", "referrals exploited in the UK only"),
    "uk_only_pct": ("pct", "share of referrals exploited in the UK only"),
    "overseas_only_count": ("count", "referrals exploited overseas only"),
    "overseas_only_pct": ("pct", "share of referrals exploited overseas only"),
    "top_nationalities": ("list", "the list of nationalities"),
    "reasonable_grounds_decisions": ("count", "reasonable grounds decisions"),
    "conclusive_grounds_decisions": ("count", "conclusive grounds decisions"),
    "positive_rg_pct": ("pct", "share of reasonable grounds decisions that were positive"),
    "positive_cg_pct": ("pct", "share of conclusive grounds decisions that were positive"),
    "positive_rg_count": ("count", "positive reasonable grounds decisions"),
    "positive_cg_count": ("count", "positive conclusive grounds decisions"),
    "awaiting_cg_count": ("count", "cases awaiting a conclusive grounds decision"),
    "dtn_count": ("count", "Duty to Notify reports of adult potential victims"),
    "dtn_previous_period": ("count", "Duty to Notify reports in the previous period, as restated"),
    "dtn_pct_change_vs_previous": ("pct", "change in Duty to Notify reports on the previous period"),
    "previous_record_quarter_referrals": ("count", "referrals in the previous record quarter"),
    "published_date": ("date", "publication date"),
    "last_updated_date": ("date", "date of the last update"),
}

# Nationalities as the bulletins write them: the word (lower case), a country name, or "the UK".
# Each maps to the demonym shown in lists and the metric prefix (FIGURES.md: "the UK" is
# uk_national, "Eritrea" is eritrean).
_NATIONALITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # demonym as shown, metric prefix, other ways the text names it (lower case)
    ("UK", "uk_national", ("uk", "british", "the uk", "united kingdom", "the united kingdom")),
    ("Albanian", "albanian", ("albania",)),
    ("Vietnamese", "vietnamese", ("vietnam", "viet nam")),
    ("Eritrean", "eritrean", ("eritrea",)),
    ("Sudanese", "sudanese", ("sudan", "the sudan")),
    ("Somali", "somali", ("somalia",)),
    ("Iranian", "iranian", ("iran",)),
    ("Iraqi", "iraqi", ("iraq",)),
    ("Afghan", "afghan", ("afghanistan",)),
    ("Romanian", "romanian", ("romania",)),
    ("Chinese", "chinese", ("china",)),
    ("Nigerian", "nigerian", ("nigeria",)),
    ("Indian", "indian", ("india",)),
    ("Polish", "polish", ("poland",)),
    ("Ethiopian", "ethiopian", ("ethiopia",)),
    ("Egyptian", "egyptian", ("egypt",)),
    ("Syrian", "syrian", ("syria",)),
    ("Kuwaiti", "kuwaiti", ("kuwait",)),
    ("Pakistani", "pakistani", ("pakistan",)),
    ("Bangladeshi", "bangladeshi", ("bangladesh",)),
    ("Ghanaian", "ghanaian", ("ghana",)),
    ("Slovak", "slovak", ("slovakia",)),
    ("Czech", "czech", ("czechia", "the czech republic")),
    ("Lithuanian", "lithuanian", ("lithuania",)),
    ("Hungarian", "hungarian", ("hungary",)),
    ("Bulgarian", "bulgarian", ("bulgaria",)),
    ("Filipino", "filipino", ("the philippines", "philippines")),
    ("Sri Lankan", "sri_lankan", ("sri lanka",)),
    ("Ukrainian", "ukrainian", ("ukraine",)),
)

# The people of a nationality in the plural ("Britons, Albanians and Eritreans"): the demonym with
# an "s", except these.
_PLURALS: dict[str, tuple[str, ...]] = {"UK": ("britons", "brits"), "Polish": ("poles",), "Vietnamese": (),
                                        "Sudanese": (), "Chinese": ()}


def _plural(shown: str) -> tuple[str, ...]:
    return _PLURALS.get(shown, (f"{shown.lower()}s",))


# any way of naming a nationality (lower case) -> (demonym as shown, metric prefix)
NATIONALITY_NAMES: dict[str, tuple[str, str]] = {
    name: (shown, prefix)
    for shown, prefix, others in _NATIONALITIES
    for name in (shown.lower(), *_plural(shown), *others)
}
# the names of a nationality's people (lower case): its demonym and plural, never a country
NATIONALITY_PEOPLE: frozenset[str] = frozenset(
    name for shown, _, _ in _NATIONALITIES if shown != "UK" for name in (shown.lower(), *_plural(shown))
) | {"british", "britons", "brits"}
NATIONALITY_PREFIXES = tuple(prefix for _, prefix, _ in _NATIONALITIES)

# Exploitation types as metric words (FIGURES.md: adult_labour_exploitation_count, ...) and ages.
EXPLOITATION_TYPES: dict[str, str] = {
    "labour": "labour_exploitation",
    "criminal": "criminal_exploitation",
    "sexual": "sexual_exploitation",
    "domestic servitude": "domestic_servitude",
    "organ harvesting": "organ_harvesting",
}
AGES = ("adult", "child")

for _shown, _prefix, _ in _NATIONALITIES:
    METRICS[f"{_prefix}_count"] = ("count", f"referrals of {_shown} nationals")
    METRICS[f"{_prefix}_pct"] = ("pct", f"share of referrals who were {_shown} nationals")
for _age in AGES:
    for _words, _name in EXPLOITATION_TYPES.items():
        _people = "adults" if _age == "adult" else "children"
        METRICS[f"{_age}_{_name}_count"] = ("count", f"{_people} referred for {_words}" + (
            "" if _name.endswith(("servitude", "harvesting")) else " exploitation"))
        METRICS[f"{_age}_{_name}_pct"] = ("pct", f"share of {_people} referred for {_words}" + (
            "" if _name.endswith(("servitude", "harvesting")) else " exploitation"))

_RECORD_YEAR = re.compile(r"previous_record_referrals_(\d{4})")


def metric_unit(metric: str) -> str | None:
    """The unit of a metric name; None for a name FIGURES.md does not define."""
    if _RECORD_YEAR.fullmatch(metric):
        return "count"
    return METRICS.get(metric, (None, ""))[0]


def metric_label(metric: str) -> str:
    """Plain words for a metric, for staff ("referrals sent to the Single Competent Authority")."""
    m = _RECORD_YEAR.fullmatch(metric)
    if m:
        return f"the previous record number of referrals, in {m.group(1)}"
    return METRICS.get(metric, ("", metric.replace("_", " ")))[1]


# What a later release restates (metric, in the later release) -> what the earlier release stated
# about its own period: the 2023-Q2 release's previous_period_referrals is its statement of
# 2023-Q1's total_referrals.
RESTATEMENTS: dict[str, str] = {
    "previous_period_referrals": "total_referrals",
    "same_period_last_year_referrals": "total_referrals",
    "dtn_previous_period": "dtn_count",
}


def restated_by(metric: str) -> tuple[str, ...]:
    """The metrics that restate `metric` for earlier periods (RESTATEMENTS read backwards)."""
    return tuple(later for later, original in RESTATEMENTS.items() if original == metric)
