"""`msbrief run`, `msbrief demo` and `msbrief serve`: the pipeline once, offline, or on schedule."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

from flows import prefect_env
from flows.source_registry import ADAPTERS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = REPO_ROOT / "tests" / "fixtures"


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="one full cycle: ingest the sources, publish the feeds")
    run.add_argument("--source", action="append", choices=sorted(ADAPTERS), metavar="NAME",
                     help=f"only this source (repeatable; one of {', '.join(ADAPTERS)})")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    run.set_defaults(handler=cmd_run)

    demo = sub.add_parser(
        "demo",
        help="the same cycle offline: recorded sources served on loopback, SQLite, output under ./var/",
        description="Start the mirror of recorded sources on a free loopback port, point every source at it, "
        "ingest, publish feeds to var/public/ and write this week's briefing to var/outbox/. A second demo "
        "in the same directory is a second cycle: nothing new, every request answered 304.",
    )
    demo.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="serve every deployment with its schedule in one process (the single-machine default)",
        description="Registers the deployments of flows/deployments.py (the same as prefect.yaml) with their "
        "cron schedules in Europe/London and runs them as they come due. Uses PREFECT_API_URL when set "
        "(a `prefect server start` gives you the UI); otherwise a temporary local API.",
    )
    serve.set_defaults(handler=cmd_serve)


def _print_report(report, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    print(report.to_json() if as_json else report.to_text())


def run_cycle(sources: list[str] | None):  # type: ignore[no-untyped-def]
    """Run the cycle flow once; (its CycleReport, whether it completed)."""
    from flows.cycle import cycle
    from flows.reports import CycleReport

    state = cycle(sources, return_state=True)
    value = state.result(raise_on_failure=False)
    if not isinstance(value, CycleReport):
        value = CycleReport(warnings=[f"the cycle did not complete: {state.message}"])
    return value, state.is_completed()


def cmd_run(args: argparse.Namespace) -> int:
    from flows.settings import get_settings

    prefect_env.configure(prefect_home=get_settings().output_dir / "prefect")
    report, ok = run_cycle(args.source)
    _print_report(report, args.json)
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from flows.mirror import running_mirror
    from flows.settings import get_settings

    with ExitStack() as stack:
        mirror = stack.enter_context(running_mirror(DEMO_CORPUS, port=0))
        for name in ADAPTERS:
            key = "MSBRIEF_GOVUK_BASE_URL" if name == "govuk_nrm" else f"MSBRIEF_{name.upper()}_BASE_URL"
            os.environ[key] = mirror.url_for(name)
        os.environ.setdefault("MSBRIEF_RATE_LIMIT_PER_HOST", "200")  # it's our own loopback server
        get_settings.cache_clear()
        settings = get_settings()
        prefect_env.configure(prefect_home=settings.output_dir / "prefect")
        report, ok = run_cycle(None)
        week = _demo_briefing(report)
    _print_report(report, args.json)
    if week and not args.json:
        print(f"briefing: {settings.outbox_dir / (week + '.eml')} and .html")
    return 0 if ok and week else 1


def _demo_briefing(report) -> str | None:  # type: ignore[no-untyped-def]
    """Write this week's briefing to var/outbox (never sent) so the demo shows the email too."""
    from feeds.weeks import format_week
    from flows.engine import get_engine
    from flows.settings import get_settings
    from flows.weekly import run_briefing

    # The demo's items were first seen today, so the current week is the one with news in it.
    week = format_week(datetime.now(timezone.utc).date())
    try:
        run_briefing(get_engine(), get_settings(), week=week, send=False, force=True, now=datetime.now(timezone.utc))
    except Exception as exc:  # noqa: BLE001 - the demo reports it, like any other failure
        report.warnings.append(f"writing the demo briefing failed: {exc}")
        return None
    return week


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.settings import get_settings

    prefect_env.configure(prefect_home=get_settings().output_dir / "prefect")
    from prefect import serve
    from prefect.client.schemas.schedules import CronSchedule

    from flows.deployments import DEPLOYMENTS, TIMEZONE, flow_for

    deployments = [
        flow_for(spec).to_deployment(
            name=spec.name,
            parameters=spec.parameters,
            description=spec.description,
            schedules=[CronSchedule(cron=c, timezone=TIMEZONE) for c in spec.crons],
        )
        for spec in DEPLOYMENTS
    ]
    print(f"serving {len(deployments)} deployments; Ctrl-C to stop", file=sys.stderr)
    serve(*deployments)
    return 0
