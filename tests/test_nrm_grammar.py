"""A phrasing grammar: generated key results, read back exactly or not at all, never wrong.

tests/nrm_phrasing_writers.py draws one consistent set of figures for a release and writes each
as one of the phrasings docs/FIGURES.md and issues 19 and 24 list, plus sentences that must give
no UK figure of the period (another scope, another period, footnotes, negations). Then:

- every figure the extractor publishes has the generated value, unit and period (never wrong);
- every figure generated in an unambiguous phrasing comes back (the grammar is fully read);
- nothing is withheld (the figures are consistent), and distractors add nothing;
- every value is written in the clause it is attributed to, and that clause (or, for a
  comparison, its sentence) names the metric's subject: the words here are this test's own
  oracle, not the extractor's table;
- silence: every number written is a figure's value or is quoted in a warning ("Covid-19" is none).

At least 2,000 generated bulletins per run (settings below), in a minute or two on 2 cores.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nrm_phrasing_writers import Bulletin, bulletins, drawer, render

from scrapers.nrm import extract
from vocabulary.metrics import NATIONALITY_NAMES

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# The oracle: words a clause (or for comparisons, its sentence) must contain for each metric.
SUBJECT_WORDS: tuple[tuple[str, str], ...] = (
    (r"total_referrals", r"potential victims|referrals|cases"),
    (r"(?:pct_change_vs_previous|pct_change_vs_last_year|dtn_pct_change_vs_previous)",
     r"increase|decrease|\bup\b|\bdown\b|rise|fall"),
    (r"previous_period_referrals|dtn_previous_period", r"preceding|previous|before|\d{4}"),
    (r"same_period_last_year_referrals", r"same quarter|\d{4}"),
    (r"sca_.*", r"Single Competent Authority"), (r"ieca_.*", r"Immigration Enforcement Competent Authority"),
    (r"male_.*", r"\bmales?\b"), (r"female_.*", r"\bfemales?\b"),
    (r"uk_only_.*", r"UK only"), (r"overseas_only_.*", r"overseas only"),
    (r"adult_(?:count|pct)", r"adults"), (r"child_(?:count|pct)", r"children"),
    (r"(?:adult|child)_(\w+)_exploitation_.*", r"{0} exploitation"),
    (r"reasonable_grounds_decisions|positive_rg_(?:pct|count)", r"reasonable grounds"),
    (r"conclusive_grounds_decisions|positive_cg_(?:pct|count)", r"conclusive grounds"),
    (r"awaiting_cg_count", r"awaiting"), (r"dtn_count", r"reports of adult potential victims"),
    (r"previous_record_referrals_\d{4}", r"previously"),
    (r"published_date|last_updated_date|top_nationalities", r""),
)


def subject_words(metric: str) -> str:
    for pattern, words in SUBJECT_WORDS:
        m = re.fullmatch(pattern, metric)
        if m:
            return words.replace("{0}", m.group(1)) if m.groups() else words
    prefix = re.fullmatch(r"(\w+)_(?:count|pct)", metric)
    names = [re.escape(n) for n, (_, p) in NATIONALITY_NAMES.items() if prefix and p == prefix.group(1)]
    assert names, f"the grammar test has no subject words for {metric!r}"
    return r"\b(?:" + "|".join(names) + r")\b"


def written_in(value: Any, unit: str, text: str) -> bool:
    if unit == "count":
        return re.search(rf"(?<![\d,]){value:,}(?![\d,]*\d)|(?<![\d,]){value}(?!\d)", text) is not None
    if unit == "pct":
        return re.search(rf"(?<![\d.]){abs(value)}(?:%| per cent)", text) is not None
    return True


def check(b: Bulletin, text: str) -> None:
    got = extract(text)
    assert got.period == b.period
    assert not got.withheld, [(w.figure.metric, w.figure.value, w.reason) for w in got.withheld]
    reported = {f.metric: f for f in got.figures if f.unit != "date"}
    for metric, f in reported.items():
        assert metric in b.expected, f"{metric}={f.value!r} is not stated by {f.evidence!r}"
        assert (f.value, f.period) == b.expected[metric], f"{metric}: {f.value!r} for {f.period}, wrote {b.expected[metric]}"
        assert f.quote and f.quote in f.evidence and f.evidence in text
        assert written_in(f.value, f.unit, f.quote), f"{metric}={f.value} is not written in its clause {f.quote!r}"
        words = subject_words(metric)
        where = f.evidence if metric.startswith(("pct_change", "previous_period", "same_period", "dtn_p", "positive_")) \
            else f.quote
        assert re.search(words, where, re.I), f"{metric} attributed to {where!r}, which does not name it"
    missing = set(b.expected) - set(reported) - b.optional
    assert not missing, f"not read: {sorted(missing)} from {text}"
    # silence: every number written is a figure's or is named in a warning ("Covid-19" is no number)
    said = " | ".join(got.warnings)
    for number, kind in b.numbers:
        alone = r"(?!\s?%| per cent)" if kind == "count" else ""
        if not re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]*\d){alone}", text):
            continue  # drawn, but the phrasing chosen did not use it
        read = any(written_as(f.value, f.unit, number) for f in got.figures)
        named = re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]*\d)", said) is not None
        assert read or named, f"{number!r} is neither a figure nor in a warning: {text}\nwarnings: {got.warnings}"
    if "Covid-19" in text and not any(number == "19" for number, _ in b.numbers):
        assert "'19'" not in said, f"Covid-19 read as a number: {got.warnings}"


def written_as(value: Any, unit: str, number: str) -> bool:
    """True when `number` (as the test wrote it) is the figure's value."""
    if unit == "count" and isinstance(value, int):
        return number in (f"{value:,}", str(value))
    if unit == "pct" and isinstance(value, (int, float)):
        return number in (f"{abs(value)}%", f"{abs(value)} per cent")
    return False


@settings(max_examples=int(__import__("os").environ.get("GRAMMAR_EXAMPLES", 1600)), **SETTINGS)
@given(st.data())
def test_generated_key_results_come_back_exactly(data: st.DataObject) -> None:
    draw = drawer(data)
    b = bulletins(draw)
    check(b, render(draw, b))


@settings(max_examples=int(__import__("os").environ.get("GRAMMAR_EXAMPLES", 500)), **SETTINGS)
@given(st.data())
def test_generated_key_results_inline_in_one_paragraph(data: st.DataObject) -> None:
    draw = drawer(data)
    b = bulletins(draw)
    text = render(draw, b)
    head, _, bullets = text.partition("Key")
    lines = [re.sub(r"^(?:\s*•|-|\*)\s*", "", line).rstrip(".") for line in bullets.splitlines()[2:] if line.strip()]
    inline = head + "Key results: " + ". ".join(line[0].upper() + line[1:] for line in lines) + ".\n"
    check(b, inline)
