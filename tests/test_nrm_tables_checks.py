"""A bulletin's figures against the same release's tables (scrapers.nrm.tables.check_figures), and a
table the previous release's workbook had that this one lacks (store.tables.changes_from_previous)."""

from __future__ import annotations

from scrapers.nrm.tables import check_figures, read_workbook
from scrapers.records import Figure, Release
from store import releases
from store import tables as stored_tables
from store.db import transaction
from tests.nrm_workbooks import RELEASES, TITLES, release_workbook, workbook_sheets
from tests.odsbuild import ods_bytes

SENTENCE = ("4,142 potential victims of modern slavery were referred to the Home Office from October to December 2023, "
            "a 6% decrease from October to December 2021 (4,413)")


def q4_tables():  # type: ignore[no-untyped-def]
    return read_workbook(release_workbook("2023-Q4"), release="2023-Q4", url="q4.ods").tables


def test_agreement_is_recorded_as_matching_the_table() -> None:
    checks, warnings = check_figures([Figure("total_referrals", 4142, "count", SENTENCE, "2023-Q4")], q4_tables(),
                                     release="2023-Q4")
    assert warnings == []
    assert [(c.outcome, c.note, c.sheet, c.cell, c.found) for c in checks] == [
        ("matches", "matches Table 2", "Table_2", "G67+L67+Q67", 4142)]


def test_a_mislabelled_comparison_period_is_caught_naming_sentence_and_cell() -> None:
    wrong_year = Figure("same_period_last_year_referrals", 4413, "count", SENTENCE, "2021-Q4")
    checks, warnings = check_figures([wrong_year], q4_tables(), release="2023-Q4")
    assert [c.outcome for c in checks] == ["mislabelled"]
    assert checks[0].note == ("The bulletin gives 4,413 for October to December 2021, but that is October to December "
                              "2022 in Table 2 (cell G63+L63+Q63); October to December 2021 there is 3,330.")
    assert warnings == [f"release 2023-Q4: same_period_last_year_referrals for 2021-Q4 mislabelled from the tables: the "
                        f"sentence {SENTENCE!r} says 4,413, {TITLES['referrals_by_quarter']!r} (Table 2, cell "
                        f"G59+L59+Q59) says 3,330; {checks[0].note}"]


def test_figures_no_table_gives_are_not_checked() -> None:
    checks, warnings = check_figures([Figure("sca_count", 3404, "count", "82% (3,404) ...", "2023-Q4"),
                                      Figure("sca_pct", 82, "pct", "82% (3,404) ...", "2023-Q4")], q4_tables(),
                                     release="2023-Q4")
    assert (checks, warnings) == ([], [])


def _release(period: str, sheets) -> Release:  # type: ignore[no-untyped-def]
    book = read_workbook(ods_bytes(sheets), release=period, url=f"https://x/{period}.ods")
    return Release(period=period, title=period, page_url=f"https://www.gov.uk/{period}", bulletin_url=None,
                   published=None, updated=None, workbooks=(book,))


def test_a_missing_or_renamed_table_is_a_warning_naming_both_releases_tables(engine) -> None:
    before = workbook_sheets("2023-Q4", RELEASES["2023-Q4"])
    after = [(name, [list(r) for r in rows]) for name, rows in before if name != "Table_40"]  # DtN by quarter gone
    table_2 = dict(after)["Table_2"]
    table_2[0] = ["NRM referrals by quarter of referral, by age group and where exploited"]  # renamed
    with transaction(engine) as s:
        saved, _ = releases.save(s, [_release("2023-Q4", before), _release("2024-Q1", after)], publication_ids={})
        warnings = stored_tables.changes_from_previous(s, saved[1].id)
    assert sorted(warnings) == sorted([
        "release 2024-Q1: table 'DtN reports by quarter' (Table_40 in the 2023-Q4 release) is not in this release's "
        "workbook (missing or renamed)",
        f"release 2024-Q1: table {TITLES['referrals_by_quarter']!r} (Table_2 in the 2023-Q4 release) is not in this "
        "release's workbook; renamed to 'NRM referrals by quarter of referral, by age group and where exploited' "
        "(Table_2), cell A1?",
    ])
