"""The briefing email at a phone's width and a desktop's, in every state (issue 25), as Chromium lays
it out: no horizontal overflow at 390 px, source problems in plain words and last, the GOV.UK Notify
conventions (about 19 px body text, one column, figures in a real table with row headers, a
preheader, alt text on the chart), and axe-core's checks with no serious or critical finding, on
the email and on the site's pages. Screenshots of each state are kept in the test's folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser import axe_violations, measure, screenshot, serious
from lxml import html as lxml_html
from test_briefing import NOW, WEEK, populate, read_sources, settings_for

from pipeline.briefing import run_briefing
from pipeline.site import publish_site
from pipeline.sources import SOURCES
from store.db import make_engine, upgrade

pytestmark = pytest.mark.slow
PHONE, DESKTOP = 390, 1200
OPERATOR_WORDS = ("FetchError", "gave up after", "runs in a row", "connection failed", "https://www.atleu.org.uk/cases")


def state(name: str, engine) -> tuple[str, datetime]:  # type: ignore[no-untyped-def]
    """Put the store in state `name`; the week to brief and when."""
    if name == "release-week":  # every source read, the 2023-Q2 bulletin out that week
        populate(engine, failing=())
    elif name == "a-source-failing":
        populate(engine)
    elif name == "every-source-failing":
        populate(engine, failing=tuple(SOURCES))
    elif name == "healthy-nothing-new":  # every source read the week after, and nothing new
        populate(engine, failing=())
        read_sources(engine, datetime(2023, 8, 16, 12, tzinfo=UTC))
        return "2023-W33", NOW + timedelta(days=7)
    elif name != "empty-database":
        raise AssertionError(name)
    return WEEK, NOW


STATES = ("release-week", "a-source-failing", "every-source-failing", "healthy-nothing-new", "empty-database")


@pytest.mark.parametrize("name", STATES)
def test_the_email_reads_well_at_390_and_1200_px_in_every_state(name, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'msbrief.db'}")
    upgrade(engine)
    week, now = state(name, engine)
    outcome = run_briefing(engine, settings_for(tmp_path), week=week, send=False, force=name == "empty-database",
                           now=now)
    page = next(p for p in outcome.files if p.suffix == ".html")
    markup = page.read_text(encoding="utf-8")
    doc = lxml_html.fromstring(markup)

    # measured layout: nothing wider than the screen, at a phone's width and a desktop's
    for width in (PHONE, DESKTOP):
        laid = measure(page, width=width, tmp_path=tmp_path)
        assert laid["scrollWidth"] <= laid["viewport"] == width, (name, width, laid["scrollWidth"])
        assert laid["overflowing"] == [], (name, width, laid["overflowing"])
        shot = screenshot(page, tmp_path / f"{name}-{width}.png", width=width, tmp_path=tmp_path)
        assert shot.stat().st_size > 10_000

    # GOV.UK Notify conventions
    body_style = doc.xpath("//body/@style")[0]
    assert "font-size: 19px" in body_style, body_style
    preheader = doc.xpath("//div[contains(@class, 'preheader')]")
    assert preheader and preheader[0].text_content().strip(), "no preheader"
    assert doc.xpath("//img[not(@alt)]") == []
    if name != "empty-database" and name != "healthy-nothing-new":
        assert doc.xpath("//table[contains(@class, 'figures')]//th[@scope='row']"), "figures without row headers"
        assert doc.xpath("//img[contains(@class, 'chart')]/@alt")[0].startswith("Bar chart")
    # one column: no layout table has two cells side by side
    assert all(len(row.xpath("./td")) <= 1 for row in doc.xpath("//table[@role='presentation']/tr")), name

    # staff read plain words; the news comes first and the bookkeeping last
    text = " ".join(doc.text_content().split())
    assert not [w for w in OPERATOR_WORDS if w in markup], name
    if name == "a-source-failing":
        assert "1 of 8 sources could not be read this week" in text and "ATLEU: could not be read" in text
        # operators get the cause where they look: the run's preview artifact (and the log)
        assert "- **atleu**: " in outcome.preview_markdown and any(w in outcome.preview_markdown for w in OPERATOR_WORDS)
        assert text.index("New and amended publications") < text.index("Sources 1 of 8")
    if name == "every-source-failing":
        assert "8 of 8 sources could not be read this week" in text
    if name == "empty-database":
        assert "No source was read this week" in text and "Nothing new" not in text
        assert "No guidance or policy changes this week" not in text and "could not be read" in text
    if name == "healthy-nothing-new":
        assert "Nothing new this week" in text and "All 8 sources were read this week" in text

    # automated accessibility: axe-core in Chromium, no serious or critical finding
    found = serious(axe_violations(page, tmp_path=tmp_path, width=PHONE))
    assert found == [], (name, found)


def test_the_chart_s_labels_stay_legible_on_a_phone():
    """The chart is a PNG WIDTH px wide, shown at most 600 px and on a 390 px phone about 350 px
    (20 px padding each side): its type must still come out at 12 px or more there."""
    from feeds.charts import TEXT_PX, WIDTH

    assert TEXT_PX * (PHONE - 40) / WIDTH >= 12


def test_the_site_pages_pass_axe_core(tmp_path):
    """The index page, a briefing's page in the archive and a release's page: no serious finding."""
    engine = make_engine(f"sqlite:///{tmp_path / 'msbrief.db'}")
    upgrade(engine)
    populate(engine)
    settings = settings_for(tmp_path)
    publish_site(settings, engine, force=True, allow_empty=True)
    public = settings.public_dir
    pages = [public / "index.html", *sorted((public / "briefings").glob("*.html"))[:1],
             *sorted((public / "releases").glob("*.html"))[:1]]
    assert len(pages) >= 2, pages
    for page in pages:
        found = serious(axe_violations(page, tmp_path=tmp_path))
        assert found == [], (page.name, found)
        laid = measure(page, width=PHONE, tmp_path=tmp_path)
        assert laid["scrollWidth"] <= PHONE and laid["overflowing"] == [], (page.name, laid["overflowing"])


def test_screenshots_are_kept_where_a_person_can_look(tmp_path):
    """The helper crops to the width asked for (a headless window is wider)."""
    from PIL import Image

    page = Path(tmp_path / "p.html")
    page.write_text("<!DOCTYPE html><html lang='en'><title>t</title><body><p>x</p></body></html>", encoding="utf-8")
    shot = screenshot(page, tmp_path / "p.png", width=PHONE, tmp_path=tmp_path, height=400)
    with Image.open(shot) as img:
        assert img.size == (PHONE, 400)


def test_the_release_day_email_reads_well_at_390_and_1200_px(tmp_path):
    """The release-day message (issue 29), as its preview is written: the same conventions as the
    weekly email, no overflow at a phone's width or a desktop's, and no serious axe-core finding."""
    from pipeline.release_alerts import run_release_alert

    engine = make_engine(f"sqlite:///{tmp_path / 'msbrief.db'}")
    upgrade(engine)
    populate(engine)
    outcome = run_release_alert(engine, settings_for(tmp_path), now=NOW, send=False)
    page = next(p for p in outcome.files if p.suffix == ".html")
    for width in (PHONE, DESKTOP):
        laid = measure(page, width=width, tmp_path=tmp_path)
        assert laid["scrollWidth"] <= laid["viewport"] == width, (width, laid["scrollWidth"])
        assert laid["overflowing"] == [], (width, laid["overflowing"])
        screenshot(page, tmp_path / f"release-day-{width}.png", width=width, tmp_path=tmp_path)
    doc = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    assert "font-size: 19px" in doc.xpath("//body/@style")[0]
    assert doc.xpath("//div[contains(@class, 'preheader')]")[0].text_content().strip()
    assert doc.xpath("//img[not(@alt)]") == [] and doc.xpath("//table//th[@scope='row']")
    assert serious(axe_violations(page, tmp_path=tmp_path, width=PHONE)) == []
