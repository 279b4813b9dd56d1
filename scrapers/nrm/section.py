"""Finding the parts of a bulletin: its "Key results" list, its date lines, its title and period."""

from __future__ import annotations

import re
from datetime import date

from scrapers.errors import ParseError
from scrapers.nrm.documents import Block, Doc
from vocabulary.calendar import MONTH_PATTERN, MONTHS
from vocabulary.periods import (
    period_from_phrase,
    period_from_title,
    quarter_of_months,
    quarter_period,
    year_period,
)
from vocabulary.plausible import plausible_period

_KEY_WORDS = r"(?:\d+\.?\s*)?(?:key\s+(?:results|points|findings|facts|statistics)|main\s+(?:points|findings)|summary)"
_KEY_HEADING = re.compile(rf"^{_KEY_WORDS}\s*:?$", re.I)
# "Key results: 4,171 potential victims ..." - the heading run into its first paragraph
_KEY_INLINE = re.compile(rf"^{_KEY_WORDS}\s*[:.\u2013\u2014-]\s+(?P<rest>\S.*)$", re.I)
_SECTION_END = re.compile(r"^(?:\d+\.\s+\S|figure\s+\d|table\s+\d|chart\s+\d|source:|notes?:|footnotes?\b)", re.I)
_DATE_LINE = re.compile(rf"^(published|updated|last updated)\s*:?\s*(\d{{1,2}})\s+({MONTH_PATTERN})\s+(\d{{4}})$", re.I)


def key_section(doc: Doc) -> tuple[int, list[Block]]:
    """(index of the heading, the blocks of the key results list)."""
    for i, block in enumerate(doc.blocks):
        if block.kind == "bullet":
            continue
        if _KEY_HEADING.match(block.text):
            return i, _section_items(doc.blocks[i + 1:])
        inline = _KEY_INLINE.match(block.text)
        if inline and re.search(r"\d", inline.group("rest")):
            return i, [Block(inline.group("rest"), "para"), *_section_items(doc.blocks[i + 1:])]
    raise ParseError(
        "no key results section", expected="a 'Key results' or 'Key points' heading followed by bullets"
    )


def _section_items(blocks: list[Block]) -> list[Block]:
    """The bullets (or paragraphs, when the key results run inline) up to the next section.

    As many as there are: how much of them is read is bounded by the extractor
    (MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS), which says so when it stops.
    """
    items: list[Block] = []
    for block in blocks:
        if block.kind in ("heading", "footnote") or _SECTION_END.match(block.text):
            break
        if items and items[-1].kind == "bullet" and block.kind != "bullet":
            break  # the list is over: the next paragraph is commentary
        items.append(block)
    return items


def dates(doc: Doc, before: int) -> list[tuple[str, str, date]]:
    """The "Published ..." / "Updated ..." lines above the key results (else the envelope's)."""
    found: list[tuple[str, str, date]] = []
    for block in doc.blocks[:before]:
        m = _DATE_LINE.match(block.text)
        if not m:
            continue
        metric = "published_date" if m.group(1).lower() == "published" else "last_updated_date"
        if any(f[0] == metric for f in found):
            continue
        try:
            value = date(int(m.group(4)), MONTHS[m.group(3).lower()], int(m.group(2)))
        except ValueError:
            continue
        found.append((metric, block.text, value))
    return found or list(doc.meta_dates)


def title_and_period(doc: Doc, heading: int, items: list[Block]) -> tuple[str, str]:
    """The bulletin's title and period: from the title, else from the introduction or first bullet."""
    candidates = [doc.title] if doc.title else []
    # a title line: short, and not a sentence of the introduction
    candidates += [b.text for b in doc.blocks[:heading][:8] if len(b.text) < 200 and not b.text.endswith(".")]
    for text in candidates:
        if re.search(r"national referral mechanism|\bNRM\b|modern slavery|human trafficking", text, re.I):
            found = period_from_title(text)
            if found:
                return text, found
    for block in [*doc.blocks[:heading], *items[:1]]:
        found = _period_from_body(block.text)
        if found and plausible_period(found):
            return doc.title, found
    raise ParseError(
        "no period in the bulletin", expected="a title naming a quarter ('Quarter 2 2023', 'April to June 2024') "
        "or an end of year summary"
    )


def _period_from_body(text: str) -> str | None:
    m = re.search(rf"\bfrom\s+1\s+({MONTH_PATTERN})\s+to\s+\d{{1,2}}\s+({MONTH_PATTERN})\s+(\d{{4}})", text, re.I)
    if m:
        quarter = quarter_of_months(m.group(1), m.group(2))
        if quarter:
            return quarter_period(int(m.group(3)), quarter)
    m = re.search(r"(?:referred to the Home Office|referred to the NRM|submitted to the NRM)\s+"
                  r"(?:in|from|during)\s+(?:(?:in|from)\s+)?(.{4,40})", text, re.I)
    if m:
        named = period_from_phrase(m.group(1))
        if named:
            return named
        year = re.match(r"(\d{4})\b", m.group(1))
        if year:
            return year_period(int(year.group(1)))
    return None
