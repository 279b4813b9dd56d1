"""pytest fixtures that run the mirror (mirror/server.py) on a free loopback port.

Use them from a test module with

    from mirror_fixture import mirror, fixtures_mirror  # noqa: F401  (pytest fixtures)

or start one yourself with `start_mirror(root)` (a context manager). Each fixture starts a fresh
server, so faults, runtime responses and the request log never leak between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mirror import MirrorServer, running_mirror

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HTTPFAULTS = FIXTURES / "httpfaults"


def start_mirror(root: Path | str = FIXTURES, *, port: int = 0, log_file: Path | str | None = None):
    """A context manager running a mirror over `root` (default: all of tests/fixtures)."""
    return running_mirror(root, port, log_file=log_file)


@pytest.fixture
def fixtures_mirror() -> Iterator[MirrorServer]:
    """The mirror over every folder of tests/fixtures (what `msbrief demo` serves)."""
    with start_mirror(FIXTURES) as server:
        yield server


@pytest.fixture
def mirror() -> Iterator[MirrorServer]:
    """The mirror over tests/fixtures/httpfaults only (the HTTP behaviour tests' folder)."""
    with start_mirror(HTTPFAULTS) as server:
        yield server
