"""A specialist's summary of an NRM release, written from its stored figures (never copied).

"Between April and June 2023, 3,998 potential victims of modern slavery were referred to the NRM,
a 16% decrease on the previous quarter (4,739) and a 4% decrease on April to June 2022 (4,161). ..."

Every clause needs its figures: a missing figure drops its clause, never the summary. The same
phrases make the headline figures of the index page and the briefing (`headline_figures`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from feeds.formatting import date_text, is_number, number, release_period_label
from feeds.opendata import release_page_path
from feeds.sanitise import clean_html, plain_text, safe_url
from store.read import ReleaseView, Revision
from vocabulary.metrics import metric_label
from vocabulary.periods import is_quarter, period_order, previous_period, same_period_last_year

AWAITING_FIGURES = "Figures will follow when the bulletin is published."


def _value(release: ReleaseView, *candidates: tuple[str, str | None]) -> Any:
    """The first numeric value among (metric, period) candidates; the extractor may file a
    restated figure under this release's period or under the period it describes."""
    for metric, period in candidates:
        if period is None:
            continue
        value = release.value(metric, period)
        if is_number(value):
            return value
    return None


@dataclass(frozen=True)
class _Comparison:
    pct: float | None
    count: float | None
    against: str  # "the previous quarter", "April to June 2022"


def _change(current: Any, comp: _Comparison) -> str | None:
    """ "a 16% decrease on the previous quarter (4,739)", "a similar number to 2020 (10,601)"."""
    pct = comp.pct
    if pct is None and is_number(current) and comp.count:
        pct = round((current - comp.count) / comp.count * 100)
    if pct is None:
        return None
    paren = f" ({number(comp.count)})" if comp.count is not None else ""
    if pct == 0:
        return f"a similar number to {comp.against}{paren}"
    direction = "increase" if pct > 0 else "decrease"
    return f"a {number(abs(pct))}% {direction} on {comp.against}{paren}"


def _share(pct: Any, count: Any) -> str | None:
    """ "81% (3,242)", "81%" or "3,242"; None when neither is known."""
    if is_number(pct) and is_number(count):
        return f"{number(pct)}% ({number(count)})"
    if is_number(pct):
        return f"{number(pct)}%"
    if is_number(count):
        return number(count)
    return None


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class _Figures:
    """Look-ups of one release's figures, by what they mean."""

    def __init__(self, release: ReleaseView) -> None:
        self.r = release
        self.period = release.period
        self.prev = previous_period(release.period)
        self.last_year = same_period_last_year(release.period)
        self.unit = "quarter" if is_quarter(release.period) else "year"

    def get(self, metric: str) -> Any:
        return _value(self.r, (metric, self.period))

    def vs_previous(self) -> _Comparison:
        against = "the previous quarter" if self.unit == "quarter" else release_period_label(self.prev or "")
        return _Comparison(
            pct=self.get("pct_change_vs_previous"),
            count=_value(self.r, ("previous_period_referrals", self.period), ("previous_period_referrals", self.prev),
                         ("total_referrals", self.prev)),
            against=against,
        )

    def vs_last_year(self) -> _Comparison | None:
        if self.last_year is None:
            return None
        return _Comparison(
            pct=self.get("pct_change_vs_last_year"),
            count=_value(self.r, ("same_period_last_year_referrals", self.period),
                         ("same_period_last_year_referrals", self.last_year), ("total_referrals", self.last_year)),
            against=release_period_label(self.last_year),
        )

    def dtn_vs_previous(self) -> _Comparison:
        return _Comparison(
            pct=self.get("dtn_pct_change_vs_previous"),
            count=_value(self.r, ("dtn_previous_period", self.period), ("dtn_previous_period", self.prev),
                         ("dtn_count", self.prev)),
            against=f"the previous {self.unit}",
        )


def _referral_changes(f: _Figures, total: Any) -> list[str]:
    """The change on the previous period and on the same period last year, where known."""
    comparisons = [f.vs_previous(), f.vs_last_year()]
    return [c for c in (_change(total, comp) for comp in comparisons if comp) if c]


def _referrals_sentence(f: _Figures) -> str | None:
    total = f.get("total_referrals")
    if total is None:
        return None
    label = release_period_label(f.period)
    if f.unit == "quarter":
        first, _, rest = label.partition(" to ")
        opening = f"Between {first} and {rest}"
    else:
        opening = f"In {label}"
    changes = _referral_changes(f, total)
    tail = ", " + " and ".join(changes) if changes else ""
    return f"{opening}, {number(total)} potential victims of modern slavery were referred to the NRM{tail}."


def _pair_sentence(f: _Figures, first: tuple[str, str], second: tuple[str, str], verb: str) -> str | None:
    """ "81% (3,242) went to the SCA and 19% (756) to the IECA." for two (metric prefix, words) pairs."""
    a = _share(f.get(f"{first[0]}_pct"), f.get(f"{first[0]}_count"))
    b = _share(f.get(f"{second[0]}_pct"), f.get(f"{second[0]}_count"))
    if a and b:
        return f"{a} {verb} {first[1]} and {b} {second[1]}."
    if a or b:
        share, words = (a, first[1]) if a else (b, second[1])
        return f"{share} {verb} {words}."
    return None


def _nationalities(f: _Figures) -> list[str]:
    names = f.r.value("top_nationalities", f.period)
    if not isinstance(names, list):
        return []
    return [plain_text(str(n)) for n in names if plain_text(str(n))]


def _nationalities_sentence(f: _Figures) -> str | None:
    names = _nationalities(f)
    return f"The most common nationalities referred were {_join(names)}." if names else None


def _decisions_sentence(f: _Figures) -> str | None:
    """ "3,635 reasonable grounds and 2,086 conclusive grounds decisions were issued; 48% and 76% were positive." """
    kinds = [(words, f.get(f"{metric}_decisions"), f.get(f"positive_{short}_pct"))
             for words, metric, short in (("reasonable grounds", "reasonable_grounds", "rg"),
                                          ("conclusive grounds", "conclusive_grounds", "cg"))]
    counted = [(w, c, p) for w, c, p in kinds if c is not None]
    positive = [(w, p) for w, _, p in kinds if p is not None]
    issued = _join([f"{number(c)} {w}" for w, c, _ in counted]) + " decisions were issued" if counted else ""
    if counted and len(positive) == len(counted) and all(p is not None for _, _, p in counted):
        return f"{issued}; " + _join([f"{number(p)}%" for _, p in positive]) + " were positive."
    sentences = [issued + "."] if issued else []
    if positive:
        sentences.append(_join([f"{number(p)}% of {w} decisions" for w, p in positive]) + " were positive.")
    return " ".join(sentences) or None


def _dtn_sentence(f: _Figures) -> str | None:
    count = f.get("dtn_count")
    if count is None:
        return None
    change = _change(count, f.dtn_vs_previous())
    tail = f", {change}" if change else ""
    return f"The Home Office received {number(count)} Duty to Notify reports of adult potential victims{tail}."


def _sentences(release: ReleaseView) -> list[str]:
    f = _Figures(release)
    found = [
        _referrals_sentence(f),
        _pair_sentence(f, ("sca", "to the Single Competent Authority (SCA)"),
                       ("ieca", "to the Immigration Enforcement Competent Authority (IECA)"), "went"),
        _pair_sentence(f, ("adult", "as adults"), ("child", "as children"), "claimed exploitation"),
        _pair_sentence(f, ("male", "male"), ("female", "female"), "were"),
        _pair_sentence(f, ("uk_only", "in the UK only"), ("overseas_only", "overseas only"), "claimed exploitation"),
        _nationalities_sentence(f),
        _decisions_sentence(f),
        _dtn_sentence(f),
    ]
    return [s[0].upper() + s[1:] for s in found if s]


def revision_text(revision: Revision) -> str:
    """ "April to June 2023 was revised from 3,998 to 3,995 (potential victims referred to the NRM)"."""
    return (f"{release_period_label(revision.period)} was revised from {number(revision.was)} to "
            f"{number(revision.now)} ({metric_label(revision.metric)})")


def revisions_note(release: ReleaseView) -> str:
    """The routine revisions this release makes, as one note for staff ("" when none)."""
    texts = [revision_text(r) for r in release.revisions]
    return f"Revised in this release: {'; '.join(texts)}." if texts else ""


def summarise_release(release: ReleaseView) -> str:
    """The release in plain text: one paragraph of figures, then a note of the revisions it makes.

    Operator warnings (checks, reading problems) never appear here. A release with no figures
    that is the newest one says its figures will follow; an older one says nothing.
    """
    body = " ".join(_sentences(release))
    if not body:
        return AWAITING_FIGURES if release.awaiting_figures else ""
    return "\n\n".join(p for p in (body, revisions_note(release)) if p)


def summarise_release_html(release: ReleaseView, *, site_url: str = "") -> str:
    """`summarise_release` as safe HTML paragraphs, ending with a link to the bulletin (and, when its
    data tables are stored and `site_url` is given, to its page of figures and open data)."""
    text = summarise_release(release)
    if not text:
        return ""
    parts = [f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")]
    if not release.figures:
        return clean_html("".join(parts))
    link = safe_url(release.bulletin_url) or safe_url(release.page_url)
    if link:
        parts.append(f'<p>Source: <a href="{html.escape(link)}">{html.escape(plain_text(release.title))}</a></p>')
    page = safe_url(f"{site_url.rstrip('/')}/{release_page_path(release.period)}") if site_url and release.has_tables \
        else None
    if page:
        parts.append(f'<p>Every figure with its sentence and table cell, and the data tables as open data: '
                     f'<a href="{html.escape(page)}">{html.escape(release_period_label(release.period))} figures '
                     'and data</a></p>')
    return clean_html("".join(parts))


@dataclass(frozen=True)
class Headline:
    """One headline figure: what it is, the number, the context, and where it was stated."""

    label: str
    value: str
    detail: str
    source_url: str | None
    evidence: str = ""
    source: str = ""  # 'Table 2, cell G66' when a data table gives the number
    check: str = ""  # 'matches Table 2' when the tables confirm the bulletin
    note: str = ""  # what the bulletin said when the tables contradict it


def _where(release: ReleaseView, metric: str) -> dict[str, str]:
    """The table, check and note of a figure, for its Headline."""
    fig = release.figure(metric)
    if fig is None:
        return {}
    return {"source": fig.source if fig.table else "", "check": fig.check, "note": fig.note}


def headline_figures(release: ReleaseView) -> list[Headline]:
    """The figures staff look at first (referrals and changes, SCA/IECA, decisions, Duty to Notify)."""
    f = _Figures(release)

    def src(metric: str) -> str | None:
        fig = release.figure(metric)
        return safe_url(fig.source_url) if fig else None

    def evidence(metric: str) -> str:
        fig = release.figure(metric)
        return plain_text(fig.evidence) if fig else ""

    rows: list[Headline] = []
    total = f.get("total_referrals")
    if total is not None:
        rows.append(Headline("Referrals to the NRM", number(total), "; ".join(_referral_changes(f, total)),
                             src("total_referrals"), evidence("total_referrals"), **_where(release, "total_referrals")))
    for prefix, label in (("sca", "Sent to the Single Competent Authority"),
                          ("ieca", "Sent to the Immigration Enforcement Competent Authority")):
        count, pct = f.get(f"{prefix}_count"), f.get(f"{prefix}_pct")
        if count is not None or pct is not None:
            value = number(count) if count is not None else f"{number(pct)}%"
            detail = f"{number(pct)}% of referrals" if count is not None and pct is not None else ""
            metric = f"{prefix}_count" if count is not None else f"{prefix}_pct"
            rows.append(Headline(label, value, detail, src(metric), evidence(metric), **_where(release, metric)))
    for metric, short, label in (("reasonable_grounds_decisions", "rg", "Reasonable grounds decisions"),
                                 ("conclusive_grounds_decisions", "cg", "Conclusive grounds decisions")):
        count, pct = f.get(metric), f.get(f"positive_{short}_pct")
        if count is not None:
            rows.append(Headline(label, number(count), f"{number(pct)}% positive" if pct is not None else "", src(metric),
                                 evidence(metric), **_where(release, metric)))
    dtn = f.get("dtn_count")
    if dtn is not None:
        rows.append(Headline("Duty to Notify reports (adults)", number(dtn), _change(dtn, f.dtn_vs_previous()) or "",
                             src("dtn_count"), evidence("dtn_count"), **_where(release, "dtn_count")))
    names = _nationalities(f)
    if names:
        rows.append(Headline("Most common nationalities", _join(names), "", src("top_nationalities"),
                             evidence("top_nationalities")))
    return rows


def stale_note(newest: ReleaseView | None, headline: ReleaseView | None) -> str:
    """ "The April to June 2024 release (8 August 2024) has no bulletin yet; latest figures from July to
    September 2023." when a newer release than the one with figures is out; "" otherwise."""
    if newest is None or headline is None or newest.figures:
        return ""
    if period_order(newest.period) <= period_order(headline.period):
        return ""
    published = f" ({date_text(newest.published)})" if newest.published else ""
    if newest.bulletin_url:  # it has one: its figures are what is missing, not the bulletin
        return (f"The {release_period_label(newest.period)} release{published} has a bulletin whose figures "
                f"are not shown here yet; latest figures from {release_period_label(headline.period)}.")
    return (f"The {release_period_label(newest.period)} release{published} has no bulletin yet; "
            f"latest figures from {release_period_label(headline.period)}.")
