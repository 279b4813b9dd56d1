"""NRM data-tables workbooks (ODS, XLSX) -> tables of observations in long form (no I/O, no database).

`read_workbook(bytes, release=, url=)` finds every table of a release's workbook by its title
(the contents sheet, or the title in the sheet's first cell), reads its header rows by what they
say, flattens two-level headings, fills group labels down, names totals `Total`, reads square-
bracket shorthand ([x] [c] [z] [u] [low]) as "no number" with its code and keeps [r] and [p]
markers; every problem is a warning naming the release, table and cell. `check_figures` compares
a bulletin's figures with the same release's tables.

Modules: cells (one cell: numbers, shorthand, labels, periods), grid (one sheet's table), locate
(titles: contents sheet and first cells), checks (totals, plausibility, known tables), workbook
(the file: format, limits, sheets), crosscheck (bulletin against tables), output (the JSON and
table views of `msbrief figures extract`).
"""

from scrapers.nrm.tables.crosscheck import check_figures
from scrapers.nrm.tables.workbook import (
                                          ODS_TYPE,
                                          TYPES,
                                          XLSX_TYPE,
                                          WorkbookLimits,
                                          WorkbookUnreadable,
                                          read_workbook,
                                          workbook_format,
)

__all__ = ("ODS_TYPE", "TYPES", "XLSX_TYPE", "WorkbookLimits", "WorkbookUnreadable", "check_figures", "read_workbook",
           "workbook_format")
