"""extract(): one NRM bulletin -> its key figures, each with its evidence, checked.

Pure: no I/O, no database. It never invents a number: every value is read from the clause it is
written in, and a figure whose number is not in that clause is dropped. Figures that contradict
each other are withheld by the checks, never corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from scrapers.errors import ParseError
from scrapers.nrm import checks, rules, section
from scrapers.nrm.documents import Block, clean, decode, read_document
from scrapers.nrm.reader import read_item
from scrapers.nrm.reading import DEFAULT_MAX_NOTICES, Reading
from scrapers.records import Figure, Notice, Withheld
from vocabulary.metrics import metric_unit
from vocabulary.plausible import plausible_period

DEFAULT_MAX_KEY_RESULTS_CHARS = 50_000  # MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS


@dataclass(frozen=True)
class Extraction:
    """What one bulletin states: its title, period, dates, the figures that passed, those withheld."""

    title: str
    period: str  # "2023-Q2" or "2023-year"
    published: date | None
    updated: date | None
    figures: tuple[Figure, ...]  # passed every check: these are published
    notices: tuple[Notice, ...] = ()
    withheld: tuple[Withheld, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notices as plain strings, for staff and the JSON contract."""
        return tuple(n.text for n in self.notices)


def extract(document: str | bytes, *, source_url: str = "", max_warnings: int = DEFAULT_MAX_NOTICES,
            max_key_results_chars: int = DEFAULT_MAX_KEY_RESULTS_CHARS) -> Extraction:
    """The key figures of one NRM bulletin (text, HTML, or GOV.UK Content API JSON).

    Raises ParseError (naming `source_url`) when the input is not a recognisable bulletin: no
    period in its title or opening, or no key results/points list. Never raises anything else.
    At most `max_warnings` warnings about the text are kept (MSBRIEF_NRM_MAX_WARNINGS); the rest
    are counted, and one more line says how many. Key results longer than `max_key_results_chars`
    (MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS; a real bulletin's are a few thousand) are read that far,
    with a warning: the time and memory of a reading are bounded whatever the document.
    """
    try:
        return _extract(decode(document), max_warnings=max(1, max_warnings), max_chars=max(1, max_key_results_chars))
    except ParseError as exc:
        if source_url and not exc.url:
            located = ParseError(exc.reason, source=exc.source, url=source_url)
            located.expected = exc.expected
            raise located from exc
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, LookupError,
            ArithmeticError) as exc:
        raise ParseError(f"could not read the bulletin ({exc.__class__.__name__}: {exc})", url=source_url,
                         expected="an NRM bulletin as text, HTML or GOV.UK Content API JSON") from exc


def read_text(text: str, *, period: str, title: str = "", max_warnings: int = DEFAULT_MAX_NOTICES,
              max_key_results_chars: int = DEFAULT_MAX_KEY_RESULTS_CHARS) -> Extraction:
    """The figures running text states about `period`, read and checked as a bulletin's key results are.

    For text that is not a bulletin (a written answer, a statement, a press release): no title or
    "Key results" heading is needed; each paragraph is read as a key result. Raises ValueError for
    a period that is not of the form '2023-Q2' or '2023-year'.
    """
    if not plausible_period(period):
        raise ValueError(f"period {period!r} is not a plausible period such as '2023-Q2' or '2023-year'")
    items = [Block(clean(p), "para") for p in re.split(r"\n\s*\n|\r\n\s*\r\n", decode(text)) if p.strip()]
    return _read(items, title=title, period=period, dates=[], max_warnings=max(1, max_warnings),
                 max_chars=max(1, max_key_results_chars))


def _extract(text: str, *, max_warnings: int, max_chars: int) -> Extraction:
    doc = read_document(text)
    heading, items = section.key_section(doc)
    if not items:
        raise ParseError("the key results section is empty", expected="bullets after the 'Key results' heading")
    title, period = section.title_and_period(doc, heading, items)
    dates = section.dates(doc, heading)
    return _read(items, title=title, period=period, dates=dates, max_warnings=max_warnings, max_chars=max_chars)


def _read(items: list[Block], *, title: str, period: str, dates: list[tuple[str, str, date]], max_warnings: int,
          max_chars: int) -> Extraction:
    """Read the key results `items` of a document about `period`, and check what they state."""
    found = Reading(max_notices=max_warnings)
    total = sum(len(item.text) for item in items)
    if total > max_chars:
        found.note(f"the key results run to {total:,} characters, more than any bulletin's: only the first "
                   f"{max_chars:,} were read (MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS)")
    budget = max_chars
    for item in items:
        if budget <= 0:
            break
        read_item(item.text[:budget], period=period, reading=found)
        budget -= len(item.text)
    figures = [Figure(metric, value.isoformat(), "date", evidence, period, evidence) for metric, evidence, value in dates]
    for f in found.figures:
        if _literal(f) and _defined(f):
            figures.append(f)
        else:  # never published on a misreading, never dropped in silence
            found.note(f"a number was read as {f.metric} but is not written so in its words: {f.quote[:120]!r}",
                       metrics=(f.metric,))
    result = checks.check(figures)
    notices = list(dict.fromkeys([*found.notices, *result.notices]))
    unsaid = found.unsaid + max(0, len(notices) - max_warnings)
    notices = notices[:max_warnings]
    if unsaid:
        notices.append(Notice(f"{unsaid:,} more warnings about this bulletin were not kept "
                              f"(at most {max_warnings:,} are: MSBRIEF_NRM_MAX_WARNINGS)", kind="reading"))
    if not any(f.unit != "date" for f in [*result.figures, *(w.figure for w in result.withheld)]):
        notices.append(Notice("the key results state no figure this extractor recognises", kind="reading"))
    published = next((v for m, _, v in dates if m == "published_date"), None)
    updated = next((v for m, _, v in dates if m == "last_updated_date"), None)
    return Extraction(title=title, period=period, published=published, updated=updated,
                      figures=tuple(result.figures), notices=tuple(dict.fromkeys(notices)),
                      withheld=tuple(result.withheld))


def _literal(figure: Figure) -> bool:
    """True when the figure's value is written in its own clause (the last guard against a misreading)."""
    quote = figure.quote or figure.evidence
    if isinstance(figure.value, str) and figure.unit in ("count", "pct"):
        return True  # a number kept as written ("1e309", 5,000 digits): the checks withhold it whatever it is
    if figure.unit == "count":
        return f"{abs(figure.value):,}" in quote or str(abs(figure.value)) in quote
    if figure.unit == "pct":
        magnitude = abs(figure.value)
        return any(f"{magnitude}{sep}" in quote for sep in ("%", " %", " per cent"))
    if figure.unit == "approx":
        return figure.value in quote
    if figure.unit == "list":
        return True  # names are normalised to demonyms ("Albania" -> "Albanian"); the list reader checked them
    return True


def _defined(figure: Figure) -> bool:
    """True when FIGURES.md defines the figure's metric with its unit (a rule naming anything else is a bug)."""
    return metric_unit(figure.metric) in (figure.unit, "count" if figure.unit == "approx" else None)


def metrics_read() -> set[str]:
    """Every metric extract() can report (families as patterns such as "previous_record_referrals_<year>")."""
    return rules.metrics_read() | {"published_date", "last_updated_date"}


def figures_as_json(extraction: Extraction) -> dict[str, Any]:
    """The DESIGN.md JSON shape of an extraction, with the withheld figures for operators.

    "warnings" stays a list of strings (plain words); "withheld" lists each figure held back
    with its metric, value and the reason.
    """
    return {
        "title": extraction.title,
        "period": extraction.period,
        "published": extraction.published.isoformat() if extraction.published else None,
        "updated": extraction.updated.isoformat() if extraction.updated else None,
        "figures": [_figure_json(f) for f in extraction.figures],
        "warnings": list(extraction.warnings),
        "withheld": [{**_figure_json(w.figure), "reason": w.reason} for w in extraction.withheld],
    }


def _figure_json(f: Figure) -> dict[str, Any]:
    return {"metric": f.metric, "value": f.value, "unit": f.unit, "evidence": f.evidence, "period": f.period}
