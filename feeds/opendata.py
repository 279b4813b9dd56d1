"""The NRM data tables as open data under <output_dir>/public/data/: a tidy CSV and a JSON per table
of each release, one long CSV of every observation with its release and cell, and a
`datapackage.json` (Frictionless Data Package) describing the CSVs (their columns, types, codes,
sizes and checksums) and listing the JSON files. Same data, same bytes: no dates of building.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from store.read import ReleaseTables, TableView
from vocabulary.periods import period_label
from vocabulary.tables import MARKERS, SHORTHAND

DATA_DIR = "data"
PACKAGE = f"{DATA_DIR}/datapackage.json"
LONG_CSV = "observations.csv"  # under DATA_DIR
LICENCE = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
           "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
SOURCE = {"title": "Home Office: Modern Slavery: National Referral Mechanism and Duty to Notify statistics",
          "path": "https://www.gov.uk/government/collections/national-referral-mechanism-statistics"}
_PERIOD_PATTERN = r"^\d{4}-(Q[1-4]|year)$"


RELEASES_DIR = "releases"


def release_page_path(period: str) -> str:
    """Where a release's page of figures and data lives under the public directory."""
    return f"{RELEASES_DIR}/{period}.html"


def table_path(release: str, key: str, suffix: str) -> str:
    """Where one table of one release lives under the public directory: data/2023-Q4/<key>.csv."""
    return f"{DATA_DIR}/{release}/{key}.{suffix}"


def _number(value: Any) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else repr(float(value)).removesuffix(".0")


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _column_names(table: TableView) -> list[str]:
    """The tidy CSV's columns: period (when by period), one per heading, value, code, markers, cell."""
    return (["period"] if table.by_period else []) + list(table.headings) + ["value", "code", "markers", "cell"]


def tidy_csv(table: TableView) -> bytes:
    """One row per observation, one column per dimension."""
    rows = []
    for period, dims, value, code, markers, cell in table.observations:
        labels = dict(dims)
        rows.append(([period or ""] if table.by_period else []) + [labels.get(h, "") for h in table.headings]
                    + [_number(value), code or "", markers, cell])
    return _csv(_column_names(table), rows)


def table_json(table: TableView) -> bytes:
    """The table as `msbrief figures extract` prints a workbook's tables, with its release."""
    observations = []
    for period, dims, value, code, markers, cell in table.observations:
        found: dict[str, Any] = {"period": period} if period else {}
        found.update(dimensions=dict(dims), value=value, code=code, cell=cell)
        if markers:
            found["markers"] = markers
        observations.append(found)
    data = {"release": table.release, "title": table.title, "sheet": table.sheet, "key": table.key,
            "headings": list(table.headings), "measure": table.measure, "workbook": table.workbook_url,
            "observations": observations}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def long_csv(releases: Sequence[ReleaseTables]) -> bytes:
    """Every observation of every release: release, table, sheet, cell, period, dimensions (JSON), value, code, markers."""
    rows = []
    for rel in releases:
        for table in rel.tables:
            for period, dims, value, code, markers, cell in table.observations:
                rows.append([rel.release.period, table.key, table.title, table.sheet, cell, period or "",
                             json.dumps(dict(dims), ensure_ascii=False), _number(value), code or "", markers])
    return _csv(["release", "table", "title", "sheet", "cell", "period", "dimensions", "value", "code", "markers"], rows)


def _code_field() -> dict[str, Any]:
    codes = "; ".join(f"{k}: {v}" for k, v in SHORTHAND.items())
    return {"name": "code", "type": "string", "constraints": {"enum": list(SHORTHAND)},
            "description": f"Why a cell has no number (the workbook's [x] etc.): {codes}. Empty when there is a number."}


def _common_fields() -> list[dict[str, Any]]:
    marks = "; ".join(f"{k}: {v}" for k, v in MARKERS.items())
    return [{"name": "value", "type": "number", "description": "The number; empty when the cell has none (see code)."},
            _code_field(),
            {"name": "markers", "type": "string", "constraints": {"pattern": "^[pr]*$"},
             "description": f"Markers the workbook gives the number: {marks}."},
            {"name": "cell", "type": "string", "constraints": {"required": True, "pattern": "^[A-Z]+[0-9]+$"},
             "description": "The cell of the workbook's sheet the value was read from."}]


def _resource_name(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-")


def _resource(path: str, data: bytes, *, name: str, title: str, fields: list[dict[str, Any]], description: str
              ) -> dict[str, Any]:
    return {"name": _resource_name(name), "path": path.removeprefix(f"{DATA_DIR}/"), "title": title,
            "description": description, "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "schema": {"fields": fields, "missingValues": [""]}}


def _table_fields(table: TableView) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    if table.by_period:
        fields.append({"name": "period", "type": "string", "constraints": {"pattern": _PERIOD_PATTERN},
                       "description": "The quarter ('2023-Q4') or calendar year ('2023-year') of the row; empty for "
                                      "a row across periods."})
    fields += [{"name": h, "type": "string", "constraints": {"required": True},
                "description": f"{h}; 'Total' for a total row or column."} for h in table.headings]
    return fields + _common_fields()


def open_data_files(releases: Sequence[ReleaseTables], *, site_url: str) -> dict[str, bytes]:
    """Every open data file (relative path -> bytes) and the datapackage.json describing them."""
    files: dict[str, bytes] = {}
    resources: list[dict[str, Any]] = []
    long = long_csv(releases)
    files[f"{DATA_DIR}/{LONG_CSV}"] = long
    resources.append(_resource(
        f"{DATA_DIR}/{LONG_CSV}", long, name="observations", title="Every observation of every release's data tables",
        description="One row per cell of every table msbrief read, with the release it came from, the table, the sheet "
                    "and cell, the period, and the dimensions as a JSON object {heading: label}.",
        fields=[{"name": "release", "type": "string", "constraints": {"required": True, "pattern": _PERIOD_PATTERN},
                 "description": "The release (its period) whose workbook holds the cell."},
                {"name": "table", "type": "string", "constraints": {"required": True},
                 "description": "The table's key: the same table in every release."},
                {"name": "title", "type": "string", "description": "The table's title in that release."},
                {"name": "sheet", "type": "string", "description": "The workbook sheet."},
                {"name": "cell", "type": "string", "constraints": {"required": True, "pattern": "^[A-Z]+[0-9]+$"},
                 "description": "The cell of the sheet."},
                {"name": "period", "type": "string", "constraints": {"pattern": _PERIOD_PATTERN},
                 "description": "The quarter or year of the row; empty for a table not by period."},
                {"name": "dimensions", "type": "object",
                 "description": "The row and column labels as {heading: label}; 'Total' for totals."},
                *[f for f in _common_fields() if f["name"] != "cell"]]))
    for rel in releases:
        for table in rel.tables:
            data = tidy_csv(table)
            path = table_path(table.release, table.key, "csv")
            files[path] = data
            files[table_path(table.release, table.key, "json")] = table_json(table)
            resources.append(_resource(
                path, data, name=f"{table.release}.{table.key}", title=f"{table.title} ({period_label(table.release)} "
                f"release, {table.sheet})", fields=_table_fields(table),
                description=f"{table.title}, as the {period_label(table.release)} release's workbook gives it "
                            f"({table.workbook_url}, sheet {table.sheet}); one row per cell. The same table as JSON: "
                            f"{table_path(table.release, table.key, 'json').removeprefix(DATA_DIR + '/')}."))
    package = {
        "profile": "data-package",
        "name": "msbrief-nrm-data-tables",
        "title": "UK National Referral Mechanism and Duty to Notify statistics: the data tables, every release",
        "description": "The Home Office's NRM and Duty to Notify data tables as msbrief read them from each release's "
                       "workbook: a tidy CSV per table per release, and every observation in one long CSV. Each "
                       "number names the sheet and cell it was read from.",
        "homepage": site_url.rstrip("/") + "/",
        "licenses": [LICENCE],
        "sources": [SOURCE],
        "resources": resources,
    }
    files[PACKAGE] = (json.dumps(package, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return files
