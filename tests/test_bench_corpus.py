"""The benchmark's synthetic archive looks like the real one: NRM releases only for real periods.

bench/nrm_synth.py and bench/corpus.py: every release is for a period vocabulary/plausible.py
allows (so the store keeps it and its bulletin's figures are read), the archive has the real
one's shape (quarters from 2019-Q2 and an end-of-year summary a year), and the item counts stay
those of earlier runs. No corpus is written to disk here, and no benchmark is run.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from bench import corpus, nrm_synth, site_synth
from scrapers.nrm import extract
from vocabulary.plausible import plausible_period

TODAY = date(2026, 12, 6)


def test_archive_holds_only_real_periods_up_to_the_newest_release() -> None:
    archive = nrm_synth.archive(seed=corpus.DEFAULT_SEED, until=TODAY)
    periods = [r.period for r in archive]
    assert periods[0] == "2019-Q2" and periods[-1] == "2026-Q3"
    assert all(plausible_period(p, today=TODAY) for p in periods)
    assert all(r.published_at.date() <= TODAY for r in archive)
    assert len(set(periods)) == len(periods)
    per_year = Counter(r.year for r in archive)
    assert all(4 <= per_year[y] <= 5 for y in range(2020, 2026))  # four quarters and the end-of-year summary
    assert [r.period for r in archive if r.annual] == [f"{y}-year" for y in range(2019, 2026)]
    upcoming = nrm_synth.upcoming(4, seed=corpus.DEFAULT_SEED, until=TODAY)
    assert [r.period for r in upcoming] == ["2026-Q4", "2026-year", "2027-Q1", "2027-Q2"]
    assert all(plausible_period(r.period, today=TODAY) for r in upcoming)


def test_the_split_keeps_the_item_counts_and_never_asks_for_more_releases_than_there_are() -> None:
    releases = len(nrm_synth.archive(seed=corpus.DEFAULT_SEED, until=TODAY))
    small, large = corpus.split(1_000, releases=releases), corpus.split(10_000, releases=releases)
    assert small == {"govuk_nrm": 30, "sentencing_council": 400, "iasc": 250, "atleu": 320}  # as before
    assert sum(large.values()) == 10_000
    assert large["govuk_nrm"] + corpus.new_items(large)["govuk_nrm"] == releases


@pytest.mark.parametrize("period", ["2019-Q2", "2019-year", "2024-year", "2026-Q3"])
def test_every_kind_of_synthetic_bulletin_is_read_for_its_own_period(period: str) -> None:
    release = next(r for r in nrm_synth.archive(seed=corpus.DEFAULT_SEED, until=TODAY) if r.period == period)
    body = json.dumps(nrm_synth.bulletin_doc(release)).encode()
    result = extract(body, source_url=f"bulletin-{period}.json")
    assert result.period == period
    assert len(result.figures) >= 10 and not result.withheld
    total = next(f.value for f in result.figures if f.metric == "total_referrals")
    assert total == release.numbers["total"]


def test_iasc_has_at_most_one_bulletin_a_month() -> None:
    items = site_synth.items(site_synth.iasc_item, corpus.DEFAULT_SEED, 2_600, 26)
    bulletins = Counter(it.title for it in items if it.label == "Bulletin")
    assert bulletins and max(bulletins.values()) == 1
