"""Release day, looked for from the announced minute (pipeline/releases.py) on SQLite and PostgreSQL:
the mirror publishes a staged release at a set moment (tests/release_day.py); the watch finds it
through its announcement's redirect and the Content API, never the search, stores it with its
figures, and stops; a release that does not come is looked for until the window ends, then no more."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import pytest

from mirror import running_mirror
from pipeline.ingest import ingest_source
from pipeline.releases import stored_with_figures, wanted_release_runs, watch_release
from pipeline.settings import Settings
from store import queries
from store.db import read_session
from tests.release_day import ANNOUNCEMENT, PERIOD, RELEASE, staged_corpus, staged_release


def settings_for(url: str, engine_url: str, tmp_path, **over) -> Settings:  # type: ignore[no-untyped-def]
    values = dict(database_url=engine_url, output_dir=tmp_path / "var", govuk_base_url=url,
                  rate_limit_per_host=200, release_poll_interval=5, release_poll_window=120)
    values.update(over)
    return Settings(_env_file=None, **values)


def this_minute() -> datetime:
    now = datetime.now(UTC)
    return now.replace(second=0, microsecond=0)


@pytest.mark.parametrize("comes", [True, False], ids=["published", "never"])
def test_the_watch_finds_the_release_through_its_announcement_and_stops(comes, engine, db_url, tmp_path):
    root = staged_corpus(tmp_path / "corpus")
    announced = this_minute()
    published = time.time() + 6 if comes else math.inf  # GOV.UK a few seconds late, or not at all
    with running_mirror(root) as mirror:
        for response in staged_release(root, announced, published=published):
            response.put(mirror)
        settings = settings_for(mirror.url_for("govuk_nrm"), db_url, tmp_path,
                                release_poll_window=120 if comes else 8)
        first = ingest_source(settings, engine, "govuk_nrm")  # a scheduled ingest: stores the announcement
        assert first.status == "ok", first.error
        runs = wanted_release_runs(engine, "govuk_nrm", datetime.now(UTC))
        (run,) = [r for r in runs.values() if r.announcement.endswith(ANNOUNCEMENT)]
        assert run.at == announced  # its release-time run starts at the announced minute
        assert not stored_with_figures(engine, f"https://www.gov.uk{RELEASE}")

        watch = watch_release(settings, engine, "govuk_nrm", announcement=run.announcement, release_at=run.at)
        looks = [e for e in mirror.log if e.path.endswith(f"/api/content{ANNOUNCEMENT}")]
        searched = [e for e in mirror.log if "/api/search.json" in e.path]
    assert watch.looks == len(looks) - 1  # one look each, after the ingest that stored the announcement
    if not comes:
        assert watch.page is None and watch.report is None and 1 <= watch.looks <= 2  # within its 8 s, then it stopped
        assert not stored_with_figures(engine, f"https://www.gov.uk{RELEASE}")
        return
    assert watch.page == f"https://www.gov.uk{RELEASE}" and watch.report and watch.report.status == "ok"
    assert looks[-1].time >= published  # found once the mirror published it, by its announcement
    assert stored_with_figures(engine, watch.page)
    assert searched  # the search was read too, and it does not list the release: the announcement led to it
    with read_session(engine) as s:
        release = queries.release_of(s, PERIOD)
    assert release is not None and release.published == announced and release.value("total_referrals") == 3998
