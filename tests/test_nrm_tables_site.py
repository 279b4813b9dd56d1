"""The NRM data tables published: open data files under public/data/ that validate (the data
package against the Data Package standard, each CSV against its own schema, by frictionless), a
page per release, links from the index page and the release's feed entry, the same bytes from the
same data and nothing rewritten when nothing changed. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import frictionless
from mirror_fixture import start_mirror

from pipeline import ingest
from pipeline.site import publish_site
from tests.test_nrm_tables_store import settings_for


def published(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    with start_mirror() as mirror:
        settings = settings_for(mirror, db_url, tmp_path)
        report = ingest.store(engine, None, ingest.fetch(settings, engine, "govuk_nrm"))
        assert report.status == "ok", report.error
    return settings, publish_site(settings, engine)


def test_open_data_validates_and_is_linked_from_the_index_and_the_feed(engine, db_url, tmp_path):
    settings, result = published(engine, db_url, tmp_path)
    public = Path(settings.public_dir)
    package = public / "data" / "datapackage.json"
    report = frictionless.validate(str(package))
    assert report.valid, report.flatten(["type", "note"])[:5]
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    paths = {r["path"] for r in descriptor["resources"]}
    assert "observations.csv" in paths and "2023-Q4/referrals_by_quarter.csv" in paths
    assert len(paths) == 1 + 5 + 6 + 1  # the long CSV, 2023-Q4's five tables, one a release before, 2023-Q3's NGO table
    for rel in ("2023-Q4/referrals_by_quarter.json", "2023-Q3/referrals_ngo.csv"):
        assert (public / "data" / rel).is_file()
    index = (public / "index.html").read_text(encoding="utf-8")
    assert 'href="data/datapackage.json"' in index and 'href="releases/2023-Q4.html"' in index
    assert 'href="releases/2022-Q2.html"' in index
    feed = (public / "feeds" / "statistics.atom.xml").read_text(encoding="utf-8")
    assert f"{settings.site_url}releases/2023-Q4.html" in feed
    page = (public / "releases" / "2023-Q1.html").read_text(encoding="utf-8")
    assert "the Home Office received 1,420 reports of adult potential victims via the DtN process" in page
    assert "matches Table 26" in page and 'href="../data/2023-Q1/dtn_by_nationality.csv"' in page
    q4 = (public / "releases" / "2023-Q4.html").read_text(encoding="utf-8")
    assert "Table 2, cells G67+L67+Q67" in q4
    for link in re.findall(r'href="(\.\./data/[^"]+)"', q4):
        assert (public / "releases" / link).resolve().is_file(), link


def test_a_csv_that_breaks_its_description_fails_validation(engine, db_url, tmp_path):
    settings, _ = published(engine, db_url, tmp_path)
    data = Path(settings.public_dir) / "data"
    csv = data / "2023-Q4" / "dtn_by_quarter.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",1044,", ",many,"), encoding="utf-8")
    report = frictionless.validate(str(data / "datapackage.json"))
    assert not report.valid
    assert {e[0] for e in report.flatten(["type"])} >= {"type-error"}


def test_same_data_same_bytes_and_nothing_rewritten_when_nothing_changed(engine, db_url, tmp_path):
    settings, first = published(engine, db_url, tmp_path)
    public = Path(settings.public_dir)
    before = {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}
    again = publish_site(settings, engine, force=True)
    assert again.written == [] and again.removed == []
    assert {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()} == before
    assert any(p.startswith("data/") for p in first.written) and any(p.startswith("releases/") for p in first.written)
