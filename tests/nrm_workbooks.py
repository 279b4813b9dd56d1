"""NRM data-tables workbooks built from the real values third parties read from the real ones.

No real NRM workbook could be recorded (../shared/data/ods/URL-PATTERNS.md). The values come from
../shared/data/ods/derived/ (humaniverse/asylum's CSVs, read from the real 2022-Q2 to 2023-Q4
workbooks); the layout follows ../shared/data/ods/LAYOUT.md (sheet names per release, title and
note rows above the header, two-level headings, labels written once per group, each group's first
row its total, a contents sheet). What is reconstructed (note wording, the cover and contents
sheets, header cell wording beyond the CSV column names) is listed in
tests/fixtures/govuk_nrm/PROVENANCE.md. `Layout` varies what releases vary, for the held-out tests.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.odsbuild import Cell, Merged, Sheet, ods_bytes

ROOT = Path(__file__).resolve().parent.parent
DERIVED = ROOT.parent / "shared" / "data" / "ods" / "derived" / "humaniverse-asylum"

TITLES = {
    "referrals_by_quarter": "NRM referrals by quarter by age at exploitation and location of exploitation",
    "rg_decisions_by_quarter": "NRM reasonable grounds decisions made by both competent authorities by quarter, "
                               "outcome and age at exploitation",
    "cg_decisions_by_quarter": "NRM conclusive grounds decisions made by both competent authorities by quarter, "
                               "outcome and age at exploitation",
    "dtn_by_quarter": "DtN reports by quarter",
    "dtn_by_nationality": "DtN reports by nationality",
    "referrals_ngo": "NRM referrals by NGO and third sector organisation first responder, exploitation type, age at "
                     "exploitation, gender and nationality",
}
NOTES = (  # reconstructed wording, in the GSS style of note rows above a table
    "This worksheet contains one table. Some cells refer to notes which can be found on the notes worksheet.",
    "Source: Home Office, National Referral Mechanism and Duty to Notify data.",
    "These statistics are Official Statistics.",
    "Figures for earlier periods may be revised in later releases.",
    "Shorthand: [x] not available, [z] not applicable.",
)
AGES = ("Adult (18 or over)", "Child (17 or under)", "Age not specified or unknown")
LOCATIONS = ("Overseas", "UK", "UK and Overseas", "Not specified or unknown", "Total")


@dataclass(frozen=True)
class Layout:
    """How one release's workbook is laid out; the defaults are the 2023-Q4 workbook's."""

    sheets: dict[str, str] = field(default_factory=dict)  # table key -> sheet name
    rows_above: dict[str, int] = field(default_factory=dict)  # table key -> title and note rows above the header
    title_prefix: bool = False  # "Table 2: ..." in A1 instead of the bare title
    contents: bool = True
    blank_totals: bool = False  # a group's first row leaves its "Total" labels blank
    merged_headings: bool = False  # two-level headings as merged cells
    repeat_headings: bool = False  # the upper heading written over every column of its group
    flat_headings: bool = False  # one header row: "Adult (18 or over) - UK"
    grand_total_column: bool = False  # a "Total" column after the age groups (reconstructed sums)
    single_period_column: bool = False  # "2023 Q1" in one column instead of Year and Quarter
    quarters_as_months: bool = False  # "Jan to Mar" instead of "Q1"
    repeat_year: bool = False  # the Year written on every row
    blank_row_after_notes: bool = False
    first_column: int = 0  # how many empty columns before the table
    extra_sheets: tuple[Sheet, ...] = ()


def _csv(name: str) -> list[dict[str, str]]:
    with open(DERIVED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _int(text: str) -> int:
    return int(text)


def referrals_by_quarter() -> dict[tuple[int, str], dict[tuple[str, str], int]]:
    """(year, 'Q2') -> {(age, location): referrals}, from the 2023-Q4 tables (Table_2)."""
    found: dict[tuple[int, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for row in _csv("nrm_referrals_longitudinal.csv"):
        found[(int(row["Year"]), row["Quarter"])][(row["Age at exploitation"], row["Location of exploitation"])] = \
            _int(row["NRM referrals"])
    return dict(found)


def _quarter_label(quarter: str, layout: Layout) -> str:
    months = {"Q1": "Jan to Mar", "Q2": "Apr to Jun", "Q3": "Jul to Sep", "Q4": "Oct to Dec", "Total": "Total"}
    return months[quarter] if layout.quarters_as_months else quarter


def _stub(year: int, quarter: str, first_of_year: bool, layout: Layout) -> list[Cell]:
    if layout.single_period_column:
        return [f"{year} {_quarter_label(quarter, layout)}" if quarter != "Total" else year]
    shown_quarter: Cell = _quarter_label(quarter, layout)
    if quarter == "Total" and layout.blank_totals:
        shown_quarter = None
    return [year if first_of_year or layout.repeat_year else None, shown_quarter]


def _headings(groups: list[tuple[str, list[str]]], stub: list[str], layout: Layout, *, last_total: bool
              ) -> list[list[Cell]]:
    """The header rows over the stub columns and the grouped data columns."""
    pad: list[Cell] = [None] * layout.first_column
    if layout.flat_headings:
        row: list[Cell] = pad + list(stub)
        for group, parts in groups:
            row += [f"{group} - {p}" for p in parts]
        return [row + (["Total"] if last_total else [])]
    upper: list[Cell] = pad + [None] * len(stub)
    lower: list[Cell] = pad + list(stub)
    for group, parts in groups:
        if layout.merged_headings:
            upper += [Merged(group, columns=len(parts))] + [None] * (len(parts) - 1)
        elif layout.repeat_headings:
            upper += [group] * len(parts)
        else:
            upper += [group] + [None] * (len(parts) - 1)
        lower += list(parts)
    if last_total:
        upper.append("Total")
        lower.append(None)
    return [upper, lower]


def _sheet_rows(key: str, header: Sequence[Sequence[Cell]], body: Sequence[Sequence[Cell]], layout: Layout,
                number: str) -> list[list[Cell]]:
    above = layout.rows_above.get(key, 6)
    title = f"Table {number}: {TITLES.get(key, key)}" if layout.title_prefix else TITLES.get(key, key)
    pad: list[Cell] = [None] * layout.first_column
    rows: list[list[Cell]] = [pad + [title]] + [pad + [NOTES[i % len(NOTES)]] for i in range(above - 1)]
    if layout.blank_row_after_notes:
        rows[-1] = []
    return rows + [list(row) for row in header] + [pad + list(row) for row in body]


def referrals_sheet(layout: Layout, number: str) -> list[list[Cell]]:
    data = referrals_by_quarter()
    stub = ["Period"] if layout.single_period_column else ["Year", "Quarter"]
    header = _headings([(age, list(LOCATIONS)) for age in AGES], stub, layout, last_total=layout.grand_total_column)
    body = []
    years_seen: set[int] = set()
    for (year, quarter), values in sorted(data.items()):
        row = _stub(year, quarter, year not in years_seen, layout)
        years_seen.add(year)
        row += [values[(age, loc)] for age in AGES for loc in LOCATIONS]
        if layout.grand_total_column:
            row.append(sum(values[(age, "Total")] for age in AGES))
        body.append(row)
    return _sheet_rows("referrals_by_quarter", header, body, layout, number)


def decisions_sheet(key: str, layout: Layout, number: str) -> list[list[Cell]]:
    name = "reasonable" if key.startswith("rg") else "conclusive"
    rows = _csv(f"nrm_{name}_grounds.csv")
    outcomes = [f"Negative {name} grounds", f"Positive {name} grounds", "Total"]
    stub = ["Period"] if layout.single_period_column else ["Year", "Quarter"]
    header = _headings([(age, outcomes) for age in AGES], stub, layout, last_total=True)
    body = []
    for i, row in enumerate(rows):
        first = i == 0 or rows[i - 1]["Year"] != row["Year"]
        values = [_int(row[f"{age} - {o}"]) for age in AGES for o in outcomes]
        body.append(_stub(int(row["Year"]), row["Quarter"], first, layout) + values + [_int(row["Total"])])
    return _sheet_rows(key, header, body, layout, number)


def dtn_quarter_sheet(layout: Layout, number: str) -> list[list[Cell]]:
    rows = _csv("nrm_duty_to_notify_longitudinal.csv")
    stub = ["Period"] if layout.single_period_column else ["Year", "Quarter"]
    header = [[None] * layout.first_column + stub + ["Total"]]
    body = []
    for i, row in enumerate(rows):
        first = i == 0 or rows[i - 1]["Year"] != row["Year"]
        body.append(_stub(int(row["Year"]), row["Quarter"], first, layout) + [_int(row["Total"])])
    return _sheet_rows("dtn_by_quarter", header, body, layout, number)


def dtn_nationality_sheet(period: str, layout: Layout, number: str) -> list[list[Cell]]:
    rows = _csv(f"nrm_duty_to_notify_{period.lower().replace('-', '_')}.csv")
    header = [[None] * layout.first_column + ["Nationality", "Total"]]
    body: list[list[Cell]] = [[row["Nationality"], _int(row["Total"])] for row in rows]
    return _sheet_rows("dtn_by_nationality", header, body, layout, number)


def ngo_sheet(layout: Layout, number: str) -> list[list[Cell]]:
    """Table 12 of the 2023-Q3 tables: NGO first responders x exploitation x age x gender x nationality."""
    rows = _csv("nrm_referrals_ngo_2023_q3.csv")
    nationalities = list(dict.fromkeys(r["Nationality"] for r in rows))
    groups: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for r in rows:
        groups.setdefault((r["First responder"], r["Exploitation type"], r["Age at exploitation"], r["Gender"]),
                          {})[r["Nationality"]] = _int(r["People"])
    stub = ["First responder", "Exploitation type", "Age at exploitation", "Gender"]
    header = [[None] * layout.first_column + stub + nationalities]
    body = []
    previous: tuple[str, ...] = ("", "", "", "")
    for labels, values in groups.items():
        shown: list[Cell] = []
        for i, text in enumerate(labels):
            if labels[:i + 1] == previous[:i + 1]:
                shown.append(None)  # written once per group
            elif text == "Total" and layout.blank_totals:
                shown.append(None)
            else:
                shown.append(text)
        previous = labels
        body.append(shown + [values[n] for n in nationalities])
    return _sheet_rows("referrals_ngo", header, body, layout, number)


def _cover(title: str) -> list[list[Cell]]:
    return [[title], ["This spreadsheet contains the data tables published alongside the statistical bulletin."],
            ["Contact: MSNRMStatistics@homeoffice.gov.uk (reconstructed cover sheet)"]]


def _contents(tables: list[tuple[str, str]], layout: Layout) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Table of contents"], ["This worksheet contains one table."],
                              ["Worksheet name", "Table title"]]
    for sheet, key in tables:
        rows.append([sheet, TITLES.get(key, key)])
    return rows


BUILDERS: dict[str, Callable[[Layout, str, str], list[list[Cell]]]] = {
    "referrals_by_quarter": lambda layout, number, period: referrals_sheet(layout, number),
    "rg_decisions_by_quarter": lambda layout, number, period: decisions_sheet("rg_decisions_by_quarter", layout, number),
    "cg_decisions_by_quarter": lambda layout, number, period: decisions_sheet("cg_decisions_by_quarter", layout, number),
    "dtn_by_quarter": lambda layout, number, period: dtn_quarter_sheet(layout, number),
    "dtn_by_nationality": lambda layout, number, period: dtn_nationality_sheet(period, layout, number),
    "referrals_ngo": lambda layout, number, period: ngo_sheet(layout, number),
}


def workbook_sheets(period: str, layout: Layout, *, title: str = "NRM statistics data tables") -> list[Sheet]:
    """The sheets of `period`'s workbook in `layout` (tables in sheet-number order)."""
    tables = sorted(layout.sheets.items(), key=lambda kv: int("".join(ch for ch in kv[1] if ch.isdigit()) or 0))
    sheets: list[Sheet] = [("Cover_sheet", _cover(title))]
    if layout.contents:
        sheets.append(("Table_of_contents", _contents([(s, k) for k, s in tables], layout)))
    sheets.append(("Notes", [["Notes"], ["Note number", "Note text"], ["Note 1", "Excludes data pre-2014 due to "
                                                                                 "data reliability."]]))
    for key, sheet in tables:
        number = "".join(ch for ch in sheet if ch.isdigit())
        sheets.append((sheet, BUILDERS[key](layout, number, period)))
    return sheets + list(layout.extra_sheets)


# The real releases' layouts (../shared/data/ods/URL-PATTERNS.md and LAYOUT.md).
RELEASES: dict[str, Layout] = {
    "2022-Q2": Layout(sheets={"dtn_by_nationality": "Table_25"}, rows_above={"dtn_by_nationality": 3}),
    "2022-Q3": Layout(sheets={"dtn_by_nationality": "Table_25"}, rows_above={"dtn_by_nationality": 3}),
    "2022-Q4": Layout(sheets={"dtn_by_nationality": "Table_26"}, rows_above={"dtn_by_nationality": 5}),
    "2023-Q1": Layout(sheets={"dtn_by_nationality": "Table_26"}, rows_above={"dtn_by_nationality": 5}),
    "2023-Q2": Layout(sheets={"dtn_by_nationality": "Table_35"}, rows_above={"dtn_by_nationality": 5}),
    "2023-Q3": Layout(sheets={"referrals_ngo": "Table_12", "dtn_by_nationality": "Table_41"},
                      rows_above={"referrals_ngo": 5, "dtn_by_nationality": 5}),
    "2023-Q4": Layout(sheets={"referrals_by_quarter": "Table_2", "rg_decisions_by_quarter": "Table_16",
                              "cg_decisions_by_quarter": "Table_28", "dtn_by_quarter": "Table_40",
                              "dtn_by_nationality": "Table_41"},
                      rows_above={"referrals_by_quarter": 6, "rg_decisions_by_quarter": 6,
                                  "cg_decisions_by_quarter": 6, "dtn_by_quarter": 5, "dtn_by_nationality": 5}),
}


def release_workbook(period: str, layout: Layout | None = None, **changes: object) -> bytes:
    """The ODS of `period`'s release (its real layout unless `layout` is given), with `changes` to it."""
    chosen = layout or RELEASES[period]
    return ods_bytes(workbook_sheets(period, replace(chosen, **changes) if changes else chosen))  # type: ignore[arg-type]
