"""Every configuration mistake is one line, for every command that reads the settings: exit status
2, exactly one line on stderr naming the setting and the bad value, no traceback, no password.

The commands that read settings are below. Two read none: `figures extract` (a file in, figures
out) and `mirror serve` (its options are its arguments), so no MSBRIEF_ setting can break them.
`sources check` and `sources record` read the settings but never the database, so a SQLite folder
that cannot be created is not their mistake; every other mistake is.

Each (command, mistake) pair runs in process through the command's entry point (`commands.main`),
with stderr captured at the file descriptor; one pair per command also runs as a real `msbrief`
process, so that nothing printed outside Python's own error handling (warnings, log lines) hides.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from commands import main as cli
from pipeline.settings import get_settings, read_env_file

ROOT = Path(__file__).resolve().parent.parent
MSBRIEF = str(ROOT / ".venv" / "bin" / "msbrief")
PASSWORD = "Pa55-w0rd-secret"
NOTHING_LISTENS = "http://127.0.0.1:9/api"  # `serve` checks the database before it calls the Prefect API

COMMANDS = {  # name -> arguments; "{dir}" is a folder of the test's own
    "run": ["run"],
    "demo": ["demo"],
    "serve": ["serve"],
    "db upgrade": ["db", "upgrade"],
    "figures series": ["figures", "series", "total_referrals"],
    "feeds build": ["feeds", "build"],
    "briefing": ["briefing", "--dry-run"],
    "sources check": ["sources", "check"],
    "sources record": ["sources", "record", "atleu", "{dir}/recorded"],
}
NO_DATABASE = {"sources check", "sources record"}
# The demo never reads MSBRIEF_DATABASE_URL (it has a database of its own): no database mistake is its.
DATABASE_MISTAKES = {"unknown-database", "driver-not-installed", "not-a-url", "port-not-a-number",
                     "sqlite-folder-cannot-be-created", "sqlite-two-slashes", "output-dir-is-a-file"}


def mistakes(folder: Path) -> dict[str, tuple[dict[str, str], str, str]]:
    """name -> (environment, the setting the line must name, the value as the line must show it)."""
    blocked = folder / "a-file"  # a file where the SQLite folder should be: it cannot be created
    blocked.write_text("not a folder\n", encoding="utf-8")
    sqlite = f"sqlite:///{blocked}/var/msbrief.db"
    return {
        "retries-not-a-number": ({"MSBRIEF_MAX_RETRIES": "three"}, "MSBRIEF_MAX_RETRIES", "'three'"),
        "unknown-time-zone": ({"MSBRIEF_TIMEZONE": "Mars/Olympus"}, "MSBRIEF_TIMEZONE", "'Mars/Olympus'"),
        "unknown-database": ({"MSBRIEF_DATABASE_URL": f"mysql://msbrief:{PASSWORD}@db.example.org/msbrief"},
                             "MSBRIEF_DATABASE_URL", "mysql://msbrief:***@db.example.org/msbrief"),
        "driver-not-installed": ({"MSBRIEF_DATABASE_URL": f"postgresql+asyncpg://msbrief:{PASSWORD}@db/msbrief"},
                                 "MSBRIEF_DATABASE_URL", "postgresql+asyncpg://msbrief:***@db/msbrief"),
        "not-a-url": ({"MSBRIEF_DATABASE_URL": "notaurl"}, "MSBRIEF_DATABASE_URL", "notaurl"),
        "port-not-a-number": ({"MSBRIEF_DATABASE_URL": f"postgresql://msbrief:{PASSWORD}@127.0.0.1:fivefour/msbrief"},
                              "MSBRIEF_DATABASE_URL", "postgresql://msbrief:***@127.0.0.1:fivefour/msbrief"),
        "sqlite-folder-cannot-be-created": ({"MSBRIEF_DATABASE_URL": sqlite}, "MSBRIEF_DATABASE_URL", sqlite),
        # issue 25: each was a traceback, or a mistake blamed on something else
        "sqlite-two-slashes": ({"MSBRIEF_DATABASE_URL": "sqlite://var/msbrief.db"}, "MSBRIEF_DATABASE_URL",
                               "'sqlite://var/msbrief.db'"),
        "output-dir-is-a-file": ({"MSBRIEF_OUTPUT_DIR": str(blocked)}, "MSBRIEF_OUTPUT_DIR", repr(str(blocked))),
        "no-feed-entries": ({"MSBRIEF_FEED_MAX_ENTRIES": "0"}, "MSBRIEF_FEED_MAX_ENTRIES", "'0'"),
        "site-url-without-scheme": ({"MSBRIEF_SITE_URL": "briefings.your-organisation.org.uk/"}, "MSBRIEF_SITE_URL",
                                    "'briefings.your-organisation.org.uk/'"),
        "topics-file-missing": ({"MSBRIEF_TOPICS_FILE": str(folder / "my-topics.toml")}, "MSBRIEF_TOPICS_FILE",
                                repr(str(folder / "my-topics.toml"))),
    }


MISTAKES = (  # the names of mistakes(), for parametrize
    "retries-not-a-number", "unknown-time-zone", "unknown-database", "driver-not-installed", "not-a-url",
    "port-not-a-number", "sqlite-folder-cannot-be-created", "sqlite-two-slashes", "output-dir-is-a-file",
    "no-feed-entries", "site-url-without-scheme", "topics-file-missing")
PAIRS = [(c, m) for c in COMMANDS for m in MISTAKES
         if not (c in NO_DATABASE and m == "sqlite-folder-cannot-be-created")
         and not (c == "demo" and m in DATABASE_MISTAKES)]


def check_one_line(stderr: str, code: int, *, command: str, setting: str, shown: str) -> None:
    lines = stderr.strip().splitlines()
    assert code == 2, f"{command}: exit status {code}, expected 2; stderr:\n{stderr}"
    assert len(lines) == 1, f"{command}: {len(lines)} lines on stderr, expected one:\n{stderr}"
    line = lines[0]
    assert line.startswith(f"msbrief {command.split()[0]}: "), line
    assert setting in line and shown in line, f"{command}: the line does not name {setting} = {shown}: {line}"
    assert "Traceback" not in stderr and PASSWORD not in stderr, line


@pytest.fixture
def clean_environment(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """No MSBRIEF_ setting from outside, no .env (the folder is the test's own); restored afterwards
    (`demo` points the sources at its mirror through os.environ)."""
    saved = dict(os.environ)
    for name in [k for k in os.environ if k.startswith("MSBRIEF_") or k.startswith("PREFECT_API_URL")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PREFECT_API_URL", NOTHING_LISTENS)
    monkeypatch.setenv("MSBRIEF_OUTPUT_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MSBRIEF_CONTACT_EMAIL", "msbrief-tests@localhost")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)
    read_env_file(True)  # `demo` turns .env off for its process
    get_settings.cache_clear()


def argv(command: str, folder: Path) -> list[str]:
    return [a.replace("{dir}", str(folder)) for a in COMMANDS[command]]


@pytest.mark.parametrize("command,mistake", PAIRS)
def test_a_configuration_mistake_is_one_line_and_exit_2(command, mistake, clean_environment, monkeypatch, capfd):
    folder = clean_environment
    env, setting, shown = mistakes(folder)[mistake]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = cli.main(argv(command, folder))
    check_one_line(capfd.readouterr().err, code, command=command, setting=setting, shown=shown)
    assert not (folder / "recorded").exists() and not (folder / "var" / "msbrief.db").exists(), \
        f"{command} went on after the mistake"


# Each command once as a real process, the mistakes taken in turn.
PROCESS_PAIRS = list(zip(COMMANDS, itertools.cycle(MISTAKES)))


@pytest.mark.parametrize("command,mistake", PROCESS_PAIRS)
def test_a_configuration_mistake_in_a_real_msbrief_process_is_one_line(command, mistake, tmp_path):
    if (command in NO_DATABASE and mistake == "sqlite-folder-cannot-be-created") or (
            command == "demo" and mistake in DATABASE_MISTAKES):
        mistake = MISTAKES[0]
    env_, setting, shown = mistakes(tmp_path)[mistake]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")}
    env.update(PREFECT_API_URL=NOTHING_LISTENS, MSBRIEF_OUTPUT_DIR=str(tmp_path / "var"),
               MSBRIEF_CONTACT_EMAIL="msbrief-tests@localhost")
    env.update(env_)
    done = subprocess.run([MSBRIEF, *argv(command, tmp_path)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    check_one_line(done.stderr, done.returncode, command=command, setting=setting, shown=shown)
    assert done.stdout == "", f"{command} printed on stdout: {done.stdout!r}"


def test_several_mistakes_are_one_line_each(clean_environment, monkeypatch, capfd):
    folder = clean_environment
    monkeypatch.setenv("MSBRIEF_FEED_MAX_ENTRIES", "0")
    monkeypatch.setenv("MSBRIEF_SITE_URL", "briefings.your-organisation.org.uk")
    monkeypatch.setenv("MSBRIEF_DATABASE_URL", "sqlite://var/msbrief.db")
    code = cli.main(["feeds", "build"])
    lines = capfd.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 3, lines
    assert all(line.startswith("msbrief feeds: setting MSBRIEF_") for line in lines), lines
    assert {line.split("=")[0].rsplit(" ", 1)[1] for line in lines} == {
        "MSBRIEF_FEED_MAX_ENTRIES", "MSBRIEF_SITE_URL", "MSBRIEF_DATABASE_URL"}
    assert not (folder / "var").exists()


@pytest.mark.parametrize("command", ["run", "briefing", "serve", "sources check", "sources record"])
def test_a_command_that_fetches_or_sends_needs_the_contact_address(command, clean_environment, monkeypatch,
                                                                   capfd):
    """No example address stands in for the operator's: without MSBRIEF_CONTACT_EMAIL, one line."""
    folder = clean_environment
    monkeypatch.delenv("MSBRIEF_CONTACT_EMAIL")
    code = cli.main(argv(command, folder))
    err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "MSBRIEF_CONTACT_EMAIL is not set" in lines[0], err
    assert "example" not in err and not (folder / "recorded").exists()
