"""NRM data tables in the store: each release's workbooks, their tables and observations (long form),
and the cells each release revises from the previous release's same table.

A release's workbooks are replaced whole when a new reading of them differs (another checksum):
never half a workbook, and a reading that failed (no workbook in the record) changes nothing.
Observations are written in bulk (executemany on SQLite, COPY on PostgreSQL): a real workbook
holds hundreds of thousands of cells. Revisions are found in SQL, per table key, against the
latest earlier release that has the same table; only cells of a period are compared (a table not
by period, such as Duty to Notify reports by nationality, describes its own release's quarter).
"""

from __future__ import annotations

import difflib
import json
import zlib
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select
from sqlalchemy.orm import Session

from scrapers.records import DataTable, Observation, Release, Workbook
from store import models as m
from store.models import now
from store.read import ReleaseTables, ReleaseView, TableRevisionView, TableView
from vocabulary.periods import is_quarter, period_order, previous_period, year_ago
from vocabulary.tables import TABLE_METRICS, find, sheet_label

OBSERVATION_COLUMNS = ("table_id", "period", "dimensions", "dims_crc", "value", "code", "markers", "cell")


def dimensions_json(dims: tuple[tuple[str, str], ...], cache: dict[tuple[str, str], str]) -> str:
    """The dimensions as JSON text ({"heading": "label", ...} in order), as json.dumps writes it."""
    parts = []
    for pair in dims:
        text = cache.get(pair)
        if text is None:
            text = cache[pair] = json.dumps(pair[0], ensure_ascii=False) + ": " + json.dumps(pair[1], ensure_ascii=False)
        parts.append(text)
    return "{" + ", ".join(parts) + "}"


def dims_checksum(period: str | None, dims_text: str) -> int:
    """A checksum of a cell's period and dimensions (to find the same cell in another release)."""
    return zlib.crc32(f"{period or ''}\n{dims_text}".encode())


def _rows(table_id: int, observations: Sequence[Observation], column_dimensions: int) -> Iterable[tuple[Any, ...]]:
    """The observations' rows; the JSON of a row's labels is written once per row and each column's
    once per table (a big table has a quarter of a million cells over a few thousand rows)."""
    pairs: dict[tuple[str, str], str] = {}
    columns: dict[tuple[tuple[str, str], ...], str] = {}
    last_row: tuple[tuple[str, str], ...] | None = None
    row_text = ""
    cut = -column_dimensions if column_dimensions else None
    for obs in observations:
        dims = obs.dimensions
        if len(dims) < column_dimensions:
            text = dimensions_json(dims, pairs)
        else:
            head, tail = dims[:cut], dims[cut:] if cut else ()
            if head != last_row:
                last_row, row_text = head, dimensions_json(head, pairs)[1:-1]
            column = columns.get(tail)
            if column is None:
                column = columns[tail] = dimensions_json(tail, pairs)[1:-1]
            text = "{" + ", ".join(x for x in (row_text, column) if x) + "}"
        yield (table_id, obs.period, text, dims_checksum(obs.period, text), obs.value, obs.code, obs.markers, obs.cell)


def _insert_observations(session: Session, table_id: int, table: DataTable) -> None:
    """Bulk insert: COPY on PostgreSQL, one executemany on SQLite."""
    observations = table.observations
    if not observations:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        columns = ", ".join(OBSERVATION_COLUMNS)
        with raw.cursor() as cursor, cursor.copy(f"COPY observations ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in _rows(table_id, observations, table.column_dimensions):
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in OBSERVATION_COLUMNS)
    connection.exec_driver_sql(f"INSERT INTO observations ({', '.join(OBSERVATION_COLUMNS)}) VALUES ({marks})",
                               list(_rows(table_id, observations, table.column_dimensions)))


def _same(stored: list[tuple[str, str]], books: Sequence[Workbook]) -> bool:
    return sorted(stored) == sorted((b.url, b.sha256) for b in books)


def save(session: Session, releases: Sequence[Release], ids: dict[str, int]) -> int:
    """Store the workbooks of `releases` (release period -> id in `ids`); the observations written.

    A release whose workbooks were read and differ from the stored ones has them replaced (its old
    tables and observations deleted, the new ones written, revisions found again for it and for
    the next release of each of its tables). One with the same checksums keeps its rows; one with
    no workbook read keeps what it had.
    """
    written = 0
    changed: list[int] = []
    for rel in releases:
        if not rel.workbooks:
            continue
        release_id = ids[rel.period]
        stored = [(url, sha) for url, sha in session.execute(
            select(m.Workbook.url, m.Workbook.sha256).where(m.Workbook.release_id == release_id))]
        if _same(stored, rel.workbooks):
            continue
        _delete_release_tables(session, release_id)
        written += _write(session, release_id, rel.workbooks)
        changed.append(release_id)
    if changed:
        _refresh_revisions(session, changed)
    return written


def _delete_release_tables(session: Session, release_id: int) -> None:
    tables = select(m.DataTable.id).where(m.DataTable.release_id == release_id)
    session.execute(delete(m.Observation).where(m.Observation.table_id.in_(tables)))
    session.execute(delete(m.DataTable).where(m.DataTable.release_id == release_id))
    session.execute(delete(m.Workbook).where(m.Workbook.release_id == release_id))


def _write(session: Session, release_id: int, books: Sequence[Workbook]) -> int:
    written = 0
    keys: set[str] = set()
    at = now()
    for book in books:
        workbook_id = session.execute(insert(m.Workbook).values(
            release_id=release_id, url=book.url, title=book.title, format=book.format, sha256=book.sha256,
            size=book.size, warnings=list(book.warnings), read_at=at).returning(m.Workbook.id)).scalar_one()
        for table in book.tables:
            if table.key in keys:  # the same table in a second workbook of the release: the first is kept
                continue
            keys.add(table.key)
            table_id = session.execute(insert(m.DataTable).values(
                workbook_id=workbook_id, release_id=release_id, key=table.key, title=table.title, sheet=table.sheet,
                headings=list(table.headings), measure=table.measure,
                observation_count=len(table.observations)).returning(m.DataTable.id)).scalar_one()
            _insert_observations(session, table_id, table)
            written += len(table.observations)
    return written


def _refresh_revisions(session: Session, release_ids: list[int]) -> None:
    """Find again the revisions of these releases' tables, and of the next release of each table."""
    rows = session.execute(select(m.DataTable.release_id, m.DataTable.key, m.StatisticsRelease.period)
                           .join(m.StatisticsRelease, m.StatisticsRelease.id == m.DataTable.release_id)).all()
    by_key: dict[str, list[tuple[tuple[int, int], int]]] = {}
    for release_id, key, period in rows:
        by_key.setdefault(key, []).append((period_order(period), release_id))
    pairs: set[tuple[int, str]] = set()
    for key, found in by_key.items():
        ordered = [rid for _, rid in sorted(found)]
        for i, rid in enumerate(ordered):
            if rid in release_ids:
                pairs.add((rid, key))
                if i + 1 < len(ordered):
                    pairs.add((ordered[i + 1], key))
    for release_id, key in sorted(pairs):
        ordered = [rid for _, rid in sorted(by_key[key])]
        index = ordered.index(release_id)
        session.execute(delete(m.TableRevision).where(m.TableRevision.release_id == release_id,
                                                      m.TableRevision.table_key == key))
        if index > 0:
            _insert_revisions(session, release_id, ordered[index - 1], key)


def _equal(a: Any, b: Any) -> ColumnElement[bool]:
    """a IS NOT DISTINCT FROM b: equal, or both NULL (the same on SQLite and PostgreSQL)."""
    return or_(and_(a.is_(None), b.is_(None)), a == b)


def _insert_revisions(session: Session, newer: int, older: int, key: str) -> None:
    """Every cell of `newer`'s table `key` that `older`'s same table states differently (in SQL)."""
    new_t, old_t = m.DataTable.__table__.alias("new_t"), m.DataTable.__table__.alias("old_t")
    new_o, old_o = m.Observation.__table__.alias("new_o"), m.Observation.__table__.alias("old_o")
    chosen = (select(new_t.c.release_id, old_t.c.release_id, new_t.c.key, new_t.c.title, new_t.c.sheet, new_o.c.cell,
                     new_o.c.period, new_o.c.dimensions, old_o.c.value, old_o.c.code, new_o.c.value, new_o.c.code)
              .select_from(new_o.join(new_t, new_t.c.id == new_o.c.table_id)
                           .join(old_t, and_(old_t.c.key == new_t.c.key, old_t.c.release_id == older))
                           .join(old_o, and_(old_o.c.table_id == old_t.c.id, old_o.c.dims_crc == new_o.c.dims_crc,
                                             old_o.c.dimensions == new_o.c.dimensions,
                                             _equal(old_o.c.period, new_o.c.period))))
              .where(new_t.c.release_id == newer, new_t.c.key == key, new_o.c.period.isnot(None),
                     ~and_(_equal(old_o.c.value, new_o.c.value), _equal(old_o.c.code, new_o.c.code))))
    session.execute(insert(m.TableRevision).from_select(
        ["release_id", "previous_release_id", "table_key", "table_title", "sheet", "cell", "period", "dimensions",
         "was", "was_code", "now", "now_code"], chosen))


# --- reading --------------------------------------------------------------------------------------


def release_observations(session: Session, release_id: int, keys: Iterable[str]
                         ) -> dict[str, tuple[str, str, list[Stored]]]:
    """Table key -> (title, sheet, observations) of one release's tables `keys`."""
    rows = session.execute(
        select(m.DataTable.key, m.DataTable.title, m.DataTable.sheet, m.Observation.period, m.Observation.dimensions,
               m.Observation.value, m.Observation.cell)
        .join(m.Observation, m.Observation.table_id == m.DataTable.id)
        .where(m.DataTable.release_id == release_id, m.DataTable.key.in_(list(keys)))
        .order_by(m.Observation.id)
    ).all()
    found: dict[str, tuple[str, str, list[Stored]]] = {}
    decoded: dict[str, tuple[tuple[str, str], ...]] = {}
    for key, title, sheet, period, dims, value, cell in rows:
        pairs = decoded.get(dims)
        if pairs is None:
            pairs = decoded[dims] = tuple(json.loads(dims).items())
        found.setdefault(key, (title, sheet, []))[2].append(Stored(period, pairs, value, cell))
    return found


def release_figures(session: Session, release_id: int, release: str) -> list[TableFigure]:
    """The figures of vocabulary.tables.TABLE_METRICS that a release's own tables give for its period,
    the period before and the same period a year earlier (what its summary compares)."""
    periods = [release, previous_period(release)] + ([year_ago(release)] if is_quarter(release) else [])
    tables = release_observations(session, release_id, {spec.table for spec in TABLE_METRICS})
    found: list[TableFigure] = []
    done: set[tuple[str, str]] = set()
    for spec in TABLE_METRICS:
        if spec.table not in tables:
            continue
        _, sheet, observations = tables[spec.table]
        for period in periods:
            gives, look_up = spec.period_in_table(period, release)
            if (spec.metric, period) in done or not gives:
                continue
            cell = find(observations, look_up, spec.labels)
            if cell is not None:
                done.add((spec.metric, period))
                value = int(cell.value) if float(cell.value).is_integer() else cell.value
                found.append(TableFigure(spec.metric, period, value, sheet_label(sheet), cell.cell))
    return found


class Stored(NamedTuple):
    """An observation as read back for look-ups (vocabulary.tables.Cell)."""

    period: str | None
    dimensions: tuple[tuple[str, str], ...]
    value: float | None
    cell: str


class TableFigure(NamedTuple):
    """A metric as a release's table gives it."""

    metric: str
    period: str
    value: int | float
    table: str  # 'Table 2'
    cell: str


def has_tables(session: Session, release_id: int) -> bool:
    """Whether the release's data tables are stored."""
    return session.execute(select(m.DataTable.id).where(m.DataTable.release_id == release_id).limit(1)).first() \
        is not None


def _number_or_none(value: float | None) -> int | float | None:
    return None if value is None else (int(value) if float(value).is_integer() else value)


def release_tables(session: Session, release: ReleaseView, release_id: int) -> ReleaseTables:
    """One release's tables (every observation), revisions and workbooks, for its page and open data."""
    books = session.execute(select(m.Workbook.id, m.Workbook.url, m.Workbook.format, m.Workbook.sha256)
                            .where(m.Workbook.release_id == release_id).order_by(m.Workbook.id)).all()
    urls = {book_id: url for book_id, url, _, _ in books}
    tables = session.execute(select(m.DataTable).where(m.DataTable.release_id == release_id)
                             .order_by(m.DataTable.id)).scalars().all()
    rows = session.execute(
        select(m.Observation.table_id, m.Observation.period, m.Observation.dimensions, m.Observation.value,
               m.Observation.code, m.Observation.markers, m.Observation.cell)
        .where(m.Observation.table_id.in_([t.id for t in tables])).order_by(m.Observation.id)).all() if tables else []
    by_table: dict[int, list[tuple[Any, ...]]] = {}
    decoded: dict[str, tuple[tuple[str, str], ...]] = {}
    for table_id, period, dims, value, code, markers, cell in rows:
        pairs = decoded.get(dims)
        if pairs is None:
            pairs = decoded[dims] = tuple(json.loads(dims).items())
        by_table.setdefault(table_id, []).append((period, pairs, _number_or_none(value), code, markers, cell))
    views = tuple(TableView(release.period, t.key, t.title, t.sheet, tuple(t.headings), t.measure,
                            urls.get(t.workbook_id, ""), tuple(by_table.get(t.id, ()))) for t in tables)
    previous = m.StatisticsRelease.__table__.alias("previous")
    revisions = session.execute(
        select(m.TableRevision, previous.c.period).join(previous, previous.c.id == m.TableRevision.previous_release_id)
        .where(m.TableRevision.release_id == release_id).order_by(m.TableRevision.id)).all()
    return ReleaseTables(
        release=release, tables=views,
        revisions=tuple(TableRevisionView(r.table_title, r.sheet, r.cell, r.period, tuple(json.loads(r.dimensions).items()),
                                          _number_or_none(r.was), r.was_code, _number_or_none(r.now), r.now_code, period)
                        for r, period in revisions),
        workbooks=tuple((url, fmt, sha) for _, url, fmt, sha in books))


def _likeness(new: Any, old: Any) -> float:
    """How much a new table looks like an old one: the same sheet, and a title much like it."""
    return (new.sheet == old.sheet) + difflib.SequenceMatcher(None, new.title.lower(), old.title.lower()).ratio()


def changes_from_previous(session: Session, release_id: int) -> list[str]:
    """Warnings for operators: the tables of the previous release (by period) with tables that this
    release's workbooks lack (missing, or renamed: the new title is named when one is close), and
    tables whose headings changed."""
    rows = session.execute(select(m.DataTable.release_id, m.DataTable.key, m.DataTable.title, m.DataTable.sheet,
                                  m.DataTable.headings, m.StatisticsRelease.period)
                           .join(m.StatisticsRelease, m.StatisticsRelease.id == m.DataTable.release_id)).all()
    by_release: dict[int, list[Any]] = {}
    periods: dict[int, str] = {}
    for row in rows:
        by_release.setdefault(row.release_id, []).append(row)
        periods[row.release_id] = row.period
    if release_id not in by_release:
        return []
    mine = periods[release_id]
    earlier = [rid for rid in by_release if period_order(periods[rid]) < period_order(mine)]
    if not earlier:
        return []
    previous = max(earlier, key=lambda rid: period_order(periods[rid]))
    now = {t.key: t for t in by_release[release_id]}
    before = {t.key: t for t in by_release[previous]}
    new = [t for key, t in now.items() if key not in before]
    warnings = []
    for key, old in sorted(before.items()):
        if key in now:
            if list(now[key].headings) != list(old.headings):
                warnings.append(f"release {mine}: table {now[key].title!r} ({now[key].sheet}), cell A1: its headings "
                                f"changed from {list(old.headings)} in the {periods[previous]} release to "
                                f"{list(now[key].headings)}")
            continue
        close = max(new, key=partial(_likeness, old=old), default=None)
        if close is not None and _likeness(close, old) >= 0.6:
            warnings.append(f"release {mine}: table {old.title!r} ({old.sheet} in the {periods[previous]} release) is "
                            f"not in this release's workbook; renamed to {close.title!r} ({close.sheet}), cell A1?")
        else:
            warnings.append(f"release {mine}: table {old.title!r} ({old.sheet} in the {periods[previous]} release) is "
                            "not in this release's workbook (missing or renamed)")
    return warnings
