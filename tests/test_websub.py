"""Push: after a publish that changed feeds, msbrief notifies the WebSub hub (a real HTTP server on
loopback here) once per changed feed, and never when nothing changed; a hub that is down is one
warning within the timeout and the feeds stay published. The pages from the store (the briefing
archive, the release pages) link every format of their feeds. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from mirror_fixture import start_mirror
from test_jsonfeed import BRIEFINGS_FEED, STATISTICS_FEED, alternates
from test_publish_changes import NOW, archive, store

from pipeline import ingest
from pipeline.settings import Settings
from pipeline.site import publish_changes, publish_site
from tests.test_nrm_tables_store import settings_for as tables_settings
from vocabulary.weeks import format_week

SITE = "https://msbrief.example.org/"


@contextmanager
def hub() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """A WebSub hub on a free loopback port: its URL and the form bodies POSTed to it."""
    received: list[dict[str, list[str]]] = []

    class Hub(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
            received.append(parse_qs(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hub", received
    finally:
        server.shutdown()
        server.server_close()


def settings_for(db_url: str, tmp_path: Path, hub_url: str, **more: object) -> Settings:
    return Settings(database_url=db_url, output_dir=tmp_path / "var", site_url=SITE, websub_hub=hub_url, **more)


def test_the_hub_hears_of_each_changed_feed_once(engine, db_url, tmp_path):
    archive(engine, range(1, 4))
    with hub() as (url, received):
        settings = settings_for(db_url, tmp_path, url)
        first = publish_site(settings, engine)
        feeds = sorted(SITE + p for p in first.written if p.startswith("feeds/"))
        assert sorted(r["hub.url"][0] for r in received) == feeds == sorted(first.pushed)  # every feed is new
        assert len(feeds) == 21  # 7 feeds (everything, 4 kinds, 2 sources) in 3 formats
        assert all(r["hub.mode"] == ["publish"] for r in received)
        received.clear()
        store(engine, "atleu", 500, seen_at=NOW)
        result = publish_changes(settings, engine)
        topics = sorted(r["hub.url"][0] for r in received)
        # the briefings feed too: its entry for the week in progress counts the week's publications so far
        assert topics == sorted(f"{SITE}feeds/{slug}.{fmt}" for slug in ("all", "source-atleu", "briefings")
                                for fmt in ("rss.xml", "atom.xml", "feed.json"))
        assert sorted(result.pushed) == topics
        received.clear()
        publish_changes(settings, engine)  # nothing changed: nothing pushed
        assert received == []
    week = Path(settings.public_dir) / "briefings" / f"{format_week(NOW.date())}.html"
    assert alternates(week.read_bytes()) == BRIEFINGS_FEED  # an archive page links its feed in every format
    feed = (Path(settings.public_dir) / "feeds" / "all.atom.xml").read_text()
    assert f'<link href="{url}" rel="hub"/>' in feed


def test_a_hub_that_is_down_is_one_warning_and_the_feeds_are_published(engine, db_url, tmp_path, caplog):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    archive(engine, range(1, 3))
    settings = settings_for(db_url, tmp_path, f"http://127.0.0.1:{port}/hub", websub_timeout=5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="pipeline.site"):
        result = publish_changes(settings, engine, best_effort=True)
    assert time.monotonic() - started < 60  # bounded: the first failure stops the rest
    assert not result.failed and result.written and result.pushed == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "MSBRIEF_WEBSUB_HUB" in warnings[0] and f"127.0.0.1:{port}" in warnings[0]
    assert (Path(settings.public_dir) / "feeds" / "all.feed.json").is_file()


def test_release_pages_link_the_statistics_feed_in_every_format(engine, db_url, tmp_path):
    with start_mirror() as mirror:
        settings = tables_settings(mirror, db_url, tmp_path)
        report = ingest.store(engine, None, ingest.fetch(settings, engine, "govuk_nrm"))
        assert report.status == "ok", report.error
    publish_site(settings, engine)
    site = settings.site_url.rstrip("/") + "/"
    page = (Path(settings.public_dir) / "releases" / "2023-Q4.html").read_bytes()
    assert alternates(page) == {(kind, u.replace(SITE, site)) for kind, u in STATISTICS_FEED}
