"""Engine and session factory; SQLite pragmas; schema upgrades through Alembic."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, quote_plus

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Engine", "DatabaseUnavailable", "DatabaseSetupError", "make_engine", "open_database", "session_factory", "transaction", "read_session",
           "upgrade", "current_revision", "database_error", "driver_reason", "error_line", "shown_url"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # where Alembic records the schema's revision
READ_ONLY = "msbrief_read_only"  # execution option: this transaction only reads (no write lock on SQLite)

# What a lost or refused database connection raises: callers report it as one line (database_error).
DatabaseUnavailable = (OperationalError, InterfaceError)


class DatabaseSetupError(Exception):
    """The configured database cannot be used as configured (bad URL, no driver, no schema): one line."""


def shown_url(url: str) -> str:
    """`url` with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as nothing at all
        return "(unparsable database URL)"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, create_folder: bool = True, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys, a busy timeout and (unless
    create_folder=False) their folder.

    DatabaseSetupError (one line, password hidden) when the URL cannot be used: unparsable, an
    unknown database or missing driver, or a SQLite folder that cannot be created.
    """
    try:
        url = normalise_database_url(url)
        u = make_url(url)
        backend = u.get_backend_name()
    except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError or ValueError (a bad port)
        raise DatabaseSetupError(f"MSBRIEF_DATABASE_URL {shown_url(url)}: not a database URL ({exc}); "
                                 "expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME") from None
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseSetupError(f"MSBRIEF_DATABASE_URL {shown_url(url)}: msbrief works with SQLite and PostgreSQL, "
                                 f"not {backend!r}")
    if backend == "sqlite":
        if create_folder and u.database and u.database != ":memory:":
            folder = Path(u.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseSetupError(f"MSBRIEF_DATABASE_URL {shown_url(url)}: cannot create the folder "
                                         f"{str(folder)!r}: {exc.strerror or exc}") from None
        engine = _create(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy's BEGIN (below) start transactions so they can be IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # IMMEDIATE takes the write lock up front: two writers queue instead of deadlocking.
            # A read-only transaction takes no lock, so reads never wait behind a writer.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    # An unreachable server is an error within seconds, not after the TCP timeout.
    extra = kwargs.pop("connect_args", None)
    connect_args = {"connect_timeout": 10, **(extra if isinstance(extra, dict) else {})}
    return _create(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _create(url: str, **kwargs: object) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except (ImportError, NoSuchModuleError) as exc:
        raise DatabaseSetupError(f"MSBRIEF_DATABASE_URL {shown_url(url)}: its database driver is not installed "
                                 f"({exc})") from None


def has_schema(engine: Engine) -> bool:
    """True when the database has msbrief's tables (an Alembic revision)."""
    return bool(stored_revisions(engine))


def stored_revisions(engine: Engine) -> set[str]:
    """The revisions in the database's alembic_version table (none before the first upgrade)."""
    with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return set()
        return set(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


# The newest migration, written down so that a command whose database is already there answers
# without importing Alembic's script machinery (about 0.4 s of every command on an idle machine).
# tests/test_store.py checks it against head_revision(): a new migration must update it.
SCHEMA_HEAD = "0010"


def head_revision() -> str | None:
    """The one head of the migrations, as Alembic's own script directory reads them; None when there
    is more than one (a merge to make: then Alembic's upgrade says so)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    return heads[0] if len(heads) == 1 else None


def open_database(url: str, *, create: bool, revision: str = "head") -> Engine:
    """An engine for `url` with its schema brought to `revision` (the latest by default).

    With create=False a database that does not exist yet (a SQLite file not there, or no schema)
    is a DatabaseSetupError, so a mistyped URL is never taken for an empty database.
    """
    engine = make_engine(url, create_folder=create)  # a mistyped path leaves no folder behind
    if not create:
        path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        if path and path != ":memory:" and not Path(path).is_file():
            engine.dispose()
            raise DatabaseSetupError(f"database {shown_url(url)} does not exist (no file {path!r}): check "
                                     "MSBRIEF_DATABASE_URL, or create it with `msbrief db upgrade` or `msbrief run`")
        if not has_schema(engine):
            engine.dispose()
            raise DatabaseSetupError(f"database {shown_url(url)} has no msbrief schema: check MSBRIEF_DATABASE_URL, "
                                     "or create it with `msbrief db upgrade`")
    upgrade(engine, revision)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading only: on SQLite it takes no write lock (writes in it are an error)."""
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        yield session


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with the migrations (never create_all).

    A database already at the head is left alone without running Alembic's migration environment.
    """
    if revision == "head" and stored_revisions(engine) == {SCHEMA_HEAD}:
        return  # at the head (if a newer migration existed, test_store would fail on SCHEMA_HEAD)
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


REASON_CHARS = 300  # a reason is one line of a report: the driver's detail goes to the debug log


def driver_reason(exc: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's statement dump
    (the statement, its parameters and the driver's other lines are logged at debug level)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    first = first.split("[SQL:", 1)[0].strip()
    if isinstance(exc, SQLAlchemyError):
        log.debug("database error in full: %s", exc)
    reason = f"{type(orig).__name__}: {first}" if first else type(orig).__name__
    return reason if len(reason) <= REASON_CHARS else reason[: REASON_CHARS - 1] + "\u2026"


def error_line(exc: BaseException) -> str:
    """Any failure as one short line for a report: a database error by its driver's first line
    (never SQL or parameters), anything else by its type and first line."""
    if isinstance(exc, SQLAlchemyError):
        return driver_reason(exc)
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    reason = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return reason if len(reason) <= REASON_CHARS else reason[: REASON_CHARS - 1] + "\u2026"


def database_error(url: str, exc: BaseException, *, what: str) -> str:
    """One line naming the database (password hidden), what failed and the driver's reason."""
    shown = shown_url(url)
    try:
        password = make_url(url).password or ""
    except Exception:  # noqa: BLE001 - an unparsable URL has no password to hide
        password = ""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(orig).__name__
    text = f"database {shown}: {what}: {reason}"
    for secret in {password, quote(password, safe=""), quote_plus(password)} - {""}:
        text = text.replace(secret, "***")
    return text
