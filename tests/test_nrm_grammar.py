"""A phrasing grammar: generated key results, read back exactly or not at all, never wrong.

Hypothesis draws one consistent set of figures for a release (a total, the shares that make it
up, comparisons, nationalities, decisions, Duty to Notify...) and writes each as one of the
phrasings docs/FIGURES.md and issue 19 list, with random numbers, nationalities (demonyms or
countries), periods, number formats, pair punctuation, bullet marks and headings, plus sentences
that must give no figure (one nation only, footnotes, negations, other periods). Then:

- every figure the extractor publishes has the generated value, unit and period (never wrong);
- every figure generated in an unambiguous phrasing comes back (the grammar is fully read);
- nothing is withheld (the figures are consistent), and distractors add nothing;
- every value is written in the clause it is attributed to, and that clause (or, for a
  comparison, its sentence) names the metric's subject: the words here are this test's own
  oracle, not the extractor's table.

At least 2,000 generated bulletins per run (settings below), in about half a minute.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scrapers.nrm import extract
from vocabulary.metrics import NATIONALITY_NAMES
from vocabulary.periods import period_label, previous_period, year_ago
from vocabulary.plausible import last_year

DEMONYMS = sorted({shown for shown, _ in NATIONALITY_NAMES.values()})
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class g:  # noqa: N801 - hypothesis-like strategies over one seeded Random: drawing is cheap
    """Strategies as functions of a random.Random that Hypothesis seeds (st.randoms()).

    Building a Hypothesis strategy per draw costs more than extracting the bulletin; one seeded
    Random keeps 2,000 examples within the time CI allows, and Hypothesis still reports the seed.
    """

    @staticmethod
    def sampled_from(items: Any) -> Any:
        items = list(items)
        return lambda r: r.choice(items)

    @staticmethod
    def integers(low: int, high: int) -> Any:
        return lambda r: r.randint(low, high)

    @staticmethod
    def booleans() -> Any:
        return lambda r: r.random() < 0.5

    @staticmethod
    def lists(element: Any, *, unique: bool = False, min_size: int = 0, max_size: int = 5) -> Any:
        def draw(r: random.Random) -> list[Any]:
            size, out = r.randint(min_size, max_size), []
            for _ in range(size * 4):
                if len(out) == size:
                    break
                item = element(r)
                if not unique or item not in out:
                    out.append(item)
            # a Random that Hypothesis shrank may repeat itself: such a draw is not an example
            assume(len(out) >= min_size)
            return out
        return draw

    @staticmethod
    def randoms() -> Any:
        return lambda r: r


def drawer(data: st.DataObject) -> Any:
    rnd = data.draw(st.randoms(use_true_random=False), label="seeded Random")
    return lambda spec: spec(rnd)


@dataclass
class Bulletin:
    """Generated key results and what each states."""

    period: str
    bullets: list[str] = field(default_factory=list)
    expected: dict[str, tuple[Any, str]] = field(default_factory=dict)  # metric -> (value, period)
    optional: set[str] = field(default_factory=set)  # written ambiguously: may be missing, never wrong

    def state(self, metric: str, value: Any, *, period: str | None = None, optional: bool = False) -> None:
        self.expected[metric] = (value, period or self.period)
        if optional:
            self.optional.add(metric)


class Writer:
    """Numbers as the bulletins write them, drawn per bulletin."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.commas = draw(g.booleans()) or draw(g.booleans())  # mostly with thousands commas
        self.per_cent = draw(g.integers(0, 9)) == 0

    def count(self, n: int) -> tuple[str, bool]:
        """(the count as written, whether it is unambiguous: a comma-less 1990-2039 reads as a year)."""
        if self.commas:
            return f"{n:,}", True
        return str(n), not 1990 <= n <= 2039

    def pct(self, p: int) -> str:
        return f"{p} per cent" if self.per_cent else f"{p}%"

    def pair(self, p: int, n: int) -> tuple[str, bool]:
        count, clear = self.count(n)
        form = self.draw(g.sampled_from(["{p} ({n})", "({p}; {n})", "({p}, {n})", "{n} ({p})"]))
        return form.format(p=self.pct(p), n=count), clear


def share(part: int, whole: int) -> int:
    return round(100 * part / whole)


def bulletins(draw: Any) -> Bulletin:
    year = draw(g.integers(2014, last_year()))  # FIGURES.md: no period after next year
    quarterly = draw(g.integers(0, 3)) > 0
    period = f"{year}-Q{draw(g.integers(1, 4))}" if quarterly else f"{year}-year"
    b = Bulletin(period)
    w = Writer(draw)
    when = period_label(period) if not quarterly else draw(g.sampled_from(
        [period_label(period), f"quarter {period[-1]} {year}"]))
    this = "this quarter" if quarterly else "this year"

    total = draw(g.integers(1200, 20000))
    t, clear = w.count(total)
    b.state("total_referrals", total, optional=not clear)
    lead = draw(g.sampled_from([
        "{t} potential victims of modern slavery were referred to the Home Office in {when}",
        "there were {t} potential victims of modern slavery referred to the Home Office in {when}",
        "{t} potential victims of modern slavery were submitted to the NRM in {when}",
        "the NRM received {t} referrals in {when}",
    ])).format(t=t, when=when)
    comparisons = []
    if draw(g.booleans()):
        before = _earlier(draw, total)
        change = share(total - before, before)
        words = "increase" if change > 0 else "decrease"
        p, clear = w.count(before)
        unit = "quarter" if quarterly else "year"
        ref = draw(g.sampled_from([f"the preceding {unit}", f"the previous {unit}", period_label(previous_period(period))]))
        comparisons.append(f"a {w.pct(abs(change))} {words} compared {draw(g.sampled_from(['to', 'with']))} {ref} ({p})")
        b.state("pct_change_vs_previous", change)
        b.state("previous_period_referrals", before, period=previous_period(period), optional=not clear)
    if quarterly and draw(g.booleans()):
        before = _earlier(draw, total)
        change = share(total - before, before)
        words = "increase" if change > 0 else "decrease"
        p, clear = w.count(before)
        ref = draw(g.sampled_from([period_label(year_ago(period)), f"quarter {period[-1]} {year - 1}",
                                    "the same quarter of the previous year", f"the same quarter of {year - 1}"]))
        comparisons.append(f"a {w.pct(abs(change))} {words} from {ref} ({p})")
        b.state("pct_change_vs_last_year", change)
        b.state("same_period_last_year_referrals", before, period=year_ago(period), optional=not clear)
    if comparisons:
        lead += ", representing " + " and ".join(comparisons)
    b.bullets.append(lead)

    sections = draw(g.lists(g.sampled_from(["sca", "sex", "location", "age", "nationalities", "decisions",
                                              "awaiting", "dtn", "record", "distractor"]), unique=True, max_size=6))
    for name in sections:
        WRITERS[name](draw, b, w, total, this)
    draw(g.randoms()).shuffle(b.bullets)
    return b


def _earlier(draw: Any, total: int) -> int:
    """A count some whole per cent away from `total` (so that the change is never 0%)."""
    before = draw(g.integers(int(total * 0.6), int(total * 1.4)))
    return before if share(total - before, before) != 0 else before + max(1, total // 20)


def _split(draw: Any, total: int, low: float, high: float) -> int:
    return draw(g.integers(int(total * low), int(total * high)))


def write_sca(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    sca = _split(draw, total, 0.5, 0.9)
    ieca = total - sca
    a, ca = w.pair(share(sca, total), sca)
    c, cb = w.pair(share(ieca, total), ieca)
    b.bullets.append(draw(g.sampled_from([
        "{a} were sent to the Single Competent Authority (SCA) for consideration and {c} to the Immigration "
        "Enforcement Competent Authority (IECA)",
        "around three-quarters of referrals {a} were sent to the Single Competent Authority (SCA) for consideration "
        "and the rest {c} were sent to the Immigration Enforcement Competent Authority (IECA)",
    ])).format(a=a, c=c))
    for base, n, clear in (("sca", sca, ca), ("ieca", ieca, cb)):
        b.state(f"{base}_pct", share(n, total), optional=not clear)
        b.state(f"{base}_count", n, optional=not clear)


def _two_shares(draw: Any, b: Bulletin, w: Writer, total: int, bases: tuple[str, str], template: list[str]) -> None:
    first = _split(draw, total, 0.3, 0.7)
    second = _split(draw, total - first, 0.2, 0.95)
    a, ca = w.pair(share(first, total), first)
    c, cb = w.pair(share(second, total), second)
    sep = draw(g.sampled_from([" and ", ", whilst ", ", while ", "; ", ", whereas "]))
    b.bullets.append(draw(g.sampled_from(template)).format(a=a, c=c, sep=sep))
    for base, n, clear in ((bases[0], first, ca), (bases[1], second, cb)):
        b.state(f"{base}_pct", share(n, total), optional=not clear)
        b.state(f"{base}_count", n, optional=not clear)


def write_sex(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    _two_shares(draw, b, w, total, ("male", "female"), ["{a} were male{sep}{c} were female"])


def write_location(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    _two_shares(draw, b, w, total, ("uk_only", "overseas_only"), [
        "{a} of potential victims claimed exploitation in the UK only{sep}{c} claimed exploitation overseas only"])


def write_age(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    adults = _split(draw, total, 0.3, 0.7)
    children = _split(draw, total - adults, 0.2, 0.95)
    a, ca = w.pair(share(adults, total), adults)
    kind = draw(g.sampled_from(["labour", "criminal", "sexual"]))
    typed = _split(draw, adults, 0.1, 0.6)
    typed_text, ct = w.count(typed)
    tail = draw(g.sampled_from([
        " and {c} claimed exploitation as children",
        ", with {kind} exploitation being most commonly reported ({p}; {n})",
    ]))
    text = "{a} of referrals were for potential victims who claimed exploitation as adults" + tail
    c, cc = w.pair(share(children, total), children)
    b.bullets.append(text.format(a=a, c=c, kind=kind, p=w.pct(share(typed, adults)), n=typed_text))
    b.state("adult_pct", share(adults, total), optional=not ca)
    b.state("adult_count", adults, optional=not ca)
    if "children" in tail:
        b.state("child_pct", share(children, total), optional=not cc)
        b.state("child_count", children, optional=not cc)
        age = draw(g.sampled_from(["adult", "child"]))
        pool = adults if age == "adult" else children
        typed = _split(draw, pool, 0.1, 0.6)
        typed_text, ct = w.count(typed)
        b.bullets.append(draw(g.sampled_from([
            "for {age} potential victims, {kind} exploitation was most reported ({p}; {n})",
            "{age} potential victims were most often referred for {kind} exploitation ({p}; {n})",
        ])).format(age=age, kind=kind, p=w.pct(share(typed, pool)), n=typed_text))
        b.state(f"{age}_{kind}_exploitation_pct", share(typed, pool), optional=not ct)  # a year-like count hides its pair
        b.state(f"{age}_{kind}_exploitation_count", typed, optional=not ct)
    else:
        b.state(f"adult_{kind}_exploitation_pct", share(typed, adults), optional=not ct)
        b.state(f"adult_{kind}_exploitation_count", typed, optional=not ct)


# how a nationality may be written in a list: its demonym, or its country
COUNTRY_FORMS = {"UK": ["UK", "the UK"], "Albanian": ["Albanian", "Albania"], "Vietnamese": ["Vietnamese", "Vietnam"],
                 "Eritrean": ["Eritrean", "Eritrea"], "Sudanese": ["Sudanese", "Sudan"], "Romanian": ["Romanian", "Romania"]}


def write_nationalities(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    shown = draw(g.lists(g.sampled_from(DEMONYMS), min_size=2, max_size=3, unique=True))
    form = draw(g.sampled_from(["list", "shares", "followed"]))
    if form == "followed":
        shown = shown[:2]
        b.bullets.append(f"{shown[0]} nationals were the most commonly referred nationality, followed by {shown[1]} nationals")
        b.state("top_nationalities", list(shown))
        return
    written = [draw(g.sampled_from(COUNTRY_FORMS.get(d, [d]))) for d in shown]
    if form == "shares":
        counts = sorted((draw(g.integers(int(total * 0.02), int(total * 0.25))) for _ in shown), reverse=True)
        sep = draw(g.sampled_from(["; ", ", "]))
        for i, (d, n) in enumerate(zip(shown, counts, strict=True)):
            number, clear = w.count(n)
            written[i] += f" ({w.pct(share(n, total))}{sep}{number})"
            prefix = NATIONALITY_NAMES[d.lower()][1]
            b.state(f"{prefix}_pct", share(n, total))
            b.state(f"{prefix}_count", n, optional=not clear)
    listed = ", ".join(written[:-1]) + " and " + written[-1]
    b.bullets.append(f"the most common nationalities referred {this} were {listed}")
    b.state("top_nationalities", list(shown))


def write_decisions(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    rg, cg = draw(g.integers(1000, 15000)), draw(g.integers(500, 5000))
    prg, pcg = draw(g.integers(40, 99)), draw(g.integers(40, 99))
    rg_text, c1 = w.count(rg)
    cg_text, c2 = w.count(cg)
    verb = draw(g.sampled_from(["issued", "made"]))
    b.bullets.append(f"{rg_text} reasonable grounds and {cg_text} conclusive grounds decisions were {verb} {this}; of these, "
                     f"{w.pct(prg)} of reasonable grounds and {w.pct(pcg)} of conclusive grounds decisions were positive")
    b.state("reasonable_grounds_decisions", rg, optional=not c1)
    b.state("conclusive_grounds_decisions", cg, optional=not c2)
    b.state("positive_rg_pct", prg)
    b.state("positive_cg_pct", pcg)


def write_awaiting(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    n = draw(g.integers(1000, 30000))
    text, clear = w.count(n)
    b.bullets.append(draw(g.sampled_from([
        "{n} cases were awaiting a conclusive grounds decision at the end of the period",
        "there were {n} cases which have been issued a positive reasonable grounds decision and are awaiting a conclusive grounds decision",
        "at the end of the period there were {n}cases awaiting a decision",
    ])).format(n=text))
    b.state("awaiting_cg_count", n, optional=not clear)


def write_dtn(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    n = draw(g.integers(500, 5000))
    text, clear = w.count(n)
    sentence = f"the Home Office received {text} reports of adult potential victims via the DtN process"
    b.state("dtn_count", n, optional=not clear)
    if draw(g.booleans()):
        before = _earlier(draw, n)
        change = share(n - before, before)
        p, c2 = w.count(before)
        unit = "quarter" if b.period[-2] == "Q" else "year"
        sentence += f", a {w.pct(abs(change))} {'increase' if change > 0 else 'decrease'} compared to the previous {unit} ({p})"
        b.state("dtn_pct_change_vs_previous", change)
        b.state("dtn_previous_period", before, period=previous_period(b.period), optional=not c2)
    b.bullets.append(sentence)


def write_record(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    year = int(b.period[:4])
    record_year = draw(g.integers(2010, year - 1))
    n = draw(g.integers(1000, max(1001, total - 1)))
    text, clear = w.count(n)
    b.bullets.append(f"the number of referrals received {this} is the highest since the NRM began in 2009 "
                     f"(previously {text} in {record_year})")
    b.state(f"previous_record_referrals_{record_year}", n, period=f"{record_year}-year", optional=not clear)


def write_distractor(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    """Sentences that state no figure of this release."""
    year = int(b.period[:4])
    n = draw(g.integers(100, 3000))
    pair, _ = w.pair(draw(g.integers(1, 99)), n)
    b.bullets.append(draw(g.sampled_from([
        f"in Scotland, {w.count(n)[0]} potential victims were referred {this}, of whom {pair} were female",
        f"Northern Ireland saw {pair} of all referrals",
        f"1 Footnote: {pair} were female in {year - 3}",
        f"this was not a {w.pct(draw(g.integers(1, 40)))} increase on the previous period, as first reported",
        f"in {year - 2}, {pair} were male",
        f"a higher proportion of referrals claimed exploitation overseas only in {year} ({w.pct(30)}) than in {year - 1} ({w.pct(26)})",
        f"the number of referrals has exceeded {w.count(n * 5)[0]} for the first time",
    ])))


WRITERS = {"sca": write_sca, "sex": write_sex, "location": write_location, "age": write_age,
           "nationalities": write_nationalities, "decisions": write_decisions, "awaiting": write_awaiting,
           "dtn": write_dtn, "record": write_record, "distractor": write_distractor}


def render(draw: Any, b: Bulletin) -> str:
    year, tail = b.period.split("-")
    title = (f"Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, {tail.replace('Q', 'Quarter ')} {year}"
             if tail != "year" else f"Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, end of year summary {year}")
    heading = draw(g.sampled_from(["Key results", "1. Key results", "Key points", "1. Key points"]))
    mark = draw(g.sampled_from(["  • ", "- ", "* "]))
    stop = draw(g.sampled_from(["", "."]))
    return f"{title}\n\n{heading}\n\n" + "".join(f"{mark}{line}{stop}\n" for line in b.bullets)


# The oracle: words a clause (or for comparisons, its sentence) must contain for each metric.
SUBJECT_WORDS: tuple[tuple[str, str], ...] = (
    (r"total_referrals", r"potential victims|referrals"),
    (r"(?:pct_change_vs_previous|pct_change_vs_last_year|dtn_pct_change_vs_previous)",
     r"increase|decrease|\bup\b|\bdown\b|rise|fall"),
    (r"previous_period_referrals|dtn_previous_period", r"preceding|previous|\d{4}"),
    (r"same_period_last_year_referrals", r"same quarter|\d{4}"),
    (r"sca_.*", r"Single Competent Authority"), (r"ieca_.*", r"Immigration Enforcement Competent Authority"),
    (r"male_.*", r"\bmale\b"), (r"female_.*", r"\bfemale\b"),
    (r"uk_only_.*", r"UK only"), (r"overseas_only_.*", r"overseas only"),
    (r"adult_(?:count|pct)", r"adults"), (r"child_(?:count|pct)", r"children"),
    (r"(?:adult|child)_(\w+)_exploitation_.*", r"{0} exploitation"),
    (r"reasonable_grounds_decisions|positive_rg_pct", r"reasonable grounds"),
    (r"conclusive_grounds_decisions|positive_cg_pct", r"conclusive grounds"),
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
        where = f.evidence if metric.startswith(("pct_change", "previous_period", "same_period", "dtn_p")) else f.quote
        assert re.search(words, where, re.I), f"{metric} attributed to {where!r}, which does not name it"
    missing = set(b.expected) - set(reported) - b.optional
    assert not missing, f"not read: {sorted(missing)} from {text}"


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
