"""Rebuild the feeds and the index page from the store (no Prefect: `msbrief feeds build` uses it too)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from feeds.build import build_site
from feeds.publish import atomic_write, write_site
from flows.engine import get_engine
from flows.settings import Settings, get_settings
from flows.site_data import load_site_data
from store import queries
from store.db import session_factory

log = logging.getLogger("flows.site_build")
MARKER = ".published"  # in the output dir (not public/): the store fingerprint of the last build


def build_and_write(*, force: bool = True, settings: Settings | None = None, engine: Engine | None = None) -> list[str]:
    """Render every feed and the index page; write the changed files atomically; the paths.

    Without `force`, a store whose fingerprint has not moved since the last complete build is not
    read or rendered again (the steady-state cycle's cost would otherwise grow with the archive).
    """
    settings = settings or get_settings()
    engine = engine or get_engine()
    public = Path(settings.public_dir)
    with session_factory(engine)() as s:
        fingerprint = queries.change_fingerprint(s)
    marker = Path(settings.output_dir) / MARKER
    if not force and (public / "index.html").is_file() and marker.is_file() \
            and marker.read_text(encoding="utf-8") == fingerprint:
        log.info("nothing changed in the store since the last build: feeds left as they are")
        return sorted(str(p) for p in [*(public / "feeds").glob("*.xml"), public / "index.html"])
    files = build_site(load_site_data(engine), site_url=settings.site_url,
                       max_entries=settings.feed_max_entries)
    write_site(public, files)
    atomic_write(marker, fingerprint.encode("utf-8"))  # only after every file is in place
    return sorted(str(public / name) for name in files)
