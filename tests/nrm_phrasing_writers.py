"""The phrasing grammar's writers: generated NRM key results and what each states (tests/test_nrm_grammar.py).

Hypothesis draws one consistent set of figures for a release (a total, the shares that make it
up, comparisons, nationalities, decisions, Duty to Notify...) and writes each as one of the
phrasings docs/FIGURES.md and issues 19 and 24 list, with random numbers, nationalities (demonyms,
plurals or countries), periods, number formats, pair punctuation, bullet marks and headings, plus
sentences that must give no figure (one nation, a police force, an area, an operation, first
responders, a breakdown within a group, footnotes, negations, other periods). The Writer keeps
every number it writes, for the silence property.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from vocabulary.metrics import NATIONALITY_NAMES
from vocabulary.periods import period_label, previous_period, year_ago
from vocabulary.plausible import last_year

DEMONYMS = sorted({shown for shown, _ in NATIONALITY_NAMES.values()})
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
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (number, kind) written: each read or named

    def state(self, metric: str, value: Any, *, period: str | None = None, optional: bool = False) -> None:
        self.expected[metric] = (value, period or self.period)
        if optional:
            self.optional.add(metric)


class Writer:
    """Numbers as the bulletins write them, drawn per bulletin."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.written: list[tuple[str, str]] = []  # (number, count|pct) written unambiguously: each read or named
        self.commas = draw(g.booleans()) or draw(g.booleans())  # mostly with thousands commas
        self.per_cent = draw(g.integers(0, 9)) == 0

    def count(self, n: int) -> tuple[str, bool]:
        """(the count as written, whether it is unambiguous: a comma-less 1990-2039 reads as a year)."""
        text, clear = (f"{n:,}", True) if self.commas else (str(n), not 1990 <= n <= 2039)
        if clear:
            self.written.append((text, "count"))
        return text, clear

    def pct(self, p: int) -> str:
        text = f"{p} per cent" if self.per_cent else f"{p}%"
        self.written.append((text, "pct"))
        return text

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
        # issue 24: subjects after the verb, a parenthesis before the number, a trailing clause
        "{t} cases were referred to the NRM in {when}",
        "The National Referral Mechanism (NRM) received {t} referrals in {when}",
        "the Home Office received {t} referrals of potential victims of modern slavery in {when}",
        "{t} potential victims were referred to the Home Office in {when}, the highest total since the NRM began",
    ])).format(t=t, when=when)
    comparisons = []
    if draw(g.booleans()):
        before = _earlier(draw, total)
        change = share(total - before, before)
        words = "increase" if change > 0 else "decrease"
        p, clear = w.count(before)
        unit = "quarter" if quarterly else "year"
        ref = draw(g.sampled_from([f"the preceding {unit}", f"the previous {unit}", period_label(previous_period(period)),
                                   *(["the previous three months", "the previous three-month period",
                                      _ordinal_quarter(previous_period(period))] if quarterly else ["the year before"])]))
        comparisons.append(f"a {w.pct(abs(change))} {words} compared {draw(g.sampled_from(['to', 'with']))} {ref} ({p})")
        b.state("pct_change_vs_previous", change)
        b.state("previous_period_referrals", before, period=previous_period(period), optional=not clear)
    if quarterly and draw(g.booleans()):
        before = _earlier(draw, total)
        change = share(total - before, before)
        words = "increase" if change > 0 else "decrease"
        p, clear = w.count(before)
        ref = draw(g.sampled_from([period_label(year_ago(period)), f"quarter {period[-1]} {year - 1}",
                                    "the same quarter of the previous year", f"the same quarter of {year - 1}",
                                    f"quarter {period[-1]} in {year - 1}", _ordinal_quarter(year_ago(period))]))
        comparisons.append(f"a {w.pct(abs(change))} {words} from {ref} ({p})")
        b.state("pct_change_vs_last_year", change)
        b.state("same_period_last_year_referrals", before, period=year_ago(period), optional=not clear)
    if comparisons and draw(g.booleans()):
        lead += ", representing " + " and ".join(comparisons)
    elif comparisons:  # issue 24: the comparison in a sentence of its own, about the sentence before's subject
        verb = draw(g.sampled_from(["This is", "This marks", "That was", "This represents"]))
        lead += f". {verb} " + " and ".join(comparisons)
    b.bullets.append(lead)

    sections = draw(g.lists(g.sampled_from(["sca", "sex", "location", "age", "nationalities", "decisions",
                                              "awaiting", "dtn", "record", "distractor"]), unique=True, max_size=6))
    for name in sections:
        WRITERS[name](draw, b, w, total, this)
    b.numbers = w.written
    draw(g.randoms()).shuffle(b.bullets)
    return b


def _ordinal_quarter(period: str) -> str:
    """'the second quarter of 2019' for '2019-Q2'."""
    return f"the {('first', 'second', 'third', 'fourth')[int(period[-1]) - 1]} quarter of {period[:4]}"


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
    if draw(g.booleans()):
        _two_shares(draw, b, w, total, ("male", "female"), ["{a} were male{sep}{c} were female"])
        return
    # issue 24: a share and its count written apart, or joined by "or"
    first = _split(draw, total, 0.3, 0.7)
    second = _split(draw, total - first, 0.2, 0.95)
    p1, p2 = w.pct(share(first, total)), w.pct(share(second, total))
    (n1, c1), (n2, c2) = w.count(first), w.count(second)
    b.bullets.append(draw(g.sampled_from([
        f"Males made up {p1} of referrals ({n1}), and females {p2} ({n2})",
        f"{p1} or {n1} people were male, while {p2} or {n2} people were female",
    ])))
    for base, n, clear in (("male", first, c1), ("female", second, c2)):
        b.state(f"{base}_pct", share(n, total), optional=not clear)
        b.state(f"{base}_count", n, optional=not clear)


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


# the people of a nationality in the plural, as this test writes them (issue 24: "Britons, Albanians and Eritreans")
PLURALS = {"UK": "Britons", "Albanian": "Albanians", "Eritrean": "Eritreans", "Romanian": "Romanians",
           "Iranian": "Iranians", "Iraqi": "Iraqis", "Afghan": "Afghans", "Nigerian": "Nigerians", "Indian": "Indians",
           "Ethiopian": "Ethiopians", "Syrian": "Syrians", "Pakistani": "Pakistanis", "Ukrainian": "Ukrainians"}
ORDINALS = ("most common nationality referred {this} was", "second most commonly referred was", "third was")


def write_nationalities(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    shown = draw(g.lists(g.sampled_from(DEMONYMS), min_size=2, max_size=3, unique=True))
    form = draw(g.sampled_from(["list", "shares", "followed", "nationals", "plurals", "ranks", "accounting"]))
    if draw(g.integers(0, 3)) == 0:  # a trap: never the top list, whatever else the bulletin says
        others = [d for d in DEMONYMS if d not in shown][:2]
        b.bullets.append(f"The next most common nationalities were {others[0]} and {others[1]}")
    if form == "nationals":
        b.bullets.append(", ".join(shown[:-1]) + f" and {shown[-1]} nationals were the most commonly referred")
        b.state("top_nationalities", list(shown))
        return
    if form == "plurals":
        shown = draw(g.lists(g.sampled_from(sorted(PLURALS)), min_size=2, max_size=3, unique=True))
        people = [PLURALS[d] for d in shown]
        b.bullets.append(", ".join(people[:-1]) + f" and {people[-1]} were the most commonly referred nationalities")
        b.state("top_nationalities", list(shown))
        return
    if form in ("ranks", "accounting"):
        counts = sorted((draw(g.integers(int(total * 0.02), int(total * 0.25))) for _ in shown), reverse=True)
        parts = []
        for i, (d, n) in enumerate(zip(shown, counts, strict=True)):
            number, clear = w.count(n)
            prefix = NATIONALITY_NAMES[d.lower()][1]
            b.state(f"{prefix}_pct", share(n, total), optional=not clear)
            b.state(f"{prefix}_count", n, optional=not clear)
            if form == "accounting":  # "UK nationals were the most common nationality, accounting for 21% of referrals (492)"
                b.bullets.append(f"{d} nationals were the most common nationality, accounting for "
                                 f"{w.pct(share(n, total))} of referrals ({number})")
                b.state("top_nationalities", [d])
                return
            parts.append(f"the {ORDINALS[i].format(this=this)} {d} ({w.pct(share(n, total))}; {number})")
        b.bullets.append("; ".join(parts[:-1]) + " and " + parts[-1].replace("the third was", "third was"))
        b.state("top_nationalities", list(shown))
        return
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
    form = draw(g.integers(0, 2))
    if form == 0:
        b.bullets.append(f"{rg_text} reasonable grounds and {cg_text} conclusive grounds decisions were {verb} {this}; "
                         f"of these, {w.pct(prg)} of reasonable grounds and {w.pct(pcg)} of conclusive grounds decisions "
                         f"were positive")
    elif form == 1:  # issue 24: "..., of which 92% were positive"; "..., 89% of them positive"
        b.bullets.append(f"{rg_text} reasonable grounds decisions were {verb} {this}, of which {w.pct(prg)} were positive")
        b.bullets.append(f"{cg_text} conclusive grounds decisions were {verb} {this}, {w.pct(pcg)} of them positive")
    else:  # issue 24: "48% of reasonable grounds (2,300) and 55% of conclusive grounds decisions (1,100) were positive"
        prg_n, pcg_n = round(rg * prg / 100), round(cg * pcg / 100)
        (n1, c3), (n2, c4) = w.count(prg_n), w.count(pcg_n)
        b.bullets.append(f"{rg_text} reasonable grounds and {cg_text} conclusive grounds decisions were {verb} {this}; "
                         f"{w.pct(prg)} of reasonable grounds ({n1}) and {w.pct(pcg)} of conclusive grounds decisions "
                         f"({n2}) were positive")
        b.state("positive_rg_count", prg_n, optional=not c3)
        b.state("positive_cg_count", pcg_n, optional=not c4)
        # a comma-less year-like count ("(1990)") reads as a year: its clause names another period
        b.state("positive_rg_pct", prg, optional=not c3)
        b.state("positive_cg_pct", pcg, optional=not c4)
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


FORCES = ("Kent Police", "the Metropolitan Police", "Greater Manchester Police", "West Midlands Police")
PLACES = ("Greater Manchester", "London", "Birmingham", "Leeds", "Cardiff", "Bristol")


def write_distractor(draw: Any, b: Bulletin, w: Writer, total: int, this: str) -> None:
    """Sentences that state no UK figure of this release: another scope, another period, a footnote...

    Each number they write must still be named in a warning (the silence property), never read.
    """
    year = int(b.period[:4])
    n, m = draw(g.integers(100, 3000)), draw(g.integers(10, 99))
    p = draw(g.integers(1, 99))
    force, place = draw(g.sampled_from(FORCES)), draw(g.sampled_from(PLACES))
    choices = [
        lambda: f"in Scotland, {w.count(n)[0]} potential victims were referred {this}, of whom {w.pair(p, m)[0]} were female",
        lambda: f"Northern Ireland saw {w.pair(p, n)[0]} of all referrals",
        lambda: f"1 Footnote: {w.pair(p, n)[0]} were female in {year - 3}",
        lambda: f"this was not a {w.pct(draw(g.integers(1, 40)))} increase on the previous period, as first reported",
        lambda: f"in {year - 2}, {w.pair(p, n)[0]} were male",
        lambda: f"a higher proportion of referrals claimed exploitation overseas only in {year} ({w.pct(30)}) than in "
                f"{year - 1} ({w.pct(26)})",
        lambda: f"the number of referrals has exceeded {w.count(n * 5)[0]} for the first time",
        # issue 24: one police force, area, council or operation; a breakdown within a group; other periods
        lambda: f"{w.count(n)[0]} potential victims were referred to {force}, including {w.count(m)[0]} children",
        lambda: f"In {place}, {w.count(n)[0]} referrals were made, up {w.pct(p)} on the same quarter last year",
        lambda: f"Police forces made {w.count(n)[0]} of the referrals, local authorities {w.count(m * 10)[0]}",
        lambda: f"In one council area alone, {w.count(m)[0]} children were referred for criminal exploitation",
        lambda: f"The NCA supported {w.count(m)[0]} operations, safeguarding {w.count(n)[0]} potential victims",
        lambda: f"Of the children referred, {w.count(n)[0]} were from the UK",
        lambda: f"Over the last five years, referrals have risen by {w.pct(100 + p)}",
        lambda: f"In the year to June {year}, {w.count(n * 5)[0]} referrals were made",
        lambda: "Covid-19 restrictions continued to affect the number of referrals",
    ]
    b.bullets.append(choices[draw(g.integers(0, len(choices) - 1))]())


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
