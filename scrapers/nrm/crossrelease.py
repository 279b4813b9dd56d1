"""The cross-release check: a restated earlier figure against what the earlier release said.

Later releases restate earlier periods ("compared to the preceding quarter (3,777)"), often a
little revised: a revision is routine and becomes a note in plain words ("April to June 2023 was
revised from 3,998 to 3,995"). A restatement further from the original than a revision would be
(more than REVISION_LIMIT of it) is more likely a misreading or a typo: that figure is withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

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


class ReleaseIndex:
    """What every release said, indexed once: any release is then checked in time linear in its own figures.

    `said[(metric, period)]` holds each release's statement of its own period (by release period);
    `restated[(original metric, period)]` each later release's restatement of that period.
    """

    def __init__(self) -> None:
        self.said: dict[tuple[str, str], set[tuple[str | None, Any]]] = {}  # -> {(by release, value)}
        self.restated: dict[tuple[str, str], set[tuple[str, Any]]] = {}

    def add(self, by: str | None, figures: Iterable[Any]) -> None:
        """The figures release `by` states (None: figures of releases not named)."""
        for f in figures:
            if not _number(f.value):
                continue
            if by is None or f.period == by:
                self.said.setdefault((f.metric, f.period), set()).add((by, f.value))
            if by is not None and f.metric in RESTATEMENTS and f.period != by:
                self.restated.setdefault((RESTATEMENTS[f.metric], f.period), set()).add((by, f.value))

    def check(self, release: Any) -> CrossReleaseCheck:
        """Compare `release`'s restatements of earlier periods with what those periods' releases said,
        and note where later releases restated its own figures."""
        notes: list[Notice] = []
        withheld: list[Withheld] = []
        for f in release.figures:
            if not _number(f.value):
                continue
            original = RESTATEMENTS.get(f.metric)
            if original is None:
                later = self.restated.get((f.metric, f.period), set())
                for by, value in sorted(later, key=lambda bv: (bv[0], str(bv[1]))):
                    if by != release.period and value != f.value:
                        notes.append(Notice(f"{period_label(f.period)} was later restated as {value:,} (was {f.value:,}) "
                                            f"in the {period_label(by)} release: {metric_label(f.metric)}",
                                            metrics=(f.metric,), kind="revision"))
                continue
            values = [v for by, v in self.said.get((original, f.period), ()) if by != release.period]
            if not values or f.value in values:
                continue
            then = min(values, key=lambda v: (abs(v - f.value), v))
            if abs(f.value - then) <= REVISION_LIMIT * then:
                notes.append(Notice(f"{period_label(f.period)} was revised from {then:,} to {f.value:,} "
                                    f"({metric_label(original)})", metrics=(f.metric,), kind="revision"))
            else:
                withheld.append(Withheld(f, f"{metric_label(f.metric)} for {period_label(f.period)} is given as "
                                            f"{f.value:,}, but that period's own release said {then:,}: more than a "
                                            "revision would change it"))
        return CrossReleaseCheck(tuple(notes), tuple(withheld))


def check_against_previous(release: Any, earlier: Mapping[str, Any] | Iterable[Any]) -> CrossReleaseCheck:
    """Compare `release`'s restatements of earlier periods with what those periods' releases said.

    `release` is an Extraction or a records.Release (anything with `period` and `figures`);
    `earlier` is a mapping period -> release, an iterable of releases, or an iterable of figures.
    The result does not depend on their order. To check many releases, build one ReleaseIndex.
    """
    index = ReleaseIndex()
    items = list(earlier.values() if isinstance(earlier, Mapping) else earlier)
    for item in items:
        if hasattr(item, "figures"):
            index.add(item.period, item.figures)
    index.add(None, [item for item in items if not hasattr(item, "figures")])
    return index.check(release)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
