"""Shared fixtures: real databases (SQLite and PostgreSQL), built by the migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The mirror fixtures, for every test module (imported here rather than in each module).
from mirror_fixture import fixtures_mirror, mirror  # noqa: F401 - pytest finds fixtures by name in conftest
from promises import promised_tests
from sqlalchemy import Engine, create_engine, text

from store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

# The PostgreSQL server the tests use; scripts/test.sh starts it when it is down.
PG_ADMIN_URL = os.environ.get("MSBRIEF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Prefect must never phone home from tests.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The contact address msbrief must be given to fetch or send (no default): the tests' own, on this machine.
os.environ.setdefault("MSBRIEF_CONTACT_EMAIL", "msbrief-tests@localhost")


# Outcomes of the tests the README's promises name (see tests/promises.py), checked at the end.
_PROMISED = set(promised_tests())
_OUTCOMES: dict[str, set[str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep each promised test's outcomes (under xdist, the controller sees every worker's reports)."""
    test = report.nodeid.split("[", 1)[0]
    if test in _PROMISED or test.startswith("tests/test_promises_doc.py::"):
        if report.when == "call" or report.outcome != "passed":
            _OUTCOMES.setdefault(test, set()).add(report.outcome)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that includes tests/test_promises_doc.py fails unless every promised test passed in it:
    the README's evidence must be tests that ran, not names that exist."""
    if hasattr(session.config, "workerinput") or not any(t.startswith("tests/test_promises_doc.py") for t in _OUTCOMES):
        return
    unproven = sorted(t for t in _PROMISED if _OUTCOMES.get(t) != {"passed"})
    if unproven:
        writer = session.config.get_terminal_writer()
        writer.line()
        writer.line(
            "README promises without a passing test in this run: " + ", ".join(
                f"{t} ({'/'.join(sorted(_OUTCOMES.get(t, {'not run'})))})" for t in unproven), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long (`slow`) tests first, in their own order: pytest-xdist then spreads them over its
    workers from the start, and the quick ones fill the gaps, instead of a long tail on one worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _printable(text: str) -> str:
    """The text with lone surrogates written as escapes ("\\ud800"): UTF-8 can carry it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Fuzzed text (lone surrogates) in a test's captured output or failure must not crash
    pytest-xdist, which sends reports as UTF-8: that would end the whole run and hide the test."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    report.sections = [(title, _printable(text)) for title, text in report.sections]
    if report.longrepr is not None and str(report.longrepr) != _printable(str(report.longrepr)):
        report.longrepr = _printable(str(report.longrepr))


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An autocommit connection to the server's `test` database; fails (never skips) if it is down."""
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect is fatal for the suite
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL!r} ({exc.__class__.__name__}: {exc}). "
            "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pool(pg_admin: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The asking module's PostgreSQL-backed Prefect server, its process pool and prefect.yaml's
    deployments (tests/prefect_pool.py): one server per module."""
    from prefect_pool import pool_server

    with pool_server(pg_admin, tmp_path_factory.mktemp("pool")) as live:
        yield live


@pytest.fixture
def deployed(pool: Any) -> dict[str, str]:
    """The environment that reaches `pool`'s server."""
    return pool.env


@pytest.fixture
def store_url(pool: Any) -> str:
    """msbrief's store that `pool`'s deployments use."""
    return pool.store_url


def new_pg_database(pg_admin: Engine) -> str:
    """Create an empty database of its own for one test; its URL."""
    name = f"msbrief_t_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(pg_admin: Engine, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'msbrief.db'}"
        return
    pg_admin = request.getfixturevalue("pg_admin")
    url = new_pg_database(pg_admin)
    try:
        yield url
    finally:
        drop_pg_database(pg_admin, url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database (never create_all), SQLite and PostgreSQL."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database, for tests that are not about the store."""
    eng = make_engine(f"sqlite:///{tmp_path / 'msbrief.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()
