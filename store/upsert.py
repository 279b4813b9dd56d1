"""Dialect-aware INSERT ... ON CONFLICT, the building block of every idempotent write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (`Session.execute` is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def insert_ignore(session: Session, table: Table, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; the new id, or None."""
    stmt = _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return session.execute(stmt.returning(table.c.id)).scalar_one_or_none()


def _insert(session: Session, table: Table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database dialect {name!r} is not supported (expected sqlite or postgresql)")


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]], *, conflict: Sequence[str],
                returning: Sequence[str] = ()) -> list[Any]:
    """Insert `rows` in one statement per page (multi-row VALUES), skipping those whose `conflict`
    columns exist already; the `returning` columns of the rows inserted (in no particular order)."""
    if not rows:
        return []
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        return list(session.execute(stmt.returning(*(table.c[c] for c in returning)), list(rows)))
    session.execute(stmt, list(rows))
    return []


def upsert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]], *, conflict: Sequence[str],
                update: Sequence[str]) -> None:
    """Insert `rows`, or set the `update` columns of the rows that exist (one executemany).

    Every row must carry every column it means: ON CONFLICT applies no `onupdate` default.
    """
    if not rows:
        return
    ins = _insert(session, table)
    stmt = ins.on_conflict_do_update(index_elements=list(conflict), set_={c: getattr(ins.excluded, c) for c in update})
    session.execute(stmt, list(rows))


def update_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Set columns of existing rows by id: one executemany per set of columns (each row: 'id' and the values)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, group in by_columns.items():
        if not columns:
            continue
        stmt = table.update().where(table.c.id == bindparam("row_id")).values({c: bindparam(c) for c in columns})
        session.execute(stmt, [{"row_id": r["id"], **{c: r[c] for c in columns}} for r in group])
