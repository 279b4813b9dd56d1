"""The workbook reader (scrapers.nrm.tables) on workbooks built from the real values of the real ones.

Every release's workbook of the demo corpus, each layout variation releases show (one at a time),
shorthand and markers, and the problems each gives a warning naming the release, table and cell.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import xlsxwriter

from scrapers.nrm.tables import WorkbookLimits, WorkbookUnreadable, read_workbook
from tests.nrm_workbooks import RELEASES, TITLES, release_workbook
from tests.odsbuild import Merged, ods_bytes
from tests.tables_expected import expected, wrong_cells
from vocabulary.tables import find

Q4 = RELEASES["2023-Q4"]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_every_release_workbook_reads_as_the_derived_values(release: str) -> None:
    book = read_workbook(release_workbook(release), release=release, url=f"{release}.ods")
    assert {t.key: t.sheet for t in book.tables} == RELEASES[release].sheets
    assert not wrong_cells(book, release)
    assert sum(len(t.observations) for t in book.tables) == sum(len(expected(k, release)) for k in RELEASES[release].sheets)
    assert book.warnings == (), "the real values add up: no warning"


VARIATIONS = {
    "3 rows above": {"rows_above": {k: 3 for k in Q4.sheets}},
    "5 rows above": {"rows_above": {k: 5 for k in Q4.sheets}},
    "table number in the title": {"title_prefix": True},
    "no contents sheet": {"contents": False},
    "blank group totals": {"blank_totals": True},
    "merged headings": {"merged_headings": True},
    "repeated headings": {"repeat_headings": True},
    "flat headings": {"flat_headings": True},
    "one period column": {"single_period_column": True},
    "months for quarters": {"quarters_as_months": True},
    "year on every row": {"repeat_year": True},
    "blank row after the notes": {"blank_row_after_notes": True},
    "empty columns before": {"first_column": 2},
    "renumbered sheets": {"sheets": {k: f"Table_{n}" for n, k in enumerate(sorted(Q4.sheets), start=7)}},
}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_each_layout_variation_reads_every_value(name: str) -> None:
    book = read_workbook(release_workbook("2023-Q4", **VARIATIONS[name]), release="2023-Q4", url="x.ods")
    assert {t.key for t in book.tables} == set(Q4.sheets)
    assert not wrong_cells(book, "2023-Q4")


def test_first_responder_groups_are_filled_down_and_totals_named_total_whether_written_or_blank() -> None:
    for blank in (False, True):
        book = read_workbook(release_workbook("2023-Q3", blank_totals=blank), release="2023-Q3", url="q3.ods")
        assert not wrong_cells(book, "2023-Q3")
        ngo = next(t for t in book.tables if t.key == "referrals_ngo")
        assert ngo.headings == ("First responder", "Exploitation type", "Age at exploitation", "Gender", "Nationality")
        first = ngo.observations[0]
        assert dict(first.dimensions) == {"First responder": "Barnardo's", "Exploitation type": "Total",
                                          "Age at exploitation": "Total", "Gender": "Total", "Nationality": "Afghan"}


def test_a_table_is_found_by_its_title_wherever_it_moves_and_read_by_the_contents_title_when_a1_is_bare() -> None:
    moved = release_workbook("2023-Q4", sheets={"dtn_by_quarter": "Table_2", "referrals_by_quarter": "Table_40"})
    book = read_workbook(moved, release="2023-Q4", url="x.ods")
    assert {t.key: t.sheet for t in book.tables} == {"dtn_by_quarter": "Table_2", "referrals_by_quarter": "Table_40"}
    bare = ods_bytes([("Contents", [["Contents"], ["Sheet", "Title"], ["Table_9", TITLES["dtn_by_quarter"]]]),
                      ("Table_9", [["Table 9"], ["Year", "Quarter", "Total"], [2023, "Q1", 1420], [None, "Q2", 1148]])])
    table = read_workbook(bare, release="2023-Q4", url="x.ods").tables[0]
    assert (table.key, table.title) == ("dtn_by_quarter", TITLES["dtn_by_quarter"])
    assert [(o.period, o.value) for o in table.observations] == [("2023-Q1", 1420), ("2023-Q2", 1148)]


SHORTHAND_SHEET = [["DtN reports by nationality"], ["Note row"], ["Nationality", "Total"],
                   ["Afghan", "[x]"], ["Albanian", "[c]"], ["Algerian", "[z]"], ["Angolan", "[u]"],
                   ["Argentine", "[low]"], ["Austrian", "1,234 [r]"], ["Belgian", "56[p]"], ["British [r]", 7],
                   ["Chinese", "[x] [r]"]]


def test_shorthand_is_no_number_with_its_code_never_zero_and_markers_are_kept() -> None:
    table = read_workbook(ods_bytes([("Table_1", SHORTHAND_SHEET)]), release="test", url="x.ods").tables[0]
    got = {dict(o.dimensions)["Nationality"]: (o.value, o.code, o.markers) for o in table.observations}
    assert got == {"Afghan": (None, "x", ""), "Albanian": (None, "c", ""), "Algerian": (None, "z", ""),
                   "Angolan": (None, "u", ""), "Argentine": (None, "low", ""), "Austrian": (1234, None, "r"),
                   "Belgian": (56, None, "p"), "British": (7, None, "r"), "Chinese": (None, "x", "r")}


def test_a_cell_that_is_neither_number_nor_shorthand_is_warned_about_naming_release_table_and_cell() -> None:
    sheet = [["DtN reports by nationality"], ["Nationality", "Total"], ["Afghan", 3], ["Albanian", "n/a"],
             ["Algerian", -2], ["Total", 3]]
    book = read_workbook(ods_bytes([("Table_41", sheet)]), release="2023-Q4", url="x.ods")
    values = {dict(o.dimensions)["Nationality"]: o.value for o in book.tables[0].observations}
    assert values == {"Afghan": 3, "Total": 3}  # never a guess, never a negative count
    assert any("release 2023-Q4: table 'DtN reports by nationality' (Table_41), cell B4: 'n/a' is neither" in w
               for w in book.warnings), book.warnings
    assert any("cell B5: -2 is negative" in w for w in book.warnings), book.warnings


def test_totals_that_do_not_add_up_are_warned_about_naming_the_cell() -> None:
    book = read_workbook(release_workbook("2023-Q4"), release="2023-Q4", url="x.ods")
    dtn = next(t for t in book.tables if t.key == "dtn_by_quarter")
    cell = next(o.cell for o in dtn.observations if o.period == "2023-year")
    sheets = [(name, [list(r) for r in rows]) for name, rows in _sheets("2023-Q4")]
    rows = dict(sheets)["Table_40"]
    r = int(cell[1:]) - 1
    rows[r][2] = rows[r][2] + 1  # the 2023 total one more than its quarters
    book = read_workbook(ods_bytes(sheets), release="2023-Q4", url="x.ods")
    assert [w for w in book.warnings if "not the sum" in w] == [
        f"release 2023-Q4: table 'DtN reports by quarter' (Table_40), cell {cell}: the total 4930 is not the sum of "
        "the 4 rows it totals (4929)"]


def _sheets(release: str, **changes: object):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from tests.nrm_workbooks import workbook_sheets

    return workbook_sheets(release, replace(RELEASES[release], **changes) if changes else RELEASES[release])


def test_merged_header_cells_in_xlsx_are_warned_about_and_read_as_filled() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Table_16")
    sheet.write(0, 0, TITLES["rg_decisions_by_quarter"])
    sheet.merge_range(1, 2, 1, 3, "Adult (18 or over)")
    sheet.write_row(1, 4, ["Total"])
    sheet.write_row(2, 0, ["Year", "Quarter", "Negative reasonable grounds", "Positive reasonable grounds"])
    sheet.write_row(3, 0, [2023, "Q1", 980, 1011, 1991])
    book.close()
    read = read_workbook(buffer.getvalue(), release="2023-Q1", url="x.xlsx")
    assert read.format == "xlsx"
    cells = {tuple(x for _, x in o.dimensions): o.value for o in read.tables[0].observations}
    assert cells == {("Adult (18 or over)", "Negative reasonable grounds"): 980,
                     ("Adult (18 or over)", "Positive reasonable grounds"): 1011, ("Total", "Total"): 1991}
    assert any("(Table_16), cell C2: merged cells C2:D2" in w for w in read.warnings), read.warnings


def test_an_xlsx_where_ods_was_listed_is_read_with_a_warning() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Table_40")
    for r, row in enumerate([[TITLES["dtn_by_quarter"]], ["Year", "Quarter", "Total"], [2023, "Q1", 1420]]):
        sheet.write_row(r, 0, row)
    book.close()
    read = read_workbook(buffer.getvalue(), release="2023-Q1", url="https://x/t.ods",
                         listed_type="application/vnd.oasis.opendocument.spreadsheet")
    assert [(o.period, o.value) for o in read.tables[0].observations] == [("2023-Q1", 1420)]
    assert read.warnings == ("release 2023-Q1: the workbook https://x/t.ods is XLSX although the release lists it as "
                             "ods: read as XLSX",)


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "a zip of something else", "corrupt content"])
def test_a_corrupt_or_truncated_file_is_one_line_naming_the_url(damage: str) -> None:
    data = release_workbook("2023-Q1")
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "not a zip":
        data = b"<html>Service unavailable</html>"
    elif damage == "a zip of something else":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("readme.txt", "hello")
        data = buffer.getvalue()
    else:
        data = data.replace(b"content.xml", b"contenX.xml")
    with pytest.raises(WorkbookUnreadable) as caught:
        read_workbook(data, release="2023-Q1", url="https://x/t.ods")
    assert "\n" not in str(caught.value) and str(caught.value).endswith("https://x/t.ods")


def test_limits_bytes_unpacked_sheets_rows_cells_and_warnings_each_say_their_setting() -> None:
    data = release_workbook("2023-Q4")
    with pytest.raises(WorkbookUnreadable, match="MSBRIEF_WORKBOOK_MAX_BYTES=1,000"):
        read_workbook(data, release="r", url="u", limits=WorkbookLimits(max_bytes=1000))
    with pytest.raises(WorkbookUnreadable, match="MSBRIEF_WORKBOOK_MAX_UNPACKED_BYTES"):
        read_workbook(data, release="r", url="u", limits=WorkbookLimits(max_unpacked_bytes=10_000))
    few = read_workbook(data, release="r", url="u", limits=WorkbookLimits(max_sheets=4))
    assert [t.sheet for t in few.tables] == ["Table_2"] and "MSBRIEF_WORKBOOK_MAX_SHEETS=4" in few.warnings[0]
    rows = read_workbook(data, release="r", url="u", limits=WorkbookLimits(max_rows=20))
    assert "MSBRIEF_WORKBOOK_MAX_ROWS=20" in " ".join(rows.warnings)
    cells = read_workbook(data, release="r", url="u", limits=WorkbookLimits(max_cells=2000))
    assert "MSBRIEF_WORKBOOK_MAX_CELLS=2,000" in " ".join(cells.warnings) and len(cells.tables) < 5
    sheet = [["DtN reports by nationality"], ["Nationality", "Men", "Women"]] + [[f"N{i}", 1, "bad" if i else 2] for i in range(11)]
    capped = read_workbook(ods_bytes([("Table_1", sheet)]), release="r", url="u", limits=WorkbookLimits(max_warnings=3))
    assert len(capped.warnings) == 4 and capped.warnings[-1] == "release r: 7 more warnings not shown " \
                                                               "(MSBRIEF_WORKBOOK_MAX_WARNINGS=3)"


def test_a_known_table_with_changed_columns_is_warned_about() -> None:
    sheet = [[TITLES["referrals_by_quarter"]], ["Year", "Quarter", "Men", "Women"], [2023, "Q1", 1, 2]]
    book = read_workbook(ods_bytes([("Table_2", sheet)]), release="2023-Q1", url="x.ods")
    assert any("(Table_2), cell C3: no column or row for 'adult' (changed columns?): adult_count not read" in w
               for w in book.warnings), book.warnings


def test_periods_and_totals_in_the_json_shape_of_figures_extract() -> None:
    from scrapers.nrm.tables.output import workbook_json

    book = read_workbook(release_workbook("2023-Q4"), release="2023-Q4", url="x.ods")
    data = json.loads(json.dumps(workbook_json(book)))
    referrals = data["tables"][0]
    assert (referrals["title"], referrals["sheet"]) == (TITLES["referrals_by_quarter"], "Table_2")
    assert referrals["observations"][4] == {"period": "2009-Q2", "dimensions": {
        "Age at exploitation": "Adult (18 or over)", "Location of exploitation": "Total"}, "value": 127, "code": None,
        "cell": "G9"}
    rg = data["tables"][1]["observations"]
    assert rg[0]["period"] == "2014-year" and rg[-1]["dimensions"] == {"Age at exploitation": "Total", "Outcome": "Total"}
    nationality = data["tables"][4]["observations"]
    assert "period" not in nationality[0] and nationality[-1]["dimensions"] == {"Nationality": "Total"}


def test_metric_look_up_sums_the_age_groups_when_there_is_no_grand_total_and_years_from_quarters() -> None:
    book = read_workbook(release_workbook("2023-Q4"), release="2023-Q4", url="x.ods")
    referrals = book.tables[0].observations
    found = find(referrals, "2023-Q4")
    assert found is not None and (found.value, found.cells) == (4142, ("G67", "L67", "Q67"))
    assert find(referrals, "2023-year").value == 4738 + 3993 + 4131 + 4142  # type: ignore[union-attr]
    assert find(referrals, "2023-Q4", ("adult",)).value == 1978  # type: ignore[union-attr]


def test_merged_odf_headings_fill_their_group() -> None:
    sheet = [[TITLES["cg_decisions_by_quarter"]], [None, None, Merged("Adult (18 or over)", columns=2), None, "Total"],
             ["Year", "Quarter", "Negative", "Positive", None], [2023, "Q1", 1, 2, 3]]
    table = read_workbook(ods_bytes([("T", sheet)]), release="r", url="x.ods").tables[0]
    assert [tuple(x for _, x in o.dimensions) for o in table.observations] == [
        ("Adult (18 or over)", "Negative"), ("Adult (18 or over)", "Positive"), ("Total", "Total")]
