"""Write OpenDocument spreadsheets (ODS) for tests, fixtures and the bench: the XML by hand.

Only what the NRM workbooks use: sheets of rows of text and number cells, empty cells, and merged
cells (`Merged`: a value spanning columns and rows, the covered cells written as GOV.UK's office
suites write them). Deterministic: the same sheets give the same bytes (fixed zip timestamps).
Used only by tests, fixture-building scripts and bench/, never by msbrief itself (which only reads).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
FIXED_TIME = (2024, 3, 7, 9, 30, 0)  # zip entry timestamps: any fixed value keeps the bytes stable


@dataclass(frozen=True)
class Merged:
    """A cell merged across `columns` columns and `rows` rows (the cells it covers are left empty)."""

    value: str | int | float
    columns: int = 1
    rows: int = 1


Cell = None | str | int | float | Merged
Sheet = tuple[str, Sequence[Sequence[Cell]]]

_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '</manifest:manifest>'
)


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _cell(value: Cell, covered: bool) -> str:
    if covered:
        return "<table:covered-table-cell/>"
    span = ""
    if isinstance(value, Merged):
        span = (f' table:number-columns-spanned="{value.columns}"' if value.columns > 1 else "") + (
            f' table:number-rows-spanned="{value.rows}"' if value.rows > 1 else "")
        value = value.value
    if value is None or value == "":
        return f"<table:table-cell{span}/>"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return (f'<table:table-cell{span} office:value-type="string"><text:p>{escape(str(value))}</text:p>'
                "</table:table-cell>")
    number = _number_text(value)
    return (f'<table:table-cell{span} office:value-type="float" office:value="{number}"><text:p>{number}</text:p>'
            "</table:table-cell>")


def _table(name: str, rows: Sequence[Sequence[Cell]]) -> str:
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, Merged):
                covered |= {(r + dr, c + dc) for dr in range(value.rows) for dc in range(value.columns)} - {(r, c)}
    width = max([len(row) for row in rows] + [c + 1 for _, c in covered] + [1])
    out = [f"<table:table table:name={quoteattr(name)}>",
           f'<table:table-column table:number-columns-repeated="{width}"/>']
    for r, row in enumerate(rows):
        cells = [_cell(row[c] if c < len(row) else None, (r, c) in covered) for c in range(width)]
        while cells and cells[-1] == "<table:table-cell/>":
            cells.pop()
        out.append("<table:table-row>" + "".join(cells or ["<table:table-cell/>"]) + "</table:table-row>")
    out.append("</table:table>")
    return "".join(out)


def content_xml(sheets: Sequence[Sheet]) -> bytes:
    """The content.xml of a spreadsheet with these sheets, in order."""
    body = "".join(_table(name, rows) for name, rows in sheets)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS} office:version="1.2">'
            f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
            ).encode()


def ods_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .ods file (a zip: the uncompressed mimetype first, then the manifest and the content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", FIXED_TIME), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, data in (("META-INF/manifest.xml", _MANIFEST.encode()), ("content.xml", content_xml(sheets))):
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
