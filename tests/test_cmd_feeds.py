"""`msbrief feeds build` on a real store (SQLite and PostgreSQL): every feed and the index page."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest

from feed_checks import feed_problems
from feed_samples import T0, expected_figures
from commands import main as cli
from pipeline.settings import get_settings
from scrapers import records
from store import repo
from store.db import transaction
from scrapers.normalise import normalise_publication

SITE = "https://briefing.example.org/msbrief/"


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
    from datetime import datetime, timezone

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
                          kind="news", published=datetime(2024, 1, 19, tzinfo=timezone.utc))
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
