"""Source faults over real HTTP: every fault the mirror injects, on every source, at listing and
at item level. The run finishes, the faulty source is reported failed with the reason (or, where
the adapter legitimately falls back, succeeds with what it read), every other source's items are
stored exactly as in a clean reference run, and the next clean run catches up with no gaps and no
duplicates (compared row by row with the reference).

The matrix is covered in rotations: in each cycle one source has the fault on its listing, the
next one has it on an item, and the others are healthy; one rotation per source covers every
(source, level) pair for a fault. Rotation 0 of each fault runs in the normal test run, the
others are marked slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mirror_fixture import start_mirror
from reliability import FAULT_PATHS, SOURCES, cycle, diff, settings_for, snapshot

from store.db import make_engine, upgrade

MAX_BYTES = 2_000_000  # every recorded response is far below this; the oversize fault sends more

# fault -> (options for mirror.set_fault, what the failure report must say)
FAULTS: dict[str, tuple[dict, str]] = {
    "429": ({"retry_after": 0}, r"HTTP 429"),
    "503": ({"retry_after": 0}, r"HTTP 503"),
    "500": ({}, r"HTTP 500"),
    "slow": ({"delay": 1.5}, r"timed out"),
    "reset": ({}, r"connection failed|reset"),
    "truncate": ({}, r"cut short"),
    "oversize": ({"size": MAX_BYTES + 500_000}, r"too large"),
    "wrong_type": ({"content_type": "application/octet-stream"}, r"content type 'application/octet-stream'"),
    "redirect_offhost": ({}, r"outside this source's hosts"),
}


def new_engine(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / name}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """The rows a clean first run stores (every source ok)."""
    tmp = tmp_path_factory.mktemp("reference")
    url, engine = new_engine(tmp, "ref.db")
    with start_mirror() as mirror:
        reports = cycle(settings_for(mirror, url, tmp, max_response_bytes=MAX_BYTES), engine)
    assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}
    snap = snapshot(engine)
    engine.dispose()
    assert len(snap["publications"]) > 30 and len(snap["figures"]) > 100, "the reference run stored too little"
    return snap


def _rotation(i: int) -> tuple[str, str]:
    """(source faulted on its listing, source faulted on an item) in rotation i."""
    return SOURCES[i % len(SOURCES)], SOURCES[(i + 1) % len(SOURCES)]


CASES = [
    pytest.param(fault, i, id=f"{fault}-{_rotation(i)[0]}-listing+{_rotation(i)[1]}-item",
                 marks=() if i == 0 else (pytest.mark.slow,))
    for fault in FAULTS for i in range(len(SOURCES))
]


@pytest.mark.parametrize(("fault", "rotation"), CASES)
def test_fault_fails_only_its_source_and_the_next_run_catches_up(fault, rotation, reference, tmp_path):
    options, reason = FAULTS[fault]
    listing_src, item_src = _rotation(rotation)
    faulty = {listing_src: FAULT_PATHS[(listing_src, "listing")], item_src: FAULT_PATHS[(item_src, "item")]}
    healthy = [s for s in SOURCES if s not in faulty]
    url, engine = new_engine(tmp_path, "x.db")
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path, max_response_bytes=MAX_BYTES)
            for path in faulty.values():
                mirror.set_fault(path, fault, **options)
            reports = cycle(settings, engine)  # the run finishes: no exception escapes

            for src, path in faulty.items():
                rep = reports[src]
                served = [e for e in mirror.log_for(path) if e.fault == fault]
                assert served, f"{src}: the fault {fault!r} on {path} was never served; the test proves nothing"
                if rep.status == "failed":
                    assert rep.error and re.search(reason, rep.error), \
                        f"{src}: failure report {rep.error!r} does not give the reason (expected /{reason}/)"
                    assert src in rep.error, f"{src}: the error {rep.error!r} does not name the source"
                    assert snapshot(engine, [src])["publications"] == [], \
                        f"{src} failed but some of its items were stored (the source's transaction must roll back)"
                else:
                    # a legitimate fallback (e.g. a feed served as another type still parses): then
                    # it must have read exactly what a clean run reads
                    assert fault == "wrong_type", f"{src}: fault {fault!r} was not reported: {rep}"
                    problem = diff(snapshot(engine, [src]), {k: v for k, v in snapshot_of(reference, src).items()})
                    assert not problem, f"{src} fell back ({rep.strategy}) but stored something else:\n{problem}"
            for src in healthy:
                assert reports[src].status == "ok", f"healthy {src} failed: {reports[src].error}"
                problem = diff(snapshot(engine, [src]), snapshot_of(reference, src))
                assert not problem, f"healthy {src} was not stored as in the reference run:\n{problem}"

            mirror.clear_faults()
            again = cycle(settings, engine)
            assert all(r.status == "ok" for r in again.values()), {n: r.error for n, r in again.items()}
            problem = diff(snapshot(engine), reference)
            assert not problem, f"after the fault {fault!r} the next clean run did not catch up exactly:\n{problem}"
    finally:
        engine.dispose()


def snapshot_of(reference: dict[str, list], source: str) -> dict[str, list]:
    """The part of the reference snapshot that belongs to `source`."""
    out = {
        "publications": [r for r in reference["publications"] if r[0] == source],
        "publication_urls": [r for r in reference["publication_urls"] if r[0][0] == source],
        "attachments": [r for r in reference["attachments"] if r[0][0] == source],
        "amendments": [r for r in reference["amendments"] if r[0][0] == source],
    }
    if source == "govuk_nrm":
        out.update({k: reference[k] for k in ("releases", "figures", "announcements")})
    return out


@pytest.mark.parametrize("fault", ["429", "503"])
def test_a_transient_fault_is_retried_and_loses_nothing(fault, reference, tmp_path):
    """One 429/503 with Retry-After on a listing is waited out within the run: every source ok."""
    url, engine = new_engine(tmp_path, "x.db")
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path, max_response_bytes=MAX_BYTES)
            for src in SOURCES:
                mirror.set_fault(FAULT_PATHS[(src, "listing")], fault, times=1, retry_after=1)
            reports = cycle(settings, engine)
            assert all(r.status == "ok" for r in reports.values()), {n: r.error for n, r in reports.items()}
            for src in SOURCES:
                statuses = [e.status for e in mirror.log_for(FAULT_PATHS[(src, "listing")])]
                assert statuses[:2] == [int(fault), 200], f"{src}: expected one {fault} then a retry, got {statuses}"
        problem = diff(snapshot(engine), reference)
        assert not problem, problem
    finally:
        engine.dispose()


def test_a_fallback_run_is_not_taken_for_a_complete_backfill(reference, tmp_path):
    """ATLEU's JSON collection answers garbage, the adapter falls back to the RSS feed (which
    carries only the newest items) and succeeds. When the JSON comes back, the next run must
    still store the older items the feed did not carry: no gap after a fallback."""
    url, engine = new_engine(tmp_path, "x.db")
    try:
        with start_mirror() as mirror:
            settings = settings_for(mirror, url, tmp_path, max_response_bytes=MAX_BYTES)
            mirror.set_fault(FAULT_PATHS[("atleu", "listing")], "oversize", size=50_000)  # 200, not JSON
            first = cycle(settings, engine, ["atleu"])["atleu"]
            assert first.status == "ok" and first.strategy == "rss", first
            stored = snapshot(engine, ["atleu"])["publications"]
            assert 0 < len(stored) < len(snapshot_of(reference, "atleu")["publications"]), \
                "the fallback feed should carry fewer items than the collection (else this test proves nothing)"
            mirror.clear_faults()
            again = cycle(settings, engine, ["atleu"])["atleu"]
            assert again.status == "ok" and again.strategy == "squarespace-json", again
        got, want = snapshot(engine, ["atleu"]), snapshot_of(reference, "atleu")
        # The feed gives no update dates and the collection does: the switch back records
        # "updated: none -> date" amendments. That is a note, not a lost or duplicated item.
        got.pop("amendments"), want.pop("amendments")
        problem = diff(got, want)
        assert not problem, f"items missing after the fallback run:\n{problem}"
    finally:
        engine.dispose()
