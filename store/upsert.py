"""Dialect-aware INSERT ... ON CONFLICT, the building block of every idempotent write."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; the new id, or None."""
    stmt = _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return session.execute(stmt.returning(table.c.id)).scalar_one_or_none()


def insert_or_update(
    session: Session, table: Table, values: dict[str, Any], conflict: Sequence[str], update: Sequence[str]
) -> int:
    """Insert a row, or update the `update` columns of the existing one; its id.

    ON CONFLICT does not apply column `onupdate` defaults, so callers pass every column they mean.
    """
    ins = _insert(session, table).values(**values)
    stmt = ins.on_conflict_do_update(
        index_elements=list(conflict), set_={c: getattr(ins.excluded, c) for c in update}
    )
    return session.execute(stmt.returning(table.c.id)).scalar_one()


def _insert(session: Session, table: Table):  # type: ignore[no-untyped-def]
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database dialect {name!r} is not supported (expected sqlite or postgresql)")
