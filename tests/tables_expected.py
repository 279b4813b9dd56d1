"""What the NRM data tables should read as: the shared derived values (../shared/data/ods/derived/),
keyed the way `readings` keys what msbrief read, so a test compares every cell."""

from __future__ import annotations

from typing import Any

from scrapers.records import DataTable, Workbook
from tests.nrm_workbooks import _csv, referrals_by_quarter

Key = tuple[Any, ...]


def _period(year: str, quarter: str) -> str:
    return f"{year}-year" if quarter == "Total" else f"{year}-{quarter}"


def column(labels: tuple[str, ...]) -> str:
    """One name for a column however its headings were laid out: 'Adult (18 or over) - UK'; 'Total'."""
    if all(x == "Total" for x in labels):
        return "Total"
    return " - ".join(labels)


def expected(key: str, release: str) -> dict[Key, Any]:
    """(period or None, column or row labels...) -> value, from the derived CSVs."""
    if key == "referrals_by_quarter":
        return {(f"{year}-{q}", f"{age} - {loc}"): v for (year, q), cells in referrals_by_quarter().items()
                for (age, loc), v in cells.items()}
    if key in ("rg_decisions_by_quarter", "cg_decisions_by_quarter"):
        rows = _csv(f"nrm_{'reasonable' if key.startswith('rg') else 'conclusive'}_grounds.csv")
        return {(_period(r["Year"], r["Quarter"]), name): int(v) for r in rows for name, v in r.items()
                if name not in ("Year", "Quarter")}
    if key == "dtn_by_quarter":
        return {(_period(r["Year"], r["Quarter"]),): int(r["Total"]) for r in _csv("nrm_duty_to_notify_longitudinal.csv")}
    if key == "dtn_by_nationality":
        rows = _csv(f"nrm_duty_to_notify_{release.lower().replace('-', '_')}.csv")
        return {(None, r["Nationality"]): int(r["Total"]) for r in rows}
    if key == "referrals_ngo":
        return {(None, *(" ".join(r[h].split()) for h in ("First responder", "Exploitation type", "Age at exploitation",
                                                          "Gender", "Nationality"))): int(r["People"])
                for r in _csv("nrm_referrals_ngo_2023_q3.csv")}  # labels as read: spaces at the ends are not kept
    raise KeyError(key)


def readings(table: DataTable) -> dict[Key, Any]:
    """What msbrief read, keyed like `expected`: by period and the labels (columns flattened)."""
    found: dict[Key, Any] = {}
    for obs in table.observations:
        labels = tuple(label for _, label in obs.dimensions)
        if table.key in ("referrals_by_quarter", "rg_decisions_by_quarter", "cg_decisions_by_quarter"):
            found[(obs.period, column(labels))] = obs.value
        elif table.key == "dtn_by_quarter":
            found[(obs.period,)] = obs.value
        else:
            found[(obs.period, *labels)] = obs.value
    return found


def wrong_cells(book: Workbook, release: str) -> dict[str, list[Key]]:
    """Table key -> the cells read wrong or missing (or extra), against the derived values."""
    problems: dict[str, list[Key]] = {}
    for table in book.tables:
        want, got = expected(table.key, release), readings(table)
        bad = sorted((k for k in set(want) | set(got) if want.get(k) != got.get(k)), key=repr)
        if bad:
            problems[table.key] = bad[:10]
    return problems
