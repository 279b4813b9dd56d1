"""One SQLAlchemy engine per process for the flows, built from settings and migrated once."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine

from flows.settings import get_settings
from store.db import make_engine, upgrade


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def get_engine() -> Engine:
    """The engine for settings.database_url, its schema brought up to date on first use."""
    return _engine(get_settings().database_url)
