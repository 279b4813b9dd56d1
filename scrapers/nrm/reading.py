"""What reading a bulletin gives: figures, and notices for staff, bounded whatever the input.

Every number a key result states ends as a figure or as a notice naming it. Notices are short
(the number and a few words around it, never the whole clause) and counted: past
`max_notices` per document they are no longer kept, only counted, and one line says how many
more there were. A bulletin of repeated numbers thus costs memory in proportion to its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scrapers.nrm.clauses import Clause, Value
from scrapers.records import Figure, Notice

DEFAULT_MAX_NOTICES = 50  # MSBRIEF_NRM_MAX_WARNINGS
MAX_EVIDENCE = 2_000  # characters of a sentence kept as a figure's evidence (a real key result is far shorter)
_EXCERPT = 120  # characters of context a notice quotes


@dataclass
class Reading:
    """Figures (not yet checked) and notices in plain words, with the notices over the cap counted."""

    figures: list[Figure] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    max_notices: int = DEFAULT_MAX_NOTICES
    unsaid: int = 0  # notices past max_notices: counted, not kept
    _said: set[str] = field(default_factory=set)

    def note(self, text: str, *, metrics: tuple[str, ...] = (), kind: str = "reading") -> None:
        """Keep a notice (once), or count it when the document already has max_notices."""
        if text in self._said:
            return
        if len(self.notices) >= self.max_notices:
            self.unsaid += 1
            return
        self._said.add(text)
        self.notices.append(Notice(text, metrics=metrics, kind=kind))


def token_index(token: str) -> int:
    """The index of the value behind a token such as '<PN3>'."""
    return int(re.sub(r"\D", "", token))


def excerpt(text: str, around: Value | None = None) -> str:
    """At most _EXCERPT characters of `text`, around `around` when given."""
    if len(text) <= _EXCERPT:
        return text
    if around is None:
        return text[:_EXCERPT - 3] + "..."
    start = max(0, min(around.start, len(text)) - _EXCERPT // 3)
    return ("..." if start else "") + text[start:start + _EXCERPT - 6] + "..."


def evidence_of(clause: Clause) -> tuple[str, str]:
    """(evidence, quote) of a figure read in `clause`: its sentence and its clause, bounded."""
    sentence, quote = clause.sentence.text, clause.text
    if len(quote) > MAX_EVIDENCE:
        quote = quote[:MAX_EVIDENCE]
    return (sentence if len(sentence) <= MAX_EVIDENCE else quote), quote


def figure(metric: str, value: object, unit: str, clause: Clause, period: str) -> Figure:
    """A figure read in `clause`, for `period`, with its evidence."""
    evidence, quote = evidence_of(clause)
    return Figure(metric=metric, value=value, unit=unit, evidence=evidence, period=period, quote=quote)


def figures_of(metric: str, value: Value, unit: str, clause: Clause, period: str) -> list[Figure]:
    """A value as figures of `metric`: a share base gives <base>_pct and <base>_count."""
    if unit == "share":
        out = []
        if value.pct is not None:
            out.append(figure(f"{metric}_pct", value.pct, "pct", clause, period))
        if value.count is not None:
            out.append(figure(f"{metric}_count", value.count, "count", clause, period))
        return out
    if unit == "pct":
        return [figure(metric, value.pct, "pct", clause, period)] if value.pct is not None else []
    if value.approx is not None:
        return [figure(metric, value.approx, "approx", clause, period)]
    return [figure(metric, value.count, "count", clause, period)] if value.count is not None else []
