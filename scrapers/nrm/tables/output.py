"""A workbook as `msbrief figures extract WORKBOOK --format json|table` shows it."""

from __future__ import annotations

from typing import Any

from scrapers.records import Observation, Workbook


def observation_json(obs: Observation) -> dict[str, Any]:
    """{"period"?, "dimensions": {heading: label}, "value", "code", "cell"} ("markers" when it has some);
    a table not by period has no "period"."""
    found: dict[str, Any] = {"period": obs.period} if obs.period else {}
    found.update(dimensions=dict(obs.dimensions), value=obs.value, code=obs.code, cell=obs.cell)
    if obs.markers:
        found["markers"] = obs.markers
    return found


def workbook_json(book: Workbook) -> dict[str, Any]:
    """{"tables": [{"title", "sheet", "observations": [...]}], "warnings": [...]}."""
    return {
        "tables": [{"title": t.title, "sheet": t.sheet, "observations": [observation_json(o) for o in t.observations]}
                   for t in book.tables],
        "warnings": list(book.warnings),
    }


def _shown(obs: Observation) -> str:
    if obs.value is None:
        text = f"[{obs.code}]"
    elif isinstance(obs.value, int):
        text = f"{obs.value:,}"
    else:
        text = f"{obs.value:,}"
    return text + (f" [{obs.markers}]" if obs.markers else "")


def workbook_text(book: Workbook) -> str:
    """The same for people: per table its title and sheet, then one observation a line."""
    lines = [f"{book.format.upper()} workbook, {len(book.tables)} tables", ""]
    for table in book.tables:
        lines.append(f"{table.title} ({table.sheet}): {len(table.observations):,} observations")
        for obs in table.observations:
            dims = "; ".join(f"{h}: {x}" for h, x in obs.dimensions) or "-"
            lines.append(f"  {obs.cell:<8} {obs.period or '':<10} {_shown(obs):>12}  {dims}")
        lines.append("")
    lines += [f"warning: {w}" for w in book.warnings]
    return "\n".join(lines).rstrip() + "\n"
