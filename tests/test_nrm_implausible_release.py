"""Figures that cannot be true, served by the mirror into a real ingest (SQLite and PostgreSQL), issue 26.

A release titled "Quarter 3 9999" is refused alone (one warning; the other releases are stored),
so it never becomes the latest release, nor a point of any series. A bulletin stating
"4,758,000,000,000 potential victims" has that figure withheld, and the SCA and IECA figures that
pass are published beside it; nothing implausible reaches the feeds or the page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mirror_fixture import FIXTURES, start_mirror
from reliability import cycle, settings_for
from sqlalchemy import select

from feeds.build import build_site
from pipeline.site import load_site_data
from store import models as m
from store import queries
from store.db import transaction
from store.series import series

NRM = FIXTURES / "govuk_nrm"
Q2_2023 = "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023"
Q2_BULLETIN = f"{Q2_2023}--modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-quarter-2-2023-april-to-june"
FAKE = "/government/statistics/modern-slavery-nrm-and-dtn-statistics-quarter-3-9999"
FAKE_TITLE = "Modern slavery: NRM and DtN statistics, Quarter 3 9999"
HUGE = "4,758,000,000,000"


def _search_page() -> str:
    page = json.loads((NRM / "search" / "releases-1.json").read_text(encoding="utf-8"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    page["results"][0] = {"content_id": "9999-0000", "link": FAKE, "title": FAKE_TITLE,  # instead of a non-NRM result
                          "description": "Statistics on referrals", "public_timestamp": now,
                          "content_store_document_type": "official_statistics"}
    return json.dumps(page)


def _fake_release() -> str:
    doc = json.loads((NRM / "content" / f"{Q2_2023}.json").read_text(encoding="utf-8"))
    now = datetime.now(UTC).isoformat()
    doc.update(title=FAKE_TITLE, base_path=FAKE, content_id="9999-0000", first_published_at=now, public_updated_at=now)
    return json.dumps(doc)


def _huge_bulletin() -> str:
    doc = json.loads((NRM / "content" / f"{Q2_BULLETIN}.json").read_text(encoding="utf-8"))
    assert "3,998 potential victims" in doc["details"]["body"]
    doc["details"]["body"] = doc["details"]["body"].replace("3,998 potential victims", f"{HUGE} potential victims")
    return json.dumps(doc)


def test_implausible_release_and_figure_never_reach_readers(engine, db_url, tmp_path) -> None:
    with start_mirror() as mirror:
        search_path = next(r["path"] for r in json.loads((NRM / "mirror.json").read_text())["responses"]
                           if r["file"] == "search/releases-1.json")
        base = "/govuk_nrm"
        mirror.put_response(f"{base}{search_path}", _search_page(), content_type="application/json")
        mirror.put_response(f"{base}/api/content{FAKE}", _fake_release(), content_type="application/json")
        mirror.put_response(f"{base}/api/content/government/statistics/{Q2_2023}/"
                            f"{Q2_BULLETIN.split('--')[1]}", _huge_bulletin(), content_type="application/json")
        settings = settings_for(mirror, db_url, tmp_path / "var")
        report = cycle(settings, engine, ["govuk_nrm"])["govuk_nrm"]
    assert report.status == "ok", report.error
    assert any("9999" in w and "release skipped" in w for w in report.warnings), report.warnings

    with transaction(engine) as s:
        periods = set(s.execute(select(m.StatisticsRelease.period)).scalars())
        q2 = {row.metric: row for row in s.execute(
            select(m.Figure.metric, m.Figure.value, m.Figure.withheld_reason)
            .join(m.StatisticsRelease).where(m.StatisticsRelease.period == "2023-Q2", m.Figure.period == "2023-Q2"))}
        latest = queries.latest_release(s, with_figures=True)
        points = series(s, "total_referrals", periods="all")
    assert "2023-Q2" in periods and not any(p.startswith("9999") for p in periods), periods
    assert latest is not None and not latest.period.startswith("9999")
    assert all(not p.period.startswith("9999") for p in points)
    assert q2["total_referrals"].value == 4_758_000_000_000 and "1,000,000" in q2["total_referrals"].withheld_reason
    assert q2["sca_count"].withheld_reason is None and q2["ieca_count"].withheld_reason is None
    assert all(p.value != 4_758_000_000_000 for p in points)

    files = build_site(load_site_data(engine), site_url="https://msbrief.example.org/", max_entries=500)
    for name, data in files.items():
        body = data.decode("utf-8", errors="replace")
        assert HUGE not in body and "4758000000000" not in body, f"{name} shows the implausible count"
        assert "Quarter 3 9999" not in body, f"{name} shows the implausible release"
