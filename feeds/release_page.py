"""A page per NRM release (public/releases/<period>.html): every headline figure with the sentence
and the table cell it comes from, how the bulletin compares with the tables, what the release
revised, and links to its open data files.

One self-contained HTML file like the index page: CSS inline, no scripts, everything escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feeds.formatting import number
from feeds.nrm_summary import headline_figures, revisions_note
from feeds.opendata import LONG_CSV, PACKAGE, release_page_path, table_path
from feeds.render import environment
from feeds.sanitise import safe_url
from store.read import ReleaseTables, TableRevisionView
from vocabulary.metrics import metric_label
from vocabulary.periods import period_label
from vocabulary.tables import SHORTHAND

MAX_REVISIONS_SHOWN = 200  # a release revising a whole series has thousands: the rest are in the data files


@dataclass(frozen=True)
class FigureRow:
    """One figure of the release as the page lists it."""

    what: str
    period: str
    value: str
    sentence: str
    source: str  # 'Table 2, cell G66' or ''
    check: str  # 'matches Table 2' or ''
    note: str


@dataclass(frozen=True)
class FileRow:
    title: str
    sheet: str
    observations: int
    csv: str
    json: str


def _value(value: object, code: str | None) -> str:
    if value is None:
        return f"[{code}] ({SHORTHAND.get(code or '', 'no number')})"
    return number(value)


def _shown(value: object, unit: str) -> str:
    """A figure as readers read it: '79%', '4,746', 'Albanian and UK', '2023-05-04'."""
    if unit == "pct":
        return f"{number(value)}%"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return number(value)


def revision_line(r: TableRevisionView) -> str:
    """'2023-Q3, Adult (18 or over), Total: 1,990 → 1,987 (Table 2, cell G65; was in the 2023-Q3 release)'."""
    labels = ", ".join(label for _, label in r.dimensions)
    where = ", ".join(x for x in (r.period or "", labels) if x)
    return (f"{where}: {_value(r.was, r.was_code)} → {_value(r.now, r.now_code)} ({r.sheet.replace('_', ' ')}, cell "
            f"{r.cell}; as the {period_label(r.previous_release)} release gave it)")


def render_release_page(data: ReleaseTables, *, site_url: str) -> bytes:
    """The page of one release, as UTF-8 bytes (links relative to the page)."""
    release = data.release
    rows = [FigureRow(metric_label(f.metric), f.period, _shown(f.value, f.unit), f.evidence,
                      f.source if f.table else "", f.check, f.note)
            for f in release.figures]
    files = [FileRow(t.title, t.sheet, len(t.observations), "../" + table_path(t.release, t.key, "csv"),
                     "../" + table_path(t.release, t.key, "json")) for t in data.tables]
    revised = [revision_line(r) for r in data.revisions]
    by_table: dict[str, int] = {}
    for r in data.revisions:
        by_table[r.table] = by_table.get(r.table, 0) + 1
    page = environment().get_template("release.html.j2").render(
        release=release,
        page_url=safe_url(release.page_url),
        bulletin_url=safe_url(release.bulletin_url) if release.bulletin_url else None,
        headlines=headline_figures(release),
        figures=rows,
        checks=release.checks,
        text_revisions=revisions_note(release),
        revised=revised[:MAX_REVISIONS_SHOWN],
        revised_more=max(0, len(revised) - MAX_REVISIONS_SHOWN),
        revised_by_table=sorted(by_table.items()),
        files=files,
        workbooks=[(safe_url(url), fmt) for url, fmt, _ in data.workbooks],
        package="../" + PACKAGE,
        long_csv=f"../data/{LONG_CSV}",
        site_url=site_url,
    )
    return page.encode("utf-8")


def release_pages(releases: Sequence[ReleaseTables], *, site_url: str) -> dict[str, bytes]:
    """Every release page: relative path -> bytes."""
    return {release_page_path(r.release.period): render_release_page(r, site_url=site_url) for r in releases}
