"""NRM bulletin text -> key figures with evidence (a pure function: no I/O, no database).

`extract(document)` reads a Home Office "Modern Slavery: National Referral Mechanism and Duty to
Notify statistics" bulletin given as plain text, an HTML page or fragment, or a GOV.UK Content API
JSON document, finds its "Key results" / "Key points" list and returns every figure the bullets
state, each with the sentence it came from and the period it describes (docs/FIGURES.md is the
vocabulary). It never invents a number: every value is read from the text, and a figure whose
number is not literally in its evidence is dropped. Anything odd (a comparison period naming the
wrong year, counts that do not add up) becomes a warning, never a correction.

Anything that is not a recognisable bulletin raises scrapers.errors.ParseError, and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator, Mapping, Sequence

from scrapers.errors import ParseError
from scrapers.records import Figure
from vocabulary.calendar import LONDON, MONTH_PATTERN, MONTHS
from vocabulary.metrics import RESTATEMENTS
from vocabulary.periods import (
    period_from_phrase,
    period_from_title,
    previous_period,
    quarter_of_months,
    quarter_period,
    year_ago,
)

_MONTH = MONTH_PATTERN
_NUM = r"\d{1,3}(?:,\d{3})+|\d+"
_PCT = r"\d+(?:\.\d+)?"
_APPROX_WORDS = r"almost|nearly|around|about|approximately|over|more than|fewer than|less than|just under|just over|roughly"

# Demonyms the bulletins use for nationalities; the metric prefix is the lower-case word.
NATIONALITIES = {
    "uk": "uk_national", "british": "uk_national", "albanian": "albanian", "vietnamese": "vietnamese",
    "eritrean": "eritrean", "sudanese": "sudanese", "somali": "somali", "iranian": "iranian",
    "iraqi": "iraqi", "afghan": "afghan", "romanian": "romanian", "chinese": "chinese",
    "nigerian": "nigerian", "indian": "indian", "polish": "polish", "ethiopian": "ethiopian",
    "egyptian": "egyptian", "syrian": "syrian", "kuwaiti": "kuwaiti", "pakistani": "pakistani",
}
_NATION = r"(?:" + "|".join(NATIONALITIES) + r")\b"
EXPLOITATION_TYPES = ("labour", "criminal", "sexual", "domestic servitude", "organ harvesting")

@dataclass(frozen=True)
class Extraction:
    """What one bulletin states: its title, period, dates, key figures and the warnings raised."""

    title: str
    period: str  # "2023-Q2" or "2023-year"
    published: date | None
    updated: date | None
    figures: tuple[Figure, ...]
    warnings: tuple[str, ...] = ()


# --- reading the document --------------------------------------------------------------------


@dataclass
class _Block:
    """One paragraph, heading or bullet of the document, as plain text."""

    text: str
    kind: str  # "heading" | "para" | "bullet"


@dataclass
class _Doc:
    title: str = ""
    blocks: list[_Block] = field(default_factory=list)
    meta_dates: list[tuple[str, str, date]] = field(default_factory=list)  # (metric, evidence, date)


def _clean(text: str) -> str:
    """Collapse whitespace (incl. non-breaking spaces) to single spaces."""
    return re.sub(r"[\s\u00a0\u200b]+", " ", text).strip()


def _decode(document: str | bytes) -> str:
    if isinstance(document, bytes):
        return document.decode("utf-8", errors="replace").lstrip("\ufeff")
    if isinstance(document, str):
        return document.lstrip("\ufeff")
    raise ParseError(
        f"cannot read a document of type {type(document).__name__!r}", expected="str or bytes"
    )


def _looks_like_html(text: str) -> bool:
    return re.search(r"<(?:html|body|div|p|ul|ol|li|h[1-6]|main|section|span)\b[^>]*>", text, re.I) is not None


def _read(text: str) -> _Doc:
    """Split the document into blocks, whatever its rendering."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _read_content_item(data)
    if _looks_like_html(text):
        return _read_html(text)
    return _read_text(text)


_BULLET = re.compile(r"^\s*(?:[•\u2022\u25cf\u25aa\u2023\u2043*·]|[-\u2013\u2014](?=\s))\s*")


def _read_text(text: str) -> _Doc:
    doc = _Doc()
    for line in text.splitlines():
        if not line.strip():
            continue
        if _BULLET.match(line):
            doc.blocks.append(_Block(_clean(_BULLET.sub("", line, count=1)), "bullet"))
        else:
            doc.blocks.append(_Block(_clean(line), "para"))
    return doc


_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "td", "th", "caption", "figcaption")


def _read_html(text: str) -> _Doc:
    from bs4 import BeautifulSoup  # imported here: plain-text callers need no HTML parser
    from bs4.exceptions import ParserRejectedMarkup

    try:
        soup = BeautifulSoup(text, "lxml")
    except ParserRejectedMarkup as exc:
        raise ParseError(f"unreadable HTML ({exc})", expected="an HTML page or fragment") from exc
    doc = _Doc()
    h1 = soup.find("h1")
    if h1 is not None:
        doc.title = _clean(h1.get_text(" "))
    elif soup.title is not None:
        doc.title = re.sub(r"\s+-\s+GOV\.UK$", "", _clean(soup.title.get_text(" ")))
    for el in soup.find_all(_HTML_BLOCKS):
        if el.find(_HTML_BLOCKS) is not None:
            continue  # a container: its inner blocks are read on their own
        words = _clean(el.get_text(""))
        if not words:
            continue
        if el.name == "li" or el.find_parent("li") is not None:
            kind = "bullet"
        else:
            kind = "heading" if el.name[0] == "h" and el.name[1:].isdigit() else "para"
        doc.blocks.append(_Block(words, kind))
    return doc


def _read_content_item(data: dict[str, Any]) -> _Doc:
    """A GOV.UK Content API document: details.body, the title, and the page's date line."""
    details = data.get("details")
    body = details.get("body") if isinstance(details, dict) else None
    if not isinstance(body, str):
        raise ParseError("JSON document without details.body", expected="a GOV.UK Content API document")
    doc = _read_html(body) if _looks_like_html(body) else _read_text(body)
    title = data.get("title")
    doc.title = _clean(title) if isinstance(title, str) else doc.title
    doc.meta_dates = _content_item_dates(data, details)
    return doc


def _london_date(stamp: Any) -> date | None:
    if not isinstance(stamp, str):
        return None
    try:
        dt = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(LONDON).date()


def _long_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _content_item_dates(data: dict[str, Any], details: dict[str, Any]) -> list[tuple[str, str, date]]:
    """The date line GOV.UK renders for this document ("Published 3 March 2022" / "Updated ...").

    Like GOV.UK's html_publication page: public_timestamp is shown as "Published" on the first
    published version and as "Updated" afterwards; first_published_at, when present, is "Published".
    """
    found: list[tuple[str, str, date]] = []
    first = _london_date(data.get("first_published_at"))
    stamp_raw = details.get("public_timestamp") or data.get("public_updated_at")
    stamp = _london_date(stamp_raw)
    if first:
        found.append(("published_date", f"Published {_long_date(first)}", first))
    if stamp:
        is_first = details.get("first_published_version")
        if is_first is True or (is_first is None and first == stamp):
            if not first:
                found.append(("published_date", f"Published {_long_date(stamp)}", stamp))
        else:
            found.append(("last_updated_date", f"Updated {_long_date(stamp)}", stamp))
    return found


# --- the key results section -----------------------------------------------------------------

_KEY_HEADING = re.compile(r"^(?:\d+\.?\s*)?key\s+(?:results|points|findings|facts)\s*:?$", re.I)
_SECTION_END = re.compile(r"^(?:\d+\.\s+\S|figure\s+\d|table\s+\d|chart\s+\d|source:|notes?:)", re.I)
_DATE_LINE = re.compile(rf"^(published|updated|last updated)\s*:?\s*(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})$", re.I)


def _key_section(doc: _Doc) -> tuple[int, list[_Block]]:
    """(index of the heading, the blocks of the key results list)."""
    for i, block in enumerate(doc.blocks):
        if _KEY_HEADING.match(block.text):
            return i, _section_items(doc.blocks[i + 1:])
    raise ParseError(
        "no key results section", expected="a 'Key results' or 'Key points' heading followed by bullets"
    )


def _section_items(blocks: list[_Block]) -> list[_Block]:
    items: list[_Block] = []
    for block in blocks[:60]:
        if block.kind == "heading" or _SECTION_END.match(block.text):
            break
        if items and items[-1].kind == "bullet" and block.kind != "bullet":
            break
        items.append(block)
    return items


def _dates(doc: _Doc, before: int) -> list[tuple[str, str, date]]:
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
    if not found:
        found = list(doc.meta_dates)
    return found


def _title_and_period(doc: _Doc, heading: int, items: list[_Block]) -> tuple[str, str]:
    """The bulletin's title and period: from the title, else from the introduction or first bullet."""
    candidates = [doc.title] if doc.title else []
    # a title line: short, and not a sentence of the introduction
    candidates += [b.text for b in doc.blocks[:heading][:8] if len(b.text) < 200 and not b.text.endswith(".")]
    for text in candidates:
        if re.search(r"national referral mechanism|\bNRM\b|modern slavery", text, re.I):
            found = period_from_title(text)
            if found:
                return text, found
    for block in [*doc.blocks[:heading], *items[:1]]:
        found = _period_from_body(block.text)
        if found:
            return doc.title, found
    raise ParseError(
        "no period in the bulletin", expected="a title naming a quarter ('Quarter 2 2023', 'April to June 2024') "
        "or an end of year summary"
    )


def _period_from_body(text: str) -> str | None:
    m = re.search(rf"\bfrom\s+1\s+({_MONTH})\s+to\s+\d{{1,2}}\s+({_MONTH})\s+(\d{{4}})", text, re.I)
    if m:
        quarter = quarter_of_months(m.group(1), m.group(2))
        if quarter:
            return quarter_period(int(m.group(3)), quarter)
    m = re.search(r"referred to the Home Office (?:in|from|during)\s+(?:(?:in|from)\s+)?(.{4,40})", text, re.I)
    if m:
        named = period_from_phrase(m.group(1))
        if named:
            return named
        year = re.match(r"(\d{4})\b", m.group(1))
        if year:
            return f"{year.group(1)}-year"
    return None


# --- sentences and numbers -------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    """The sentences of a bullet (a new sentence starts after '. ' before a capital)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s.strip()]


def _clauses(sentence: str) -> list[str]:
    """A sentence cut at ' and ', ', whereas ', '; ' (outside parentheses)."""
    parts, depth, start, i = [], 0, 0, 0
    cut = re.compile(r",?\s+whereas\s+|,?\s+while\s+|;\s+|,?\s+and\s+(?=(?:the rest\s+)?\(?\d)")
    while i < len(sentence):
        ch = sentence[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = cut.match(sentence, i)
            if m and m.end() > i:
                parts.append(sentence[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(sentence[start:])
    return [p.strip() for p in parts if p.strip()]


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _pct(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _is_year(text: str) -> bool:
    return re.fullmatch(r"(?:19|20)\d\d", text) is not None


@dataclass
class _Found:
    """Figures and warnings collected while reading one bulletin."""

    period: str
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, metric: str, value: Any, unit: str, evidence: str, period: str | None = None) -> None:
        period = period or self.period
        for f in self.figures:
            if f.metric == metric and f.period == period:
                if f.value != value:
                    self.warnings.append(
                        f"{metric} for {period} stated twice: {f.value!r} and {value!r} "
                        f"(kept the first; second in {evidence!r})"
                    )
                return
        self.figures.append(Figure(metric=metric, value=value, unit=unit, evidence=evidence, period=period))

    def get(self, metric: str, period: str | None = None) -> Any:
        period = period or self.period
        return next((f.value for f in self.figures if f.metric == metric and f.period == period), None)


# --- figure rules ------------------------------------------------------------------------------

_PAIR = re.compile(
    rf"(?<![\d,.])(?P<p1>{_PCT})%\s*\((?P<n1>{_NUM})\)"  # 79% (3,768)
    rf"|\((?P<p2>{_PCT})%\s*[,;]\s*(?P<n2>{_NUM})\)"  # (79%, 3,768)  (22%; 1,316)
    rf"|(?<![\d,.%])(?P<n3>{_NUM})\s*\((?P<p3>{_PCT})%\)"  # 3,768 (79%)
)


def _pairs(clause: str) -> Iterator[tuple[int | float, int, re.Match[str]]]:
    for m in _PAIR.finditer(clause):
        pct, num = (m.group("p1"), m.group("n1")) if m.group("p1") else (
            (m.group("p2"), m.group("n2")) if m.group("p2") else (m.group("p3"), m.group("n3")))
        if m.group("n3") is not None:
            before = clause[: m.start()].rstrip().lower()
            if _is_year(num) or re.search(r"\b(?:in|than|since|from|of)$", before):
                continue  # "in 2021 (31%)": a year and a share, not a count
        yield _pct(pct), _int(num), m


def _category(clause: str) -> str | None:
    """The metric prefix a count/% pair in `clause` belongs to, None if not recognised."""
    low = clause.lower()
    if re.search(r"\bpositive\b", low) and re.search(r"\b(?:reasonable|conclusive)\s+grounds\b", low):
        return "positive_rg" if "reasonable grounds" in low else "positive_cg"
    if "single competent authority" in low or re.search(r"\bsca\b", low):
        return "sca"
    if "immigration enforcement competent authority" in low or re.search(r"\bieca\b", low):
        return "ieca"
    for kind in EXPLOITATION_TYPES:
        if re.search(rf"\b{kind}(?:\s+exploitation)?\b", low) and (kind == "domestic servitude" or f"{kind} exploitation" in low):
            age = "child" if re.search(r"\bchild", low) else "adult" if re.search(r"\badult", low) else None
            slug = kind.replace(" ", "_") + ("" if kind == "domestic servitude" else "_exploitation")
            return f"{age}_{slug}" if age else None
    if re.search(r"\b(?:uk|united kingdom) only\b", low):
        return "uk_only"
    if re.search(r"\boverseas only\b", low):
        return "overseas_only"
    if re.search(r"\bas adults?\b|\badults?\b", low) and not re.search(r"\bchild", low):
        return "adult"
    if re.search(r"\bas child(?:ren)?\b|\bchild(?:ren)?\b|\bminors?\b", low):
        return "child"
    if re.search(r"\bfemales?\b|\bwomen\b|\bgirls\b", low):
        return "female"
    if re.search(r"\bmales?\b|\bmen\b|\bboys\b", low):
        return "male"
    m = re.search(rf"\b({_NATION})\s+nationals?\b", low)
    if m:
        return NATIONALITIES[m.group(1)]
    return None


def _rule_pairs(sentence: str, found: _Found) -> None:
    """'79% (3,298) were male', '(22%; 965) ... IECA', '3,768 (79%) ... SCA' -> *_count and *_pct."""
    for clause in _clauses(sentence):
        for pct, num, m in _pairs(clause):
            if re.search(r"\b(?:increase|decrease|rise|fall|drop|compared|preceding|previous)\b", clause[: m.start()], re.I):
                continue  # a comparison, read by _rule_comparisons
            category = _category(clause)
            if category is None:
                found.warnings.append(f"a count and percentage ({pct}%, {num:,}) that fits no known metric: {clause!r}")
                continue
            found.add(f"{category}_count", num, "count", sentence)
            found.add(f"{category}_pct", pct, "pct", sentence)


_TOTAL = re.compile(
    rf"(?:^|\bthere\s+were\s+|,\s+|\btotal\s+of\s+|\bin\s+total,?\s+)(?P<approx>(?:{_APPROX_WORDS})\s+)?(?P<n>{_NUM})\s+potential victims"
    rf"(?:\s+of modern slavery)?\s+(?:were\s+)?referred",
    re.I,
)
_DTN = re.compile(rf"(?P<approx>(?:{_APPROX_WORDS})\s+)?(?P<n>{_NUM})\s+reports\s+of\s+(?:adult\s+)?potential victims", re.I)


def _rule_total(sentence: str, found: _Found) -> bool:
    """'4,171 potential victims of modern slavery were referred ...' -> total_referrals."""
    m = _TOTAL.search(sentence)
    if not m or _is_year(m.group("n")):
        return False
    if m.group("approx"):
        words = sentence[m.start("approx"): m.end("n")]
        found.add("total_referrals", words, "approx", sentence)
    else:
        found.add("total_referrals", _int(m.group("n")), "count", sentence)
    _check_named_period(sentence[m.end():], found)
    return True


def _check_named_period(rest: str, found: _Found) -> None:
    """Warn when the period the total sentence names is not the bulletin's, or reads oddly."""
    head = re.split(r"[,(;]", rest, maxsplit=1)[0]
    doubled = re.search(r"\b(in|from|during)\s+(in|from|during)\b", head, re.I)
    if doubled:
        found.warnings.append(f"odd wording {doubled.group(0)!r} in {head.strip()!r}: read as the bulletin's period {found.period}")
    named = period_from_phrase(head)
    if named is None and found.period.endswith("year"):
        year = re.search(r"\b(?:in|during)\s+(\d{4})\b", head)
        named = f"{year.group(1)}-year" if year else None
    if named and named != found.period:
        found.warnings.append(
            f"the total's sentence names {named} but the bulletin is {found.period}: {head.strip()!r}; "
            f"the figure is kept for {found.period}"
        )


_TARGET = (
    rf"the\s+(?:preceding|previous|last|prior)\s+(?:quarter|year|period)"
    rf"|the\s+same\s+(?:quarter|period)\s+(?:(?:of|in)\s+)?(?:the\s+)?(?:previous|last|preceding)\s+year"
    rf"|the\s+same\s+(?:quarter|period)\s+last\s+year|last\s+year"
    rf"|quarter\s+[1-4]\s*,?\s*\d{{4}}|q[1-4]\s+\d{{4}}"
    rf"|{_MONTH}\s+(?:\d{{4}}\s+)?to\s+{_MONTH}\s*,?\s*\d{{4}}"
    rf"|\d{{4}}"
)
_COMPARISON = re.compile(
    rf"(?:an?\s+(?P<pct>{_PCT})%\s+(?P<dir>increase|decrease|rise|fall|drop|reduction)"
    rf"|(?P<similar>an?\s+similar\s+(?:number|level|figure)))"
    rf"\s+(?:(?:compared|when compared)\s+(?:to|with)|from|on|to|since|as|than)\s+"
    rf"(?P<target>{_TARGET})\b(?:\s*\((?P<n>{_NUM})\))?",
    re.I,
)


def _rule_comparisons(sentence: str, found: _Found, *, prefix: str) -> None:
    """'a 10% increase compared to the preceding quarter (3,777)' -> change and restated count."""
    for m in _COMPARISON.finditer(sentence):
        role = _comparison_role(m.group("target"), found, sentence)
        if role is None:
            continue
        role_period = previous_period(found.period) if role == "previous" else year_ago(found.period)
        metrics = _COMPARISON_METRICS[prefix][role]
        if metrics is None:
            found.warnings.append(f"a {prefix or 'referrals'} comparison with the same period last year has no metric: {sentence!r}")
            continue
        count_metric, pct_metric = metrics
        if m.group("pct"):
            sign = -1 if m.group("dir").lower() in ("decrease", "fall", "drop", "reduction") else 1
            found.add(pct_metric, sign * _pct(m.group("pct")), "pct", sentence)
        if m.group("n") and not _is_year(m.group("n")):
            found.add(count_metric, _int(m.group("n")), "count", sentence, period=role_period)


_COMPARISON_METRICS: dict[str, dict[str, tuple[str, str] | None]] = {
    "": {
        "previous": ("previous_period_referrals", "pct_change_vs_previous"),
        "last_year": ("same_period_last_year_referrals", "pct_change_vs_last_year"),
    },
    "dtn": {"previous": ("dtn_previous_period", "dtn_pct_change_vs_previous"), "last_year": None},
}


def _comparison_role(target: str, found: _Found, sentence: str) -> str | None:
    """'previous' or 'last_year' for a comparison target; a named period that fits neither is a warning."""
    low = _clean(target).lower()
    is_year = found.period.endswith("year")
    if re.match(r"the\s+same\b|last\s+year$", low):
        return "previous" if is_year else "last_year"
    if low.startswith("the "):
        unit = low.rsplit(" ", 1)[-1]
        if unit == "quarter" and is_year:
            found.warnings.append(f"a year summary compared with 'the previous quarter': {sentence!r}; not read")
            return None
        return "previous"
    named = f"{low}-year" if re.fullmatch(r"\d{4}", low) else period_from_phrase(low)
    if named is None:
        return None
    if named == previous_period(found.period):
        return "previous"
    if not is_year and named == year_ago(found.period):
        return "last_year"
    return _mismatched_role(named, target, found, sentence)


def _mismatched_role(named: str, target: str, found: _Found, sentence: str) -> str | None:
    """A named comparison period that is not the expected one (a typo): decide by the quarter, warn."""
    if found.period.endswith("year") != named.endswith("year"):
        found.warnings.append(f"comparison period {target!r} does not fit the bulletin's period {found.period}: {sentence!r}; not read")
        return None
    if found.period.endswith("year"):
        role, expected = "previous", previous_period(found.period)
    elif named[5:] == found.period[5:]:
        role, expected = "last_year", year_ago(found.period)
    elif named[5:] == previous_period(found.period)[5:]:
        role, expected = "previous", previous_period(found.period)
    else:
        found.warnings.append(f"comparison period {target!r} is neither the previous quarter nor the same quarter last year "
                              f"of {found.period}: {sentence!r}; not read")
        return None
    found.warnings.append(
        f"comparison period {target!r} names {named}, but the comparison can only be with {expected} "
        f"(a typo in the bulletin?); read as {expected}"
    )
    return role


def _rule_dtn(sentence: str, found: _Found) -> bool:
    """'the Home Office received 1,148 reports of adult potential victims via the DtN process' -> dtn_count."""
    m = _DTN.search(sentence)
    if not m:
        return False
    if m.group("approx"):
        found.add("dtn_count", sentence[m.start("approx"): m.end("n")], "approx", sentence)
    else:
        found.add("dtn_count", _int(m.group("n")), "count", sentence)
    return True


_DECISIONS = re.compile(rf"(?<![\d,.%])(?P<n>{_NUM})\s+(?P<kind>reasonable|conclusive)\s+grounds\b", re.I)
_POSITIVE = re.compile(rf"(?P<p>{_PCT})%\s+(?:\((?P<n>{_NUM})\)\s+)?of\s+(?:the\s+)?(?P<kind>reasonable|conclusive)\s+grounds", re.I)


def _rule_decisions(sentence: str, found: _Found) -> None:
    """'3,528 reasonable grounds and 2,275 conclusive grounds decisions ...; of these, 58% ... were positive'."""
    low = sentence.lower()
    if "grounds" not in low:
        return
    if re.search(r"\bdecisions?\b", low) or re.search(r"\b(?:issued|made)\b", low):
        for m in _DECISIONS.finditer(sentence):
            if not _is_year(m.group("n")):
                metric = "reasonable_grounds_decisions" if m.group("kind").lower() == "reasonable" else "conclusive_grounds_decisions"
                found.add(metric, _int(m.group("n")), "count", sentence)
    if "positive" in low or re.search(r"\bof these\b", low):
        if "negative" in low and "positive" not in low:
            return
        for m in _POSITIVE.finditer(sentence):
            short = "rg" if m.group("kind").lower() == "reasonable" else "cg"
            found.add(f"positive_{short}_pct", _pct(m.group("p")), "pct", sentence)
            if m.group("n"):
                found.add(f"positive_{short}_count", _int(m.group("n")), "count", sentence)


_AWAITING = re.compile(rf"(?P<n>{_NUM})\s+(?:cases|potential victims|referrals|people)\s+(?:were|are|was|remained)\s+(?:still\s+)?awaiting\s+a\s+conclusive\s+grounds", re.I)
_RECORD = re.compile(
    rf"\((?:the\s+)?previous(?:ly|\s+record(?:\s+(?:was|of))?)\s+(?P<n>{_NUM})\s+in\s+(?P<target>{_TARGET})\)", re.I
)


def _rule_other_counts(sentence: str, found: _Found) -> None:
    """The previous record ('(previously 10,611 in 2019)') and cases awaiting a CG decision."""
    for m in _RECORD.finditer(sentence):
        target = _clean(m.group("target"))
        if re.fullmatch(r"\d{4}", target):
            found.add(f"previous_record_referrals_{target}", _int(m.group("n")), "count", sentence, period=f"{target}-year")
            continue
        named = period_from_phrase(target)
        if named:
            found.add("previous_record_quarter_referrals", _int(m.group("n")), "count", sentence, period=named)
    m = _AWAITING.search(sentence)
    if m:
        found.add("awaiting_cg_count", _int(m.group("n")), "count", sentence)


def _rule_nationalities(sentence: str, found: _Found) -> None:
    """'the most common nationalities referred ... were UK, Albanian and Vietnamese' -> top_nationalities."""
    m = re.search(r"most\s+common(?:ly)?\s+(?:referred\s+)?nationalities\s+(?:referred\s+)?[^,]*?\bwere\s+(?P<list>[^.;:()]+)", sentence, re.I)
    if m:
        names = [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group("list")) if n.strip()]
        names = [re.sub(r"\s+nationals?$", "", n) for n in names]
        if names and all(re.fullmatch(r"[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?", n) for n in names):
            found.add("top_nationalities", names, "list", sentence)
        return
    m = re.search(r"\b(?P<first>[A-Z][\w-]*)\s+nationals\s+were\s+the\s+most\s+commonly\s+referred\s+nationality", sentence)
    if m:
        names = [m.group("first")]
        names += re.findall(r"(?:followed\s+by|then|and)\s+(?:by\s+)?([A-Z][\w-]*)\s+nationals", sentence[m.end():])
        found.add("top_nationalities", names, "list", sentence)
    for m in re.finditer(rf"(?<![\d,.%(])(?P<n>{_NUM})\s+(?P<nat>{_NATION})\s+nationals?\b", sentence, re.I):
        if not _is_year(m.group("n")):
            found.add(f"{NATIONALITIES[m.group('nat').lower()]}_count", _int(m.group("n")), "count", sentence)
    # "Albanian nationals were the most commonly referred nationality (1,481)": a bare count in brackets
    for m in re.finditer(rf"\b(?P<nat>{_NATION})\s+nationals?\b[^()%]{{0,80}}?\((?P<n>{_NUM})\)", sentence, re.I):
        if not _is_year(m.group("n")):
            found.add(f"{NATIONALITIES[m.group('nat').lower()]}_count", _int(m.group("n")), "count", sentence)


def _read_sentence(sentence: str, found: _Found, *, subject: str) -> str:
    """Apply every rule to one sentence; returns the bullet's subject for the next sentence."""
    if _rule_total(sentence, found):
        subject = ""
    elif _rule_dtn(sentence, found):
        subject = "dtn"
    if subject is not None:
        _rule_comparisons(sentence, found, prefix=subject)
    _rule_pairs(sentence, found)
    _rule_decisions(sentence, found)
    _rule_other_counts(sentence, found)
    _rule_nationalities(sentence, found)
    return subject


def _read_items(items: list[_Block], found: _Found) -> None:
    for item in items:
        subject: Any = None  # comparisons count only in a bullet that states the total or DtN count
        for sentence in _sentences(item.text):
            subject = _read_sentence(sentence, found, subject=subject)


# --- checks ------------------------------------------------------------------------------------


def _number_is_in(value: Any, evidence: str) -> bool:
    """True when `value` is written in `evidence` (as '3,768', '3768', '79' or '7.5')."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        magnitude = abs(value)
        spellings = {f"{magnitude:,}", f"{magnitude}", f"{magnitude:g}"}
        return any(re.search(rf"(?<![\d.]){re.escape(s)}(?![\d]|,\d)", evidence) for s in spellings)
    if isinstance(value, list):
        return all(isinstance(v, str) and v in evidence for v in value)
    return isinstance(value, str) and value in evidence


def _literal_only(found: _Found) -> None:
    """Drop (and warn about) any figure whose value is not written in its own evidence."""
    kept = []
    for f in found.figures:
        if f.unit == "date" or _number_is_in(f.value, f.evidence):
            kept.append(f)
        else:
            found.warnings.append(f"dropped {f.metric}={f.value!r}: not written in its evidence {f.evidence!r}")
    found.figures = kept


def _pct_change_check(found: _Found, *, now_metric: str, then_metric: str, then_period: str, pct_metric: str) -> None:
    now, then, stated = found.get(now_metric), found.get(then_metric, then_period), found.get(pct_metric)
    if not all(isinstance(v, (int, float)) for v in (now, then, stated)) or not then:
        return
    computed = (now - then) / then * 100
    if abs(computed - stated) > 1:
        found.warnings.append(
            f"{pct_metric} is stated as {stated}% but {now:,} against {then:,} ({then_metric}, {then_period}) "
            f"is {computed:+.1f}%"
        )


def _base_of(prefix: str) -> str:
    """The metric a X_pct is a share of: decisions for positive decisions, the age group for
    exploitation types ('adult_labour_exploitation' of adults), else the total referrals."""
    if prefix == "positive_rg":
        return "reasonable_grounds_decisions"
    if prefix == "positive_cg":
        return "conclusive_grounds_decisions"
    age = prefix.split("_", 1)[0]
    if age in ("adult", "child") and prefix not in ("adult", "child"):
        return f"{age}_count"
    return "total_referrals"


def _pair_checks(found: _Found) -> None:
    """Each X_count/X_pct pair against its base (the total, or adults/children for exploitation types)."""
    for f in found.figures:
        if not f.metric.endswith("_count") or f.period != found.period:
            continue
        prefix = f.metric[: -len("_count")]
        pct = found.get(f"{prefix}_pct")
        if pct is None:
            continue
        base_metric = _base_of(prefix)
        base = found.get(base_metric)
        if not isinstance(base, int) or not base:
            continue
        computed = f.value / base * 100
        if abs(computed - pct) > 1:
            found.warnings.append(
                f"{prefix}: {f.value:,} is {computed:.1f}% of {base_metric} ({base:,}), but the bulletin says {pct}%"
            )


def _consistency_checks(found: _Found) -> None:
    """FIGURES.md's checks, recorded as warnings (never corrections)."""
    period = found.period
    _pct_change_check(found, now_metric="total_referrals", then_metric="previous_period_referrals",
                      then_period=previous_period(period), pct_metric="pct_change_vs_previous")
    if not period.endswith("year"):
        _pct_change_check(found, now_metric="total_referrals", then_metric="same_period_last_year_referrals",
                          then_period=year_ago(period), pct_metric="pct_change_vs_last_year")
    _pct_change_check(found, now_metric="dtn_count", then_metric="dtn_previous_period",
                      then_period=previous_period(period), pct_metric="dtn_pct_change_vs_previous")
    _pair_checks(found)
    total, sca, ieca = found.get("total_referrals"), found.get("sca_count"), found.get("ieca_count")
    if all(isinstance(v, int) for v in (total, sca, ieca)) and sca + ieca != total:
        found.warnings.append(f"SCA ({sca:,}) + IECA ({ieca:,}) = {sca + ieca:,}, not the total {total:,}")


def check_against_previous(extraction: Any, previous_release_figures: Iterable[Any] | Mapping[str, Any]) -> tuple[str, ...]:
    """Warnings for earlier-period figures this release restates differently from an earlier release.

    `extraction` is an Extraction or a records.Release (anything with `period` and `figures`).
    `previous_release_figures` are figures as earlier releases stated them (anything with metric,
    period, value), or a mapping period -> earlier release (anything with `period` and `figures`),
    of which each release's statements about its own period are used. Each restatement here
    ('previous_period_referrals' of 2023-Q1 in the 2023-Q2 release) is compared with what the
    release of that period said ('total_referrals' of 2023-Q1). Pure: the caller stores the warnings.
    """
    if isinstance(previous_release_figures, Mapping):
        stated = [f for rel in previous_release_figures.values() for f in rel.figures if f.period == rel.period]
    else:
        stated = list(previous_release_figures)
    earlier = {(f.metric, f.period): f.value for f in stated}
    warnings = []
    for f in extraction.figures:
        original_metric = RESTATEMENTS.get(f.metric)
        if original_metric is None:
            continue
        said = earlier.get((original_metric, f.period))
        if isinstance(said, (int, float)) and isinstance(f.value, (int, float)) and said != f.value:
            warnings.append(
                f"{f.metric} for {f.period} is {f.value:,} in the {extraction.period} release, but the "
                f"{f.period} release said {said:,} ({original_metric}); a revision of {f.value - said:+,}"
            )
    return tuple(warnings)


# --- entry point -------------------------------------------------------------------------------


def extract(document: str | bytes, *, source_url: str = "") -> Extraction:
    """The key figures of one NRM bulletin (text, HTML, or GOV.UK Content API JSON).

    Raises ParseError (naming `source_url`) when the input is not a recognisable bulletin: no
    period in its title or opening, or no key results/points list. Never raises anything else.
    """
    try:
        return _extract(_decode(document))
    except ParseError as exc:
        if source_url and not exc.url:
            located = ParseError(exc.reason, source=exc.source, url=source_url)
            located.expected = exc.expected
            raise located from exc
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, LookupError) as exc:
        raise ParseError(f"could not read the bulletin ({exc.__class__.__name__}: {exc})", url=source_url,
                         expected="an NRM bulletin as text, HTML or GOV.UK Content API JSON") from exc


def _extract(text: str) -> Extraction:
    doc = _read(text)
    heading, items = _key_section(doc)
    if not items:
        raise ParseError("the key results section is empty", expected="bullets after the 'Key results' heading")
    title, period = _title_and_period(doc, heading, items)
    found = _Found(period)
    dates = _dates(doc, heading)
    for metric, evidence, value in dates:
        found.add(metric, value.isoformat(), "date", evidence)
    _read_items(items, found)
    _literal_only(found)
    _consistency_checks(found)
    if not any(f.unit != "date" for f in found.figures):
        found.warnings.append("the key results section states no figure this extractor recognises")
    published = next((v for m, _, v in dates if m == "published_date"), None)
    updated = next((v for m, _, v in dates if m == "last_updated_date"), None)
    return Extraction(title=title, period=period, published=published, updated=updated,
                      figures=tuple(found.figures), warnings=tuple(found.warnings))


def figures_as_json(extraction: Extraction) -> dict[str, Any]:
    """The DESIGN.md JSON shape of an extraction (for `msbrief figures extract`)."""
    return {
        "title": extraction.title,
        "period": extraction.period,
        "published": extraction.published.isoformat() if extraction.published else None,
        "figures": [
            {"metric": f.metric, "value": f.value, "unit": f.unit, "evidence": f.evidence, "period": f.period}
            for f in extraction.figures
        ],
        "warnings": list(extraction.warnings),
    }


__all__: Sequence[str] = ("Extraction", "extract", "check_against_previous", "figures_as_json")
