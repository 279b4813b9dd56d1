"""`msbrief run`, `msbrief demo` and `msbrief serve`: the pipeline once, offline, or on schedule.

Without a Prefect API (PREFECT_API_URL unset) `run` and `demo` run the pipeline directly in this
process; with one they run it as the `cycle` flow, visible in the Prefect UI. Same steps either way.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from commands.errors import CommandError, database, load_settings, require_contact
from pipeline.sources import SOURCES, pointed_at_corpus
from vocabulary.weeks import WEEK_RULE

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = REPO_ROOT / "tests" / "fixtures"
# The demo's own database and output folder (relative to where it runs): never the configured ones.
DEMO_OUTPUT = Path("var") / "demo"
DEMO_DATABASE = f"sqlite:///{(DEMO_OUTPUT / 'msbrief.db').as_posix()}"
DEMO_CONTACT = "msbrief-demo@localhost"  # the preview's From when no contact address is set: this machine


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run", help="one full cycle: ingest the sources, publish the feeds",
        description="Ingest every source (side by side; one failing never stops the others), then rebuild the "
        "feeds and the index page. Runs in this process; with PREFECT_API_URL set it runs as the `cycle` flow "
        "on that Prefect API (visible in its UI). Exit status 0 when every source succeeded, 1 when any failed, "
        "2 for a setting, database or Prefect API that cannot be used.",
    )
    run.add_argument("--source", action="append", choices=sorted(SOURCES), metavar="NAME",
                     help=f"only this source (repeatable; one of {', '.join(SOURCES)})")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    run.set_defaults(handler=cmd_run)

    demo = sub.add_parser(
        "demo",
        help="the same cycle offline: recorded sources served on loopback, its own SQLite and output in ./var/demo/",
        description="Start the mirror of recorded sources on a free loopback port, point every source at it, "
        f"ingest into the demo's own database ({DEMO_DATABASE}), publish feeds to {DEMO_OUTPUT.as_posix()}/public/ "
        f"and write the briefing to {DEMO_OUTPUT.as_posix()}/outbox/ (never sent) for the same "
        f"week `msbrief briefing` would report on: {WEEK_RULE}. The release-day message of the latest release "
        f"(its email and the webhooks' text) goes to {DEMO_OUTPUT.as_posix()}/outbox/release/ (never sent). "
        "The configured MSBRIEF_DATABASE_URL and "
        "MSBRIEF_OUTPUT_DIR are never used, nor anything in .env: --database and --output name others. "
        "Sources: " + ", ".join(SOURCES) + ". A second demo "
        "in the same directory is a second cycle: nothing new, every request answered 304. The recorded "
        "sources are the repository's tests/fixtures (they are not shipped in the package: some of their "
        "text may be quoted for testing only); --corpus names another copy.",
    )
    demo.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    demo.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                      help="folder of recorded sources (default: tests/fixtures of this checkout)")
    demo.add_argument("--database", default=None, metavar="URL",
                      help=f"the demo's database (default: {DEMO_DATABASE})")
    demo.add_argument("--output", type=Path, default=None, metavar="DIR",
                      help=f"the demo's output folder (default: {DEMO_OUTPUT.as_posix()})")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="serve every deployment with its schedule in one process (the single-machine default)",
        description="Registers the deployments of flows/deployments.py (the same as prefect.yaml) with their "
        "cron schedules in Europe/London on the Prefect API in PREFECT_API_URL (start one with "
        "`prefect server start`: it is also the UI), and runs their runs as they come due. Refuses (exit 2) "
        "when deployments of the same names were registered on that API by `prefect deploy` for a work pool; "
        "on shutdown pauses only the deployments it registered itself.",
    )
    serve.add_argument("--take-over", action="store_true",
                       help="serve even the deployments `prefect deploy` registered for a work pool (their worker "
                       "then has nothing to run until `prefect deploy --all` registers them again)")
    serve.set_defaults(handler=cmd_serve)


def _print_report(report, as_json: bool) -> None:
    print(report.to_json() if as_json else report.to_text())


def prefect_api_url() -> str:
    """The Prefect API to run flows on ('' when msbrief runs the pipeline in-process)."""
    return os.environ.get("PREFECT_API_URL", "").strip()


def check_prefect_api(url: str) -> None:
    """A CommandError (one line) unless the Prefect API at `url` answers its health check."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=15) as resp:
            if resp.status == 200:
                return
            reason = f"HTTP {resp.status}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "reason", exc))
    raise CommandError(f"the Prefect API at PREFECT_API_URL={url!r} does not answer ({reason}); start it with "
                       "`prefect server start`, or unset PREFECT_API_URL to run without Prefect")


def _quiet_logging() -> None:
    """In-process runs print warnings and errors of our own packages, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("scrapers", "store", "feeds", "pipeline"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def run_pipeline(sources: list[str] | None):
    """One cycle, in-process or as a flow on the configured Prefect API; its CycleReport."""
    settings = load_settings()
    url = prefect_api_url()
    require_contact(settings, sources=sources or list(SOURCES))
    with database(settings, create=True) as engine:
        if not url:
            from pipeline.cycle import run_cycle

            _quiet_logging()
            return run_cycle(settings, engine, sources)
        check_prefect_api(url)
        from flows import prefect_env

        prefect_env.configure()
        from flows.cycle import cycle, cycle_report

        return cycle_report(cycle(sources, return_state=True))


def cmd_run(args: argparse.Namespace) -> int:
    report = run_pipeline(args.source)
    _print_report(report, args.json)
    return 0 if report.ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from mirror import MirrorError, running_mirror
    from pipeline.settings import get_settings, read_env_file

    corpus = args.corpus or DEMO_CORPUS
    if not corpus.is_dir():
        raise CommandError(f"no recorded sources at {str(corpus)!r}: run the demo from a checkout of the "
                           "repository, or name a copy of its tests/fixtures with --corpus DIR")
    # The demo's own database and folder, set in this process's environment (which wins over .env):
    # a demo on a production machine never touches the configured ones.
    database_url, output = args.database or DEMO_DATABASE, args.output or DEMO_OUTPUT
    os.environ["MSBRIEF_DATABASE_URL"], os.environ["MSBRIEF_OUTPUT_DIR"] = database_url, str(output)
    read_env_file(False)  # a .env here is the configured msbrief's: none of it is the demo's
    os.environ["MSBRIEF_RELEASE_ALERTS"] = "false"  # the demo writes its release-day message, never sends it
    if not load_settings().contact_email:
        os.environ["MSBRIEF_CONTACT_EMAIL"] = DEMO_CONTACT
    print(f"demo: its own database {database_url} and output folder {output.as_posix()}/ "
          "(the configured MSBRIEF_DATABASE_URL and MSBRIEF_OUTPUT_DIR, and .env, are not used)", file=sys.stderr)
    try:
        with running_mirror(corpus, port=0) as mirror:
            for field, value in pointed_at_corpus(mirror.url_for).items():
                os.environ[f"MSBRIEF_{field.upper()}"] = value
            os.environ.setdefault("MSBRIEF_RATE_LIMIT_PER_HOST", "200")  # it's our own loopback server
            get_settings.cache_clear()
            report = run_pipeline(None)
            week = _demo_briefing(report)
            alert = _demo_release_alert(report)
    except MirrorError as exc:
        raise CommandError(f"cannot serve the recorded sources in {str(corpus)!r}: {exc}") from None
    _print_report(report, args.json)
    if week and not args.json:
        print(f"briefing: {load_settings().outbox_dir / (week + '.eml')} and .html")
    if alert and not args.json:
        print(f"release-day message: {alert}")
    return 0 if report.ok and week else 1


def _demo_briefing(report) -> str | None:
    """Write the briefing of the default week to var/outbox (never sent) so the demo shows the email too."""
    from pipeline.briefing import run_briefing
    from pipeline.engine import get_engine

    try:
        outcome = run_briefing(get_engine(), load_settings(), send=False, force=True, now=datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - the demo reports it, like any other failure
        report.warnings.append(f"writing the demo briefing failed: {exc}")
        return None
    return outcome.week


def _demo_release_alert(report) -> str:
    """Write the release-day message of the latest release to var/outbox/release (never sent): the email and
    the webhooks' text, as staff would get them on the day."""
    from pipeline.engine import get_engine
    from pipeline.release_alerts import run_release_alert

    try:
        outcome = run_release_alert(get_engine(), load_settings(), send=False, now=datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - the demo reports it, like any other failure
        report.warnings.append(f"writing the demo release-day message failed: {exc}")
        return ""
    if outcome.action != "written":
        report.warnings.append(f"no demo release-day message: {outcome.reason}")
        return ""
    return ", ".join(str(p) for p in outcome.files)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    url = prefect_api_url()
    if not url:
        raise CommandError("serve needs a Prefect API to schedule on: start one with `prefect server start` "
                           "(it is also the UI) and set PREFECT_API_URL=http://127.0.0.1:4200/api")
    require_contact(settings)  # the schedules fetch from the sites and send the briefing
    with database(settings, create=True):
        pass  # the deployments' runs open it themselves; a bad database is reported now, not at 4 am
    check_prefect_api(url)
    from flows import prefect_env

    prefect_env.configure()
    from flows.deployments import DEPLOYMENTS, ServeRefused, serve_all

    try:
        serve_all(take_over=args.take_over, starting=lambda: print(
            f"serving {len(DEPLOYMENTS)} deployments on {url}; Ctrl-C to stop", file=sys.stderr))
    except ServeRefused as exc:
        raise CommandError(f"msbrief serve: {exc}") from None
    return 0
