"""Statistics releases and their figures, stored in batches (one source's releases at a time).

Every release's statement of a figure is kept (a later release restating an earlier period is a
statement of its own, so revisions show). A figure a check withheld is stored with its reason and
never reaches readers (store/queries.py reads published figures only); when a later run finds it
consistent, it is published. A statement corrected in place keeps its old value in `history`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.records import Figure, Release
from store import models as m
from store import tables
from store.models import now
from store.publications import Outcome, Saved
from store.upsert import insert_many, update_many

_RELEASE = (m.StatisticsRelease.id, m.StatisticsRelease.period, m.StatisticsRelease.title,
            m.StatisticsRelease.updated, m.StatisticsRelease.change_notes)
_FIGURE = (m.Figure.id, m.Figure.release_id, m.Figure.period, m.Figure.metric, m.Figure.value, m.Figure.evidence,
           m.Figure.history, m.Figure.withheld_reason)


def save(session: Session, releases: Sequence[Release], *, publication_ids: dict[str, int]
         ) -> tuple[list[Saved], int]:
    """Store `releases` (normalised) and their figures; (what happened to each, new figure statements).

    `publication_ids` maps a release's page URL (as given) to its stored publication.
    """
    if not releases:
        return [], 0
    at = now()
    stored = {row.period: row for row in session.execute(
        select(*_RELEASE).where(m.StatisticsRelease.period.in_({r.period for r in releases})))}
    fresh = [release_row(r, publication_ids, at) for r in releases if r.period not in stored]
    ids = {period: rid for rid, period in insert_many(session, m.StatisticsRelease.__table__, fresh,
                                                      conflict=("period",), returning=("id", "period"))}
    updates, saved = [], []
    for rel in releases:
        if rel.period in ids:
            saved.append(Saved(ids[rel.period], "new"))
            continue
        row = stored.get(rel.period) or session.execute(  # inserted meanwhile by another writer
            select(*_RELEASE).where(m.StatisticsRelease.period == rel.period)).one()
        ids[rel.period] = row.id
        notes = [list(c) for c in rel.change_notes]
        outcome: Outcome = "amended" if (rel.title != row.title or rel.updated != row.updated
                                         or notes != row.change_notes) else "unchanged"
        values: dict[str, Any] = {"id": row.id, "title": rel.title, "page_url": rel.page_url,
                                  "warnings": list(rel.warnings), "change_notes": notes, "last_seen": at}
        if rel.table_checks or rel.workbooks:  # no workbook read this time: the stored checks stand
            values["table_checks"] = check_rows(rel)
        values.update({k: v for k, v in (("bulletin_url", rel.bulletin_url), ("published", rel.published),
                                         ("updated", rel.updated),
                                         ("publication_id", publication_ids.get(rel.page_url))) if v})
        updates.append(values)
        saved.append(Saved(row.id, outcome))
    update_many(session, m.StatisticsRelease.__table__, updates)
    new_figures = _save_figures(session, releases, ids, at)
    tables.save(session, releases, ids)
    return saved, new_figures


def release_row(rel: Release, publication_ids: dict[str, int], at: Any) -> dict[str, Any]:
    """The statistics_releases row of a release first seen `at`."""
    return {"publication_id": publication_ids.get(rel.page_url), "period": rel.period, "title": rel.title,
            "page_url": rel.page_url, "bulletin_url": rel.bulletin_url, "published": rel.published,
            "updated": rel.updated, "warnings": list(rel.warnings), "change_notes": [list(c) for c in rel.change_notes],
            "table_checks": check_rows(rel), "first_seen": at, "last_seen": at}


def check_rows(rel: Release) -> list[dict[str, Any]]:
    """The release's table checks as stored (JSON objects)."""
    return [asdict(c) for c in rel.table_checks]


def statements(rel: Release) -> list[tuple[Figure, str | None]]:
    """Every figure the release states: the published ones, then those withheld (with why)."""
    return [(f, None) for f in rel.figures] + [(w.figure, w.reason) for w in rel.withheld]


def figure_row(fig: Figure, *, release_id: int, source_url: str, withheld: str | None, at: Any) -> dict[str, Any]:
    """The figures row of one statement of a figure in release `release_id` (withheld: why, or None)."""
    return {"release_id": release_id, "period": fig.period, "metric": fig.metric, "value": fig.value,
            "value_num": _number(fig.value), "unit": fig.unit, "evidence": fig.evidence,
            "source_url": source_url, "first_seen": at, "history": [], "withheld_reason": withheld}


def _save_figures(session: Session, releases: Sequence[Release], ids: dict[str, int], at: Any) -> int:
    """Insert new statements, update changed ones; the number of new statements."""
    stored = {(row.release_id, row.period, row.metric): row for row in session.execute(
        select(*_FIGURE).where(m.Figure.release_id.in_(set(ids.values()))))}
    fresh, updates, done = [], [], set()
    for rel in releases:
        release_id, source_url = ids[rel.period], rel.bulletin_url or rel.page_url
        for fig, withheld in statements(rel):
            key = (release_id, fig.period, fig.metric)
            if key in done:  # the first statement of a figure in a release is the one kept
                continue
            done.add(key)
            row = stored.get(key)
            if row is None:
                fresh.append(figure_row(fig, release_id=release_id, source_url=source_url, withheld=withheld, at=at))
            elif (row.value != fig.value or row.evidence != fig.evidence
                                      or row.withheld_reason != withheld):
                values: dict[str, Any] = {"id": row.id, "withheld_reason": withheld}
                if row.value != fig.value or row.evidence != fig.evidence:
                    values.update(value=fig.value, value_num=_number(fig.value), unit=fig.unit, evidence=fig.evidence,
                                  history=[*row.history, {"value": row.value, "evidence": row.evidence,
                                                          "replaced_at": at.isoformat()}])
                updates.append(values)
    insert_many(session, m.Figure.__table__, fresh, conflict=("release_id", "period", "metric"))
    update_many(session, m.Figure.__table__, updates)
    return len(fresh)


def _number(value: Any) -> float | None:
    """A numeric copy for sorting and charting; None for a number no float holds (the value stays exact)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int of more than 308 digits (withheld, kept exactly in `value`)
        return None
    return number if math.isfinite(number) else None
