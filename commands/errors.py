"""One-line errors for the command line: bad settings, an unusable database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from store.db import Engine


class CommandError(Exception):
    """What went wrong, in one line that names the setting, file or URL; the command exits 2."""


def load_settings() -> Settings:
    """The settings, or a CommandError naming the bad setting and its value."""
    from pipeline.settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        raise CommandError(str(exc)) from None


def _demo_hint(url: str) -> str:
    """After `msbrief demo` here, where its database is (the demo never uses the configured one)."""
    from commands.run import DEMO_DATABASE, DEMO_OUTPUT

    if url != DEMO_DATABASE and (DEMO_OUTPUT / "msbrief.db").is_file():
        return f" (the demo's own database is {DEMO_DATABASE})"
    return ""


def require_contact(settings: Settings, *, sources: Iterable[str] | None = None) -> None:
    """A CommandError (one line) when MSBRIEF_CONTACT_EMAIL is not set and this command fetches from a
    site or sends email. With `sources`, only a source read from a site needs it: one whose base URL is
    loopback (the mirror of recorded responses) has no owner to reach."""
    from pipeline.settings import SettingsError
    from pipeline.sources import SOURCES

    if sources is not None and all(_loopback(SOURCES[name].base_url(settings)) for name in sources):
        return
    try:
        settings.require_contact()
    except SettingsError as exc:
        raise CommandError(str(exc)) from None


def _loopback(url: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def database(settings: Settings, *, create: bool = False, revision: str = "head") -> Iterator[Engine]:
    """The configured database, migrated to `revision`; with create=False one that does not exist yet
    (or has no schema) is refused. Connection trouble, before or during the command, is one CommandError line."""
    from pipeline.engine import get_engine
    from store.db import DatabaseSetupError, DatabaseUnavailable, database_error, open_database

    url = settings.database_url
    try:
        engine = get_engine(create=create) if revision == "head" else open_database(url, create=create,
                                                                                    revision=revision)
    except DatabaseSetupError as exc:
        raise CommandError(str(exc) + _demo_hint(url)) from None
    except DatabaseUnavailable as exc:
        raise CommandError(database_error(url, exc, what="could not connect")) from None
    try:
        yield engine
    except DatabaseUnavailable as exc:
        what = "connection lost during the command (its open transaction was rolled back)"
        raise CommandError(database_error(url, exc, what=what)) from None
