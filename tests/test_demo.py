"""`msbrief demo`, as a new user runs it: the whole pipeline offline, then a second cycle."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import feedparser
import pytest
from feed_checks import feed_problems

from feeds.syndication import entry_count
from vocabulary.metrics import METRICS
from vocabulary.weeks import week_bounds

pytestmark = pytest.mark.slow
MSBRIEF = Path(sys.executable).parent / "msbrief"
CONTRACT_KEYS = {"name", "status", "requests", "not_modified", "bytes", "new", "amended", "figures", "error"}


def demo(cwd: Path, *args: str, **settings: str) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSBRIEF_", "PREFECT_API_URL", "PREFECT_HOME"))}
    done = subprocess.run([str(MSBRIEF), "demo", "--json", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**env, **settings})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(done.stdout), done.stderr


def test_the_demo_never_touches_the_configured_database_or_output_folder(tmp_path):
    """A demo on a production machine: MSBRIEF_DATABASE_URL and MSBRIEF_OUTPUT_DIR (environment and
    .env) name the real ones; the demo uses its own under ./var/demo and says so in one line."""
    production = tmp_path / "production"
    production.mkdir()
    db = sqlite3.connect(production / "msbrief.db")
    db.execute("create table sentinel (x)")
    db.commit()
    db.close()
    (production / "public").mkdir()
    (production / "public" / "index.html").write_text("the live site\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in production.rglob("*") if p.is_file()}
    (tmp_path / ".env").write_text(f"MSBRIEF_DATABASE_URL=sqlite:///{tmp_path / 'dotenv.db'}\n"
                                   f"MSBRIEF_OUTPUT_DIR={tmp_path / 'dotenv'}\n"
                                   "MSBRIEF_SITE_URL=https://production.your-organisation.org.uk/\n", encoding="utf-8")
    report, err = demo(tmp_path, MSBRIEF_DATABASE_URL=f"sqlite:///{production / 'msbrief.db'}",
                       MSBRIEF_OUTPUT_DIR=str(production))
    assert all(s["status"] == "ok" for s in report["sources"])
    assert {p: p.read_bytes() for p in production.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "dotenv.db").exists() and not (tmp_path / "dotenv").exists()
    assert (tmp_path / "var" / "demo" / "msbrief.db").is_file()
    assert (tmp_path / "var" / "demo" / "public" / "index.html").is_file()
    said = [line for line in err.splitlines() if line.startswith("demo: ")]
    assert said == ["demo: its own database sqlite:///var/demo/msbrief.db and output folder var/demo/ "
                    "(the configured MSBRIEF_DATABASE_URL and MSBRIEF_OUTPUT_DIR, and .env, are not used)"], err
    index = (tmp_path / "var" / "demo" / "public" / "index.html").read_text(encoding="utf-8")
    assert "production.your-organisation.org.uk" not in index  # nothing of .env
    # --database and --output name others
    elsewhere = tmp_path / "elsewhere"
    demo(tmp_path, "--database", f"sqlite:///{elsewhere / 'demo.db'}", "--output", str(elsewhere))
    assert (elsewhere / "demo.db").is_file() and (elsewhere / "public" / "index.html").is_file()
    assert {p: p.read_bytes() for p in production.rglob("*") if p.is_file()} == before
    # a new user's next command, on the default database, is told where the demo's is
    (tmp_path / ".env").unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSBRIEF_", "PREFECT_API_URL"))}
    done = subprocess.run([str(MSBRIEF), "feeds", "build"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 2 and "the demo's own database is sqlite:///var/demo/msbrief.db" in done.stderr


def test_demo_twice_is_a_full_cycle_then_a_cycle_of_304s(tmp_path):
    first, err1 = demo(tmp_path)
    assert {s["name"] for s in first["sources"]} == {"govuk_nrm", "sentencing_council", "iasc", "atleu",
                                                       "govuk_guidance", "parliament", "nca", "glaa"}
    for s in first["sources"]:
        assert set(s) == CONTRACT_KEYS
        assert s["status"] == "ok" and s["new"] > 0 and s["error"] is None, s
    assert next(s for s in first["sources"] if s["name"] == "govuk_nrm")["figures"] > 100
    public = tmp_path / "var" / "demo" / "public"
    assert (public / "index.html").is_file()
    assert len(list((public / "feeds").glob("*.xml"))) >= 12
    assert {Path(p).name for p in first["feeds"]} >= {"all.rss.xml", "all.atom.xml", "index.html"}
    outbox = tmp_path / "var" / "demo" / "outbox"
    assert list(outbox.glob("*.eml")) and list(outbox.glob("*.html"))
    # the release-day message of the latest release with figures, written (never sent): email and webhook text
    release_day = outbox / "release"
    assert {p.name for p in release_day.iterdir()} == {"2023-Q4.eml", "2023-Q4.html", "2023-Q4.webhook.md"}
    alert = BytesParser(policy=policy.default).parse((release_day / "2023-Q4.eml").open("rb"))
    assert alert["Subject"] == "New NRM statistics: October to December 2023"
    assert "Referrals to the NRM: 4,142" in alert.get_body(("plain",)).get_content()
    assert "- Referrals to the NRM: **4,142**" in (release_day / "2023-Q4.webhook.md").read_text(encoding="utf-8")
    feeds_before = {p: p.read_bytes() for p in (public / "feeds").glob("*.xml")}
    # the three sources of issue 28 are stored and published, and their feeds validate like the others
    for name in ("parliament", "nca", "glaa"):
        for fmt in ("rss", "atom"):
            data = (public / "feeds" / f"source-{name}.{fmt}.xml").read_bytes()
            assert feed_problems(data) == [] and entry_count(data) > 0, (name, fmt, feed_problems(data))
    assert all(feed_problems(data) == [] for data in feeds_before.values())
    # the briefing's "In Parliament": the latest answer on record, one question through its whole life
    (eml,) = outbox.glob("*.eml")
    text = " ".join(BytesParser(policy=policy.default).parse(eml.open("rb")).get_body(("plain",)).get_content().split())
    assert ("* Human Trafficking (question 112857) Asked by Jim Shannon (Democratic Unionist Party, Strangford)"
            in text), text
    assert ("tabled on 2 February 2026; holding answer on 5 February 2026; answered on 10 February 2026 after a "
            "holding answer; answer corrected on 17 February 2026") in text
    assert text.count("question 112857") == 1
    assert "Contains Parliamentary information licensed under the Open Parliament Licence v3.0." in (
        public / "index.html").read_text(encoding="utf-8")

    second, err2 = demo(tmp_path)
    for s in second["sources"]:
        assert s["status"] == "ok" and s["new"] == s["amended"] == s["figures"] == 0, s
        assert s["requests"] == s["not_modified"] > 0 and s["bytes"] == 0, s
    assert {p: p.read_bytes() for p in (public / "feeds").glob("*.xml")} == feeds_before

    for err in (err1, err2):
        assert "Traceback" not in err, err[-5000:]
        assert "database is locked" not in err, err[-5000:]


# What operators read and subscribers must not: the extractor's notes, the store's vocabulary.
OPERATOR_NOTES = ("no HTML bulletin attached", "no figures extracted", "held back", "Consistency checks",
                  "Date not given by the source; first seen")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def readable(text: str) -> str:
    """The words a reader sees: link targets, ids and the feeds' category terms left out."""
    text = re.sub(r"(?:href|src|id|term|scheme|rel)=\"[^\"]*\"", "", text)
    text = re.sub(r"https?://\S+|urn:uuid:\S+|cid:\S+", "", text)
    return re.sub(r"<category[^>]*>[^<]*</category>", "", text)


def test_the_demo_shows_readers_plain_words_true_dates_and_only_news_within_the_window(tmp_path):
    report, _ = demo(tmp_path)
    var = tmp_path / "var" / "demo"
    (eml,) = (var / "outbox").glob("*.eml")
    msg = BytesParser(policy=policy.default).parse(eml.open("rb"))
    text = msg.get_body(("plain",)).get_content()
    html = (var / "outbox" / f"{eml.stem}.html").read_text(encoding="utf-8")
    page = (var / "public" / "index.html").read_text(encoding="utf-8")
    feeds = {p.name: p.read_text(encoding="utf-8") for p in (var / "public" / "feeds").glob("*.xml")}
    archive = {p.name: p.read_text(encoding="utf-8") for p in (var / "public" / "briefings").glob("*.html")}
    assert archive and f"{eml.stem}.html" in archive and f"briefings/{eml.stem}.html" in page

    # no metric name and no operator note reaches the email, the page or a feed
    for name, body in {"text": text, "html": html, "index.html": page, **feeds, **archive}.items():
        words = readable(body)
        assert not [w for w in SNAKE.findall(words) if w in METRICS or w.endswith(("_pct", "_count"))], name
        assert not [n for n in OPERATOR_NOTES if n in body], name
    # the latest release with figures is 2023-Q4's, from its data tables: they revise the earlier bulletins
    assert "was revised from 4,138 to 4,131" in text.replace("\n", " ") and "was revised from 4,138 to 4,131" in page
    assert "Figures will follow when the bulletin is published." in feeds["statistics.atom.xml"]
    assert ("The April to June 2024 release (8 August 2024) has no bulletin yet; latest figures from October to "
            "December 2023.") in text.replace("\n", " ")

    # unsubscribe with no contact address set: the demo's own on this machine (no example address)
    assert msg["List-Unsubscribe"].strip() == "<mailto:msbrief-demo@localhost?subject=unsubscribe>"
    assert "To unsubscribe, email msbrief-demo@localhost" in text and "To unsubscribe, email" in html
    assert msg["From"] == "msbrief <msbrief-demo@localhost>"

    # the first run's briefing: only items published inside the window count as new
    start, _ = week_bounds(eml.stem)
    window = start - timedelta(weeks=4)
    db = sqlite3.connect(var / "msbrief.db")
    rows = db.execute("select title, published, date_estimated from publications").fetchall()
    inside = [t for t, p, undated in rows if not undated and datetime.fromisoformat(p).replace(tzinfo=UTC) >= window]
    listed = re.findall(r"^\* (?:\[AMENDED\] )?(.+)$", text.split("NEW AND AMENDED PUBLICATIONS", 1)[1].split("COMING UP")[0], re.M)
    assert all(any(t.startswith(line[:40]) for t in inside) for line in listed), (listed, inside)
    archived = len(rows) - len(inside)
    assert f"{archived} earlier publications found this week were added to the archive" in text.replace("\n", " ")

    # the guidance feed: one entry per change, saying what changed in GOV.UK's words
    guidance = feedparser.parse(feeds["guidance.atom.xml"])
    assert any(" \u2014 updated 1 October 2024: Added a new page" in e.title for e in guidance.entries)
    assert "GUIDANCE AND POLICY CHANGES" in text

    # after the backfill no undated item tops a feed or claims a publication date (Atom has no
    # <published> for it); it is dated when msbrief first found it (RSS <pubDate>), marked undated
    undated = {t for t, _, flag in rows if flag}
    assert undated  # the IASC gives no dates for most of its items
    assert "IASC Bulletin (May 2024)" not in undated  # dated by its title's month
    first_found = {t: datetime.fromisoformat(p).replace(tzinfo=UTC) for t, p, flag in rows if flag}
    for name, body in feeds.items():
        parsed = feedparser.parse(body)
        if parsed.entries:
            assert parsed.entries[0].title not in undated, name
        for e in parsed.entries:
            if e.title in undated:
                assert "The source gives no date for this item; msbrief first found it on" in e.summary, name
                if name.endswith(".atom.xml"):
                    assert "published_parsed" not in e, (name, e.title)
                else:
                    assert e.published_parsed[:3] == first_found[e.title].timetuple()[:3], (name, e.title)
    # the briefings feed lists the archive, with real dates
    briefings = feedparser.parse(feeds["briefings.atom.xml"])
    assert [e.link.rsplit("/", 1)[1] for e in briefings.entries] == [f"{eml.stem}.html"]
    assert briefings.feed.updated_parsed[:3] == datetime.fromisoformat(
        start.isoformat()).astimezone(UTC).timetuple()[:3] and briefings.feed.updated_parsed.tm_year > 2000
