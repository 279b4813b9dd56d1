"""PostgreSQL stores what SQLite stores: whatever the web legally sends, through a real cycle over
the mirror into both databases.

The mirror serves the Sentencing Council feed and the ATLEU collection with what the issue found
PostgreSQL refusing (DataError, a dumped SQL statement, no source or source-run row): an ETag of
more than 1,024 characters, a Last-Modified of more than 100, a title of thousands of characters
(far past the ~690 a PostgreSQL index row holds), a URL of more than 2,048 characters and one of
1,500 (past the old 700), NUL and other control characters, a lone surrogate, and the
bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069). Each source succeeds: an
oversized validator or URL is dropped with a warning, text is cleaned and cut; nothing is stored
twice, the next run is clean, and no SQL reaches the report or the logs.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter

from mirror_fixture import FIXTURES, start_mirror
from reliability import diff, settings_for, snapshot
from sqlalchemy import select

from pipeline.cycle import run_cycle
from scrapers.records import MAX_ETAG_LENGTH, MAX_TITLE_LENGTH, MAX_URL_LENGTH
from store import models as m
from store.db import session_factory

SOURCES = ("sentencing_council", "atleu")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"
UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
SQL = re.compile(r"\[SQL:|\bINSERT INTO\b|\bSELECT\b.+\bFROM\b|\bUPDATE\b.+\bSET\b|\bON CONFLICT\b|parameters:|"
                 r"DataError|psycopg\.errors|sqlalche\.me", re.I | re.S)

LONG_ETAG = '"' + "e" * (MAX_ETAG_LENGTH + 76) + '"'
LONG_LAST_MODIFIED = "Thu, 10 Aug 2023 08:30:00 GMT" + " (and a comment the server appends)" * 4
LONG_TITLE = ("Modern slavery: a r\u00e9sum\u00e9 of sentencing \u2014 " + BIDI) * 60  # ~3,600 characters
SC_BASE = "https://www.sentencingcouncil.org.uk/news/item/"
URL_TOO_LONG = SC_BASE + "too-long-" + "a" * MAX_URL_LENGTH + "/"
URL_1500 = SC_BASE + "long-but-legal-" + "b" * (1500 - len(SC_BASE) - 16) + "/"
ATLEU_TITLE = "ATLEU\x00 wins\u202e a case\u2066 for\x07 workers\x1b\ud800 " + CONTROLS + BIDI


def rss_item(title: str, link: str, summary: str) -> str:
    return (f"<item><title><![CDATA[{title}]]></title><link>{link}</link>"
            "<pubDate>Thu, 05 Sep 2024 10:00:00 +0000</pubDate>"
            f"<description><![CDATA[{summary}]]></description></item>")


def legal_feed() -> str:
    """The recorded feed, with three items first: a huge title full of overrides, a URL longer than
    the store keeps, and a long URL the store keeps."""
    rss = (FIXTURES / "sentencing_council" / "feed" / "page-1.xml").read_text(encoding="utf-8")
    first = rss.index("<item>")
    items = (rss_item(LONG_TITLE, SC_BASE + "huge-title/", "Summary " + BIDI + " of the huge title")
             + rss_item("An item whose URL is too long to keep", URL_TOO_LONG, "never stored")
             + rss_item("An item with a long URL " + BIDI, URL_1500, "stored whole"))
    return rss[:first] + items + rss[first:]


def legal_atleu() -> str:
    """The recorded ATLEU page, its first item's title and excerpt full of control characters (JSON
    may carry any of them, a lone surrogate included) and a second item's title of thousands."""
    data = json.loads((FIXTURES / "atleu" / "cases-news.page-1.json").read_text(encoding="utf-8"))
    data["items"][0]["title"] = ATLEU_TITLE
    data["items"][0]["excerpt"] = "<p>Excerpt\x00 with a NUL\u202e and " + CONTROLS + "</p>"
    data["items"][1]["title"] = LONG_TITLE
    return json.dumps(data)  # ensure_ascii: "\u0000" and "\ud800" travel as JSON escapes


def serve_legal_input(mirror) -> None:  # type: ignore[no-untyped-def]
    headers = {"ETag": LONG_ETAG}
    mirror.put_response("/sentencing_council/feed/", legal_feed(), content_type="application/rss+xml; charset=UTF-8",
                        headers=headers, last_modified=LONG_LAST_MODIFIED)
    mirror.put_response("/atleu/cases-news?format=json", legal_atleu(), content_type="application/json",
                        headers=headers, last_modified=LONG_LAST_MODIFIED)


def stored_texts(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Every title, summary and URL stored for the two sources."""
    with session_factory(engine)() as s:
        rows = s.execute(select(m.Publication.title, m.Publication.summary, m.Publication.url).join(m.Source)
                         .where(m.Source.name.in_(SOURCES))).all()
    return [text for row in rows for text in row if text]


def test_what_the_web_legally_sends_is_stored_alike_in_both_databases(engine, db_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with start_mirror() as mirror:
        serve_legal_input(mirror)
        settings = settings_for(mirror, db_url, tmp_path / "var")
        first = run_cycle(settings, engine, list(SOURCES))
        after_first = snapshot(engine, SOURCES)
        second = run_cycle(settings, engine, list(SOURCES))

    for report in (first, second):
        for source in report.sources:
            assert source.status == "ok", f"{source.name}: {source.error}"
        assert not report.publish_failed, report.warnings
        printed = "\n".join([report.to_text(), report.to_json(), *(w for s in report.sources for w in s.warnings)])
        assert not SQL.search(printed), f"SQL in the report:\n{printed}"
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("sqlalchemy"))
    assert not SQL.search(logged), f"SQL in the logs:\n{logged[:3000]}"

    warnings = {s.name: " | ".join(s.warnings) for s in first.sources}
    for name in SOURCES:
        assert f"an ETag of {len(LONG_ETAG):,} characters" in warnings[name], warnings[name]
        assert f"a Last-Modified of {len(LONG_LAST_MODIFIED):,} characters" in warnings[name], warnings[name]
    assert f"a URL of {len(URL_TOO_LONG):,} characters" in warnings["sentencing_council"], warnings

    texts = stored_texts(engine)
    assert not [t for t in texts if UNWANTED.search(t)], "control or override characters were stored"
    with session_factory(engine)() as s:
        titles = s.execute(select(m.Publication.title)).scalars().all()
        urls = set(s.execute(select(m.Publication.url)).scalars())
        runs = Counter(s.execute(select(m.SourceRun.source, m.SourceRun.status)).all())
    huge = [t for t in titles if t.startswith("Modern slavery: a r\u00e9sum\u00e9")]
    assert len(huge) == 2 and all(len(t) <= MAX_TITLE_LENGTH and t.endswith("\u2026") for t in huge), huge
    assert "ATLEU wins a case for workers" in " ".join(titles), titles
    assert URL_1500 in urls and not any(u.startswith(SC_BASE + "too-long-") for u in urls)
    assert runs == Counter({(name, "ok"): 2 for name in SOURCES}), runs  # each run recorded, both ok

    # the second run was clean: nothing new, nothing amended, nothing stored twice
    assert [(s.new, s.amended) for s in second.sources] == [(0, 0)] * len(SOURCES), \
        [(s.name, s.new, s.amended, s.amended_items) for s in second.sources]
    problem = diff(snapshot(engine, SOURCES), after_first)
    assert not problem, problem
    assert first.sources[0].new > 0 and first.sources[1].new > 0

    # and what was published carries none of it either
    feed = (settings.public_dir / "feeds" / "all.rss.xml").read_text(encoding="utf-8")
    assert "Modern slavery: a r\u00e9sum\u00e9" in feed and not UNWANTED.search(feed)
