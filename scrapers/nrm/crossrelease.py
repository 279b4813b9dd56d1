"""The cross-release check: a restated earlier figure against what the earlier release said.

Later releases restate earlier periods ("compared to the preceding quarter (3,777)"), often a
little revised: a revision is routine and becomes a note in plain words ("April to June 2023 was
revised from 3,998 to 3,995"). A restatement further from the original than a revision would be
(more than REVISION_LIMIT of it) is more likely a misreading or a typo: that figure is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping

from scrapers.records import Notice, Withheld
from vocabulary.metrics import RESTATEMENTS, metric_label
from vocabulary.periods import period_label

# Revisions of NRM counts between releases are a few per cent at most (late referrals, cleaning);
# a restatement more than 5% away from what the period's own release said is withheld.
REVISION_LIMIT = 0.05


@dataclass(frozen=True)
class CrossReleaseCheck:
    """What the check found: revision notes (routine) and restated figures withheld (not routine).

    Iterating gives the plain-words texts of both, as the warnings of a release.
    """

    notes: tuple[Notice, ...] = ()
    withheld: tuple[Withheld, ...] = ()

    def __iter__(self) -> Iterator[str]:
        yield from (n.text for n in self.notes)
        yield from (f"held back: {w.reason}" for w in self.withheld)

    def __bool__(self) -> bool:
        return bool(self.notes or self.withheld)

    def applied_to(self, release: Any) -> Any:
        """The release (a records.Release) with withheld figures moved out of its figures and the notes added."""
        if not self:
            return release
        gone = {id(w.figure) for w in self.withheld}
        return replace(
            release,
            figures=tuple(f for f in release.figures if id(f) not in gone),
            withheld=(*release.withheld, *self.withheld),
            warnings=tuple(dict.fromkeys((*release.warnings, *self))),
        )


def _statements(earlier: Mapping[str, Any] | Iterable[Any]) -> Iterator[tuple[Any, str | None]]:
    """(figure, period of the release that stated it, or None when only figures were given)."""
    items = earlier.values() if isinstance(earlier, Mapping) else earlier
    for item in items:
        if hasattr(item, "figures"):
            yield from ((f, item.period) for f in item.figures)
        else:
            yield item, None


def check_against_previous(release: Any, earlier: Mapping[str, Any] | Iterable[Any]) -> CrossReleaseCheck:
    """Compare `release`'s restatements of earlier periods with what those periods' releases said.

    `release` is an Extraction or a records.Release (anything with `period` and `figures`);
    `earlier` is a mapping period -> release, an iterable of releases, or an iterable of figures.
    Linear: the earlier statements are indexed once, and the result does not depend on their
    order. Restatements by releases later than `release` of its own figures give notes too.
    """
    said: dict[tuple[str, str], set[Any]] = {}  # (metric, period) -> values its own release stated
    restated: dict[tuple[str, str], set[tuple[Any, str]]] = {}  # (original metric, period) -> (value, by release)
    for f, by in _statements(earlier):
        if by == release.period or not _number(f.value):
            continue
        if by is None or f.period == by:
            said.setdefault((f.metric, f.period), set()).add(f.value)
        if by is not None and f.metric in RESTATEMENTS and f.period == release.period:
            restated.setdefault((RESTATEMENTS[f.metric], f.period), set()).add((f.value, by))
    notes: list[Notice] = []
    withheld: list[Withheld] = []
    for f in release.figures:
        original = RESTATEMENTS.get(f.metric)
        if original is None or not _number(f.value):
            if (f.metric, f.period) in restated and _number(f.value):
                for value, by in sorted(restated[(f.metric, f.period)], key=lambda vb: (vb[1], str(vb[0]))):
                    if _number(value) and value != f.value:
                        notes.append(Notice(f"{period_label(f.period)} was later restated as {value:,} (was {f.value:,}) "
                                            f"in the {period_label(by)} release: {metric_label(f.metric)}",
                                            metrics=(f.metric,), kind="revision"))
            continue
        values = [v for v in said.get((original, f.period), ()) if _number(v)]
        if not values or f.value in values:
            continue
        then = min(values, key=lambda v: (abs(v - f.value), v))
        if abs(f.value - then) <= REVISION_LIMIT * then:
            notes.append(Notice(f"{period_label(f.period)} was revised from {then:,} to {f.value:,} "
                                f"({metric_label(original)})", metrics=(f.metric,), kind="revision"))
        else:
            withheld.append(Withheld(f, f"{metric_label(f.metric)} for {period_label(f.period)} is given as {f.value:,}, "
                                        f"but that period's own release said {then:,}: more than a revision would change it"))
    return CrossReleaseCheck(tuple(notes), tuple(withheld))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
