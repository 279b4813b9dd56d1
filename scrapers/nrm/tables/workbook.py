"""A data-tables workbook (bytes) -> its tables, found by title: bounded, sniffed, never guessed.

The bytes say what the file is (an ODS or XLSX zip, an old XLS), whatever the attachment's listed
type claims; a file that is no workbook, or is corrupt or truncated, or bigger than the limits,
is a `WorkbookUnreadable` naming the release and URL. Within a workbook every problem is a
warning naming the release, the table (its title and sheet) and the cell.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import python_calamine

from scrapers.errors import ParseError
from scrapers.nrm.tables.cells import cell_name
from scrapers.nrm.tables.checks import check_totals, known_table_problems
from scrapers.nrm.tables.grid import Grid, read_grid
from scrapers.nrm.tables.locate import contents_titles, sheet_title
from scrapers.records import DataTable, Workbook
from vocabulary.tables import table_key

ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS_TYPE = "application/vnd.ms-excel"
TYPES = {"ods": ODS_TYPE, "xlsx": XLSX_TYPE, "xls": XLS_TYPE}


@dataclass(frozen=True)
class WorkbookLimits:
    """What one workbook may hold before msbrief stops reading it (settings MSBRIEF_WORKBOOK_*)."""

    max_bytes: int = 20_000_000  # the file
    max_unpacked_bytes: int = 250_000_000  # its parts once unzipped (a zip bomb stops here)
    max_sheets: int = 200
    max_rows: int = 20_000  # per sheet
    max_cells: int = 5_000_000  # in the whole workbook
    max_warnings: int = 50


class WorkbookUnreadable(ParseError):
    """The file is no workbook msbrief can read (not a spreadsheet, corrupt, truncated, too big)."""


def workbook_format(data: bytes, *, where: str, limits: WorkbookLimits) -> str:
    """'ods', 'xlsx' or 'xls' as the bytes say; WorkbookUnreadable for anything else."""
    if len(data) > limits.max_bytes:
        raise WorkbookUnreadable(f"{len(data):,} bytes, more than MSBRIEF_WORKBOOK_MAX_BYTES={limits.max_bytes:,}",
                                 url=where)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:4] != b"PK\x03\x04":
        start = data[:60].decode("utf-8", "replace").strip()
        raise WorkbookUnreadable(f"not a spreadsheet (it starts {start[:40]!r})", url=where,
                                 expected="an ODS or XLSX workbook (a zip)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            unpacked = sum(i.file_size for i in infos)
            if unpacked > limits.max_unpacked_bytes:
                raise WorkbookUnreadable(f"{unpacked:,} bytes once unzipped, more than "
                                         f"MSBRIEF_WORKBOOK_MAX_UNPACKED_BYTES={limits.max_unpacked_bytes:,}", url=where)
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_TYPE.encode():
                return "ods"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise WorkbookUnreadable(f"corrupt or truncated ({exc})", url=where,
                                 expected="a complete ODS or XLSX workbook") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise WorkbookUnreadable("a zip file that is neither an ODS nor an XLSX workbook", url=where)


class _Warnings:
    """The workbook's warnings, at most `limit` (then one line saying how many more there were)."""

    def __init__(self, release: str, limit: int) -> None:
        self.release, self.limit, self.dropped = release, limit, 0
        self.lines: list[str] = []

    def add(self, text: str, *, table: str = "", sheet: str = "", cell: str = "") -> None:
        where = f"table {table!r} ({sheet}), cell {cell}: " if table else (f"sheet {sheet}, cell {cell}: " if sheet else "")
        if len(self.lines) < self.limit:
            self.lines.append(f"release {self.release}: {where}{text}")
        else:
            self.dropped += 1

    def done(self) -> tuple[str, ...]:
        extra = [f"release {self.release}: {self.dropped} more warnings not shown "
                 f"(MSBRIEF_WORKBOOK_MAX_WARNINGS={self.limit})"] if self.dropped else []
        return tuple(self.lines + extra)


def read_workbook(data: bytes, *, release: str, url: str, title: str = "", listed_type: str | None = None,
                  limits: WorkbookLimits = WorkbookLimits()) -> Workbook:
    """Every table of the workbook in `data`, with the warnings met; WorkbookUnreadable when the
    file cannot be read at all. `listed_type` is the content type the release page gives."""
    warnings = _Warnings(release, limits.max_warnings)
    fmt = workbook_format(data, where=url, limits=limits)
    if listed_type and listed_type.split(";")[0].strip().lower() != TYPES[fmt]:
        listed = next((k for k, v in TYPES.items() if v == listed_type), listed_type)
        warnings.add(f"the workbook {url} is {fmt.upper()} although the release lists it as {listed}: read as "
                     f"{fmt.upper()}")
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors, ValueError and others for bad files
        raise WorkbookUnreadable(f"corrupt or truncated {fmt.upper()} ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:200] if str(exc) else 'unreadable'})", url=url) from None
    with book:
        names = book.sheet_names
        if len(names) > limits.max_sheets:
            warnings.add(f"{len(names)} sheets, more than MSBRIEF_WORKBOOK_MAX_SHEETS={limits.max_sheets}: only the "
                         f"first {limits.max_sheets} read")
            names = names[:limits.max_sheets]
        sheets = _sheets(book, names, limits, warnings, url)
    tables = _tables(sheets, warnings)
    return Workbook(url=url, title=title, format=fmt, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    tables=tuple(tables), warnings=warnings.done())


Sheets = list[tuple[str, list[list[Any]], list[tuple[tuple[int, int], tuple[int, int]]]]]


def _sheets(book: python_calamine.CalamineWorkbook, names: list[str], limits: WorkbookLimits, warnings: _Warnings,
            url: str) -> Sheets:
    """Each sheet's cells, within the row and cell limits."""
    found, cells = [], 0
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)
            end = sheet.end  # (last row, last column), 0-based; None for an empty sheet
            height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
            if cells + height * width > limits.max_cells:
                warnings.add(f"sheet {name!r} would take the workbook past MSBRIEF_WORKBOOK_MAX_CELLS="
                             f"{limits.max_cells:,} cells: it and the sheets after it not read")
                break
            if height > limits.max_rows:
                warnings.add(f"{height:,} rows, more than MSBRIEF_WORKBOOK_MAX_ROWS={limits.max_rows:,}: only the first "
                             f"{limits.max_rows:,} read", sheet=name, cell=f"A{limits.max_rows + 1}")
            rows = sheet.to_python(skip_empty_area=False, nrows=min(height, limits.max_rows))
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:  # noqa: BLE001 - one sheet calamine cannot read is one warning
            warnings.add(f"could not be read ({type(exc).__name__}: {str(exc)[:200]})", sheet=name, cell="A1")
            continue
        cells += height * width
        found.append((name, rows, list(merged)))
    return found


def _tables(sheets: Sheets, warnings: _Warnings) -> list[DataTable]:
    """The tables of the sheets, titled by the sheet's first cell or the contents sheet."""
    listed = contents_titles([(name, rows) for name, rows, _ in sheets])
    tables: list[DataTable] = []
    keys: set[str] = set()
    for name, rows, merged in sheets:
        title, problem = sheet_title(rows, listed.get(name), name)
        grid = read_grid(rows, title=title) if rows else None
        if grid is None:
            if name in listed:
                warnings.add("listed in the contents as a table but holds no numbers", table=listed[name], sheet=name,
                             cell="A1")
            continue
        if problem:
            warnings.add(problem, table=title, sheet=name, cell="A1")
        key = table_key(title)
        if key in keys:
            warnings.add(f"a second table titled like {title!r}: stored under its sheet name", table=title, sheet=name,
                         cell="A1")
            key = f"{key}_{name.lower()}"
        keys.add(key)
        for (r0, c0), (r1, c1) in merged[:5]:  # XLSX only: calamine does not say for ODS
            warnings.add(f"merged cells {cell_name(r0, c0)}:{cell_name(r1, c1)} (read as if the value were written "
                         "in the first cell and the others left blank)", table=title, sheet=name, cell=cell_name(r0, c0))
        _report(grid, warnings, title=title, sheet=name, key=key)
        tables.append(DataTable(key=key, title=title, sheet=name, headings=grid.headings,
                                observations=tuple(grid.observations), measure=grid.measure,
                                column_dimensions=grid.column_dimensions))
    return tables


def _report(grid: Grid, warnings: _Warnings, *, title: str, sheet: str, key: str) -> None:
    """The grid's reading problems (implausible values among them), its totals that do not add up,
    and what a known table lacks, as warnings."""
    problems = grid.problems + check_totals(grid) + known_table_problems(grid, key)
    for cell, text in problems:
        warnings.add(text, table=title, sheet=sheet, cell=cell)

