"""`msbrief feeds build` on a real store (SQLite and PostgreSQL): every feed and the index page."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import feedparser
import pytest
from feed_checks import feed_problems
from feed_samples import T0, expected_figures

from commands import main as cli
from pipeline.settings import get_settings
from scrapers import records
from scrapers.normalise import normalise_publication
from store import repo
from store.db import transaction

SITE = "https://briefing.example.org/msbrief/"
ROOT = Path(__file__).resolve().parent.parent


def populate(engine) -> None:
    """Three sources, an NRM release linked to its publication, and an earlier release for the series."""
    with transaction(engine) as s:
        for name, title in (("govuk_nrm", "GOV.UK: Home Office NRM statistics"), ("iasc", "Independent Anti-Slavery Commissioner"),
                            ("atleu", "ATLEU")):
            repo.ensure_source(s, name, title=title, home_url=f"https://{name}.example.org/")
        for n, (source, topics) in enumerate((("iasc", ("modern slavery",)), ("atleu", ("human trafficking",)),
                                              ("atleu", ()), ("iasc", ("modern slavery", "legal aid")))):
            repo.upsert_publication(s, normalise_publication(records.Publication(
                source=source, url=f"https://{source}.example.org/news/{n}", title=f"{source} story {n}", kind="news",
                published=T0 - timedelta(days=n), summary=f"<p>Story {n}</p>", topics=topics)), seen_at=T0)
        for name in ("2023-Q1", "2023-Q2"):
            period, figures, url = expected_figures(name)
            pub = repo.upsert_publication(s, normalise_publication(records.Publication(
                source="govuk_nrm", url=url, title=f"NRM statistics {period}", kind="statistics",
                published=T0 - timedelta(days=90 if period == "2023-Q1" else 0), topics=("modern slavery", "statistics"))),
                seen_at=T0)
            repo.upsert_release(s, records.Release(period=period, title=f"NRM statistics {period}", page_url=url,
                                                   bulletin_url=url, published=T0 - timedelta(days=90 if period == "2023-Q1" else 0),
                                                   updated=None, figures=tuple(figures)), publication_id=pub.id)


@pytest.fixture
def configured(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("MSBRIEF_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MSBRIEF_OUTPUT_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MSBRIEF_SITE_URL", SITE)
    monkeypatch.setenv("MSBRIEF_FEED_MAX_ENTRIES", "3")
    get_settings.cache_clear()
    yield tmp_path / "var" / "public"
    get_settings.cache_clear()


def test_feeds_build_rebuilds_everything_from_the_database(engine, configured, capsys):
    populate(engine)
    assert cli.main(["feeds", "build"]) == 0
    public = configured
    feeds = sorted(p.relative_to(public).as_posix() for p in (public / "feeds").glob("*.xml"))
    assert feeds == sorted(f"feeds/{slug}.{fmt}.xml" for fmt in ("rss", "atom") for slug in
                           ("all", "statistics", "topic-modern-slavery", "guidance", "briefings", "source-govuk_nrm",
                            "source-iasc", "source-atleu"))
    for path in feeds:
        assert feed_problems((public / path).read_bytes(), self_url=SITE + path) == [], path
    everything = feedparser.parse((public / "feeds/all.atom.xml").read_bytes())
    assert len(everything.entries) == 3  # MSBRIEF_FEED_MAX_ENTRIES
    stats = feedparser.parse((public / "feeds/statistics.rss.xml").read_bytes())
    assert [e.title for e in stats.entries] == ["NRM statistics 2023-Q2", "NRM statistics 2023-Q1"]
    assert "Between April and June 2023, 3,998 potential victims of modern slavery were referred to the NRM" in stats.entries[0].summary
    page = (public / "index.html").read_text(encoding="utf-8")
    assert 'id="bar-2023-Q1"' in page and 'id="bar-2023-Q2"' in page  # the series, derived from the releases
    assert "Independent Anti-Slavery Commissioner" in page and "iasc story 3" in page
    assert str(public / "index.html") in capsys.readouterr().out

    mtimes = {p: p.stat().st_mtime_ns for p in public.rglob("*") if p.is_file()}
    before = {p: p.read_bytes() for p in mtimes}
    assert cli.main(["feeds", "build"]) == 0  # a second build from the same data: same bytes, nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert {p: p.read_bytes() for p in mtimes} == before


def test_the_publish_step_skips_an_unchanged_store_and_rebuilds_a_changed_one(tmp_path, monkeypatch):
    from datetime import datetime

    from pipeline.engine import get_engine
    from pipeline.settings import get_settings
    from pipeline.site import publish_site
    from scrapers.records import Publication
    from store import repo
    from store.db import transaction

    monkeypatch.setenv("MSBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MSBRIEF_OUTPUT_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        pub = Publication(source="atleu", url="https://atleu.org.uk/news/2024/1/19/a", title="First story",
                          kind="news", published=datetime(2024, 1, 19, tzinfo=UTC))
        def build_and_write(*, force: bool) -> list[str]:
            return publish_site(get_settings(), get_engine(), force=force).paths

        with transaction(get_engine()) as s:
            repo.upsert_publication(s, normalise_publication(pub))
        paths = build_and_write(force=False)
        index = tmp_path / "var" / "public" / "index.html"
        built = index.stat().st_mtime_ns
        index.write_bytes(b"stale")  # a skipped build must not read the files, only the store
        assert build_and_write(force=False) == paths and index.read_bytes() == b"stale"
        with transaction(get_engine()) as s:
            repo.upsert_publication(s, normalise_publication(Publication(**{**pub.__dict__, "url": "https://atleu.org.uk/news/2024/1/20/b",
                                                      "title": "Second story"})))
        build_and_write(force=False)
        assert b"Second story" in index.read_bytes() and index.stat().st_mtime_ns != built
    finally:
        get_settings.cache_clear()


# --- an empty database never empties published feeds ---------------------------------------------

ISSUE_ITEMS = 34  # all.rss.xml in the issue's report had 34 items


def populate_items(engine, count: int) -> None:
    """`count` dated news items, spread over three sources."""
    with transaction(engine) as s:
        for name in ("iasc", "atleu", "sentencing_council"):
            repo.ensure_source(s, name, title=f"Source {name}", home_url=f"https://{name}.example.org/")
        for n in range(count):
            source = ("iasc", "atleu", "sentencing_council")[n % 3]
            repo.upsert_publication(s, normalise_publication(records.Publication(
                source=source, url=f"https://{source}.example.org/news/{n}", title=f"{source} story {n}", kind="news",
                published=T0 - timedelta(days=n), topics=("modern slavery",))), seen_at=T0)


def entries(path) -> int:  # type: ignore[no-untyped-def]
    return len(feedparser.parse(path.read_bytes()).entries)


def files_of(public) -> dict:  # type: ignore[no-untyped-def]
    """Every public file: (bytes, modification time)."""
    return {p.relative_to(public).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(public.rglob("*")) if p.is_file()}


@pytest.fixture
def wrong_database(db_url, request, tmp_path):  # type: ignore[no-untyped-def]
    """Another database of the same kind with msbrief's schema and nothing in it (the mistyped URL
    someone has already run `msbrief db upgrade` against)."""
    from conftest import drop_pg_database, new_pg_database

    from store.db import make_engine, upgrade

    if db_url.startswith("sqlite"):
        url, pg_admin = f"sqlite:///{tmp_path / 'typo.db'}", None
    else:
        pg_admin = request.getfixturevalue("pg_admin")
        url = new_pg_database(pg_admin)
    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()
    yield url
    if pg_admin is not None:
        drop_pg_database(pg_admin, url)


def test_a_database_with_no_items_never_replaces_feeds_that_have_entries(engine, configured, wrong_database,
                                                                         monkeypatch, capfd):
    public = configured
    monkeypatch.setenv("MSBRIEF_FEED_MAX_ENTRIES", "50")
    get_settings.cache_clear()
    populate_items(engine, ISSUE_ITEMS)
    assert cli.main(["feeds", "build"]) == 0
    assert entries(public / "feeds/all.rss.xml") == ISSUE_ITEMS
    before = files_of(public)
    capfd.readouterr()

    monkeypatch.setenv("MSBRIEF_DATABASE_URL", wrong_database)
    get_settings.cache_clear()
    assert cli.main(["feeds", "build"]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "refusing to replace" in err[0] and f"(all has {ISSUE_ITEMS}, " in err[0] \
        and "--allow-empty" in err[0], err[0]
    assert files_of(public) == before, "a refused build changed the published files"

    # told to, it publishes the empty feeds and removes the per-source feeds it no longer builds
    assert cli.main(["feeds", "build", "--allow-empty"]) == 0
    assert entries(public / "feeds/all.rss.xml") == 0
    left = {p.name for p in (public / "feeds").glob("*.xml")}
    assert not any(name.startswith("source-") for name in left), left
    assert "all.atom.xml" in left and (public / "index.html").read_bytes() != before["index.html"][0]


def test_feed_files_no_longer_built_are_removed_and_nothing_else(engine, configured):
    public = configured
    populate(engine)
    assert cli.main(["feeds", "build"]) == 0
    feeds = public / "feeds"
    retired = feeds / "source-retired.rss.xml"  # a feed an earlier version built
    retired.write_bytes((feeds / "source-iasc.rss.xml").read_bytes())
    temp = feeds / ".all.rss.xml.abc123.tmp"  # a writer's temp file: not a feed
    temp.write_bytes(b"half")
    other = public / "feeds" / "README.txt"  # not a feed file
    other.write_text("hello", encoding="utf-8")
    kept = files_of(public)
    assert cli.main(["feeds", "build"]) == 0
    assert not retired.exists()
    assert temp.exists() and other.exists()
    now = files_of(public)
    assert now == {k: v for k, v in kept.items() if k != "feeds/source-retired.rss.xml"}


def test_an_empty_database_publishes_empty_feeds_where_there_were_none(engine, configured):
    public = configured
    assert cli.main(["feeds", "build"]) == 0  # a first build from a new, empty database
    assert entries(public / "feeds/all.rss.xml") == 0
    assert cli.main(["feeds", "build"]) == 0  # and empty again: nothing had entries


def test_the_issue_scenario_a_mistyped_sqlite_path_publishes_nothing(tmp_path, monkeypatch):
    """`MSBRIEF_DATABASE_URL=sqlite:///var/typo.db msbrief feeds build` where var/public/feeds/all.rss.xml
    has 34 items, as a real process: refused (no such database). Then, the typo's database created
    (`msbrief db upgrade` with the typo), refused again (its feeds would be empty); --allow-empty
    publishes it, and the per-source feeds it no longer builds are removed."""
    import os
    import subprocess

    from pipeline.site import publish_site
    from store.db import make_engine, upgrade

    msbrief = str(ROOT / ".venv" / "bin" / "msbrief")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_") and k != "PREFECT_API_URL"}
    env.update(MSBRIEF_FEED_MAX_ENTRIES="50", MSBRIEF_DATABASE_URL="sqlite:///var/typo.db")

    def feeds_build() -> subprocess.CompletedProcess:
        return subprocess.run([msbrief, "feeds", "build"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    monkeypatch.chdir(tmp_path)
    right = make_engine("sqlite:///var/msbrief.db")
    upgrade(right)
    populate_items(right, ISSUE_ITEMS)
    from pipeline.settings import Settings
    publish_site(Settings(database_url="sqlite:///var/msbrief.db", feed_max_entries=50), right)
    right.dispose()
    public = tmp_path / "var" / "public"
    assert entries(public / "feeds/all.rss.xml") == ISSUE_ITEMS
    before = files_of(public)

    typo = feeds_build()
    assert typo.returncode == 2 and len(typo.stderr.strip().splitlines()) == 1, typo.stderr
    assert "sqlite:///var/typo.db does not exist" in typo.stderr and "Traceback" not in typo.stderr
    assert not (tmp_path / "var" / "typo.db").exists() and files_of(public) == before

    upgrade(make_engine("sqlite:///var/typo.db"))  # what `msbrief db upgrade` with the typo does
    empty = feeds_build()
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1, empty.stderr
    assert f"(all has {ISSUE_ITEMS}, " in empty.stderr and "sqlite:///var/typo.db" in empty.stderr
    assert files_of(public) == before

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert cli.main(["feeds", "build", "--allow-empty"]) == 0
    finally:
        get_settings.cache_clear()
    assert entries(public / "feeds/all.rss.xml") == 0
    assert not list((public / "feeds").glob("source-*.xml")), "per-source feeds no longer built were left on disk"
