"""One SQLAlchemy engine per process, built from settings and migrated once."""

from __future__ import annotations

from functools import lru_cache

from pipeline.settings import get_settings
from store.db import Engine, open_database


@lru_cache(maxsize=4)
def _engine(url: str, create: bool) -> Engine:
    return open_database(url, create=create)


def get_engine(*, create: bool = True) -> Engine:
    """The engine for settings.database_url, its schema brought up to date on first use; with
    create=False a database that does not exist yet is refused (store.db.DatabaseSetupError)."""
    return _engine(get_settings().database_url, create)
