"""What an operator reads in a run's log names what really happened: the URL actually fetched (the
mirror's, when a source is pointed at it), never the live site's address it stands for."""

from __future__ import annotations

import logging
import re

from mirror_fixture import start_mirror
from reliability import cycle, settings_for

from pipeline.sources import SOURCES
from store.db import upgrade

URL = re.compile(r"https?://[^\s'\"),]+")


def test_log_lines_name_the_url_fetched_not_the_live_site(engine, db_url, tmp_path, caplog):
    upgrade(engine)
    caplog.set_level(logging.INFO, logger="scrapers")
    caplog.set_level(logging.INFO, logger="pipeline")
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path / "var", read_timeout=10)
        cycle(settings, engine)
        cycle(settings, engine)  # the second cycle: 'not modified' lines, the absent pages again
        mirror_host = mirror.url_for("atleu").split("/")[2]
    named = [(r.name, URL.findall(r.getMessage())) for r in caplog.records if r.name.startswith(("scrapers", "pipeline"))]
    urls = [u for _, found in named for u in found]
    assert any("not modified" in r.getMessage() for r in caplog.records), "no 'not modified' line: the check proves little"
    assert len(urls) >= len(SOURCES), urls
    elsewhere = sorted({(name, u) for name, found in named for u in found if u.split("/")[2] != mirror_host})
    assert not elsewhere, elsewhere
