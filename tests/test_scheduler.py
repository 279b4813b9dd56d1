"""The Prefect server's own scheduler creates msbrief's runs; a worker, or `msbrief serve`, runs them.

A real `prefect server start` (SQLite, then PostgreSQL) with a short scheduler loop. On each, the
deployments are registered the two ways the README documents (`prefect deploy --all`, and `msbrief
serve`), and every schedule must get SCHEDULED runs from the scheduler at the times its cron means
on London clocks (worked out here with zoneinfo, on both sides of the next clock change). Then one
run falls due and is run with nobody triggering it, by the runner of the README's setup for that
database: `msbrief serve` on one machine (SQLite), a process worker when scaling out (PostgreSQL).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, drop_pg_database, new_pg_database
from prefect_live import (
    BIN,
    LiveServer,
    api,
    prefect,
    prefect_server,
    save_webhook_block,
    stop,
    wait_until,
    webhook_receiver,
)

from vocabulary.calendar import LONDON

pytestmark = pytest.mark.slow
PREFECT_YAML = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
SCHEDULED_NAMES = {d["name"] for d in PREFECT_YAML["deployments"] if d.get("schedules")}
DUE_DEPLOYMENT = "publish/publish-feeds"  # needs only a database and an output directory
RUNNER = {"sqlite": "msbrief serve", "postgresql": "prefect worker"}  # who runs the run that falls due


# --- what a cron means on London clocks, worked out without Prefect -----------------------------

CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))  # minute hour day-of-month month day-of-week


def _cron_values(field: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        first, last = (low, high) if span == "*" else (int(span.split("-")[0]), int(span.split("-")[-1]))
        values.update(range(first, last + 1, int(step or 1)))
    return values


def london_cron_times(cron: str, *, after: datetime, until: datetime) -> list[datetime]:
    """The UTC instants in (after, until] at which `cron` fires on Europe/London wall-clock time.

    Enough cron for msbrief's schedules: numbers, ranges, lists and steps; day-of-month and
    day-of-week are never both restricted; no schedule falls in the hour a clock change skips.
    """
    minutes, hours, days, months, weekdays = (
        _cron_values(field, low, high) for field, (low, high) in zip(cron.split(), CRON_RANGES, strict=True)
    )
    found = []
    day = after.astimezone(LONDON).date()
    while day <= until.astimezone(LONDON).date():
        if day.day in days and day.month in months and day.isoweekday() % 7 in weekdays:
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)
                    if after < at <= until:
                        found.append(at)
        day += timedelta(days=1)
    return found


def next_clock_change(today: date) -> date:
    """The first day after `today` on which London's clocks change (a Sunday in March or October)."""
    def offset(day: date) -> timedelta | None:
        return datetime(day.year, day.month, day.day, 12, tzinfo=LONDON).utcoffset()

    day = today + timedelta(days=1)
    while offset(day) == offset(day - timedelta(days=1)):
        day += timedelta(days=1)
    return day


def test_the_cron_reading_knows_london_clocks():
    """The yardstick itself: 09:35 London is 09:35 UTC in winter and 08:35 UTC in summer."""
    change = next_clock_change(date(2026, 1, 1))
    assert change == date(2026, 3, 29)
    before, after = (datetime(2026, 3, d, tzinfo=UTC) for d in (28, 29))
    assert london_cron_times("35 9 * * *", after=before, until=after + timedelta(days=1)) == [
        datetime(2026, 3, 28, 9, 35, tzinfo=UTC), datetime(2026, 3, 29, 8, 35, tzinfo=UTC)]
    assert london_cron_times("0 8 * * 1", after=before, until=after + timedelta(days=2)) == [
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC)]
    assert next_clock_change(date(2026, 4, 1)) == date(2026, 10, 25)
    assert london_cron_times("15 */4 * * *", after=datetime(2026, 10, 24, 22, tzinfo=UTC),
                             until=datetime(2026, 10, 25, 9, tzinfo=UTC)) == [
        datetime(2026, 10, 24, 23, 15, tzinfo=UTC),  # 00:15 BST
        datetime(2026, 10, 25, 4, 15, tzinfo=UTC),  # 04:15 GMT: five hours later
        datetime(2026, 10, 25, 8, 15, tzinfo=UTC)]


# --- the server ---------------------------------------------------------------------------------

def scheduler_settings(today: date) -> dict[str, str]:
    """A scheduler that wakes every few seconds and plans just past the next clock change.

    Per schedule, Prefect 3.9's scheduler plans dates from now until it has MIN_RUNS of them and
    reaches now + MIN_SCHEDULED_TIME, never past MAX_RUNS dates or now + MAX_SCHEDULED_TIME. A
    window that ends two days after the next change (a Sunday) holds a 09:35 on each side of it and
    the Monday 08:00 after it, whatever the date: at most ~220 daily dates. The four-hourly
    schedules stop at MAX_RUNS, so no schedule gets more than that.
    """
    days = (next_clock_change(today) - today).days + 3
    return {
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": f"P{days}D",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME": f"P{days}D",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": str(days + 2),
    }


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real Prefect server whose database is SQLite or PostgreSQL."""
    home = tmp_path_factory.mktemp(f"prefect-{request.param}")
    settings = scheduler_settings(datetime.now(LONDON).date())
    if request.param == "sqlite":
        with prefect_server(home, database_url=f"sqlite+aiosqlite:///{home / 'prefect.db'}", settings=settings) as live:
            yield live
        return
    pg_admin = request.getfixturevalue("pg_admin")
    url = new_pg_database(pg_admin)
    try:
        with prefect_server(home, database_url=url.replace("+psycopg", "+asyncpg"), settings=settings) as live:
            yield live
    finally:
        drop_pg_database(pg_admin, url)


# --- the two ways of registering, and a run that falls due ---------------------------------------

def test_prefect_deploy_gets_runs_from_the_scheduler(server, tmp_path):
    env = server.env
    # The documented way to give a worker's runs their settings: the work pool's job variables.
    template = json.loads(prefect(["work-pool", "get-default-base-job-template", "--type", "process"],
                                  env, cwd=tmp_path).stdout)
    template["variables"]["properties"]["env"]["default"] = {
        "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
        "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"),
    }
    (tmp_path / "pool.json").write_text(json.dumps(template))
    prefect(["work-pool", "create", "msbrief", "--type", "process", "--base-job-template", "pool.json"], env, cwd=tmp_path)

    registered = datetime.now(UTC)
    prefect(["--no-prompt", "deploy", "--all"], env, cwd=ROOT)
    with api(env) as client:
        deployments = client.read_deployments()
    for deployment in deployments:  # the pull step names no path of the machine `prefect deploy` ran on
        assert deployment.pull_steps == PREFECT_YAML["pull"], deployment.name
        assert str(ROOT) not in deployment.model_dump_json(), f"{deployment.name} records {ROOT}"
    assert_every_schedule_gets_its_london_times(env, since=registered)

    if RUNNER[server.database] == "prefect worker":
        # A worker started elsewhere, with no MSBRIEF_* setting of its own: the pool's reach its runs.
        worker_log = tmp_path / "worker.log"
        (tmp_path / "worker").mkdir()
        with open(worker_log, "w") as log:
            worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=env,
                                      cwd=tmp_path / "worker", stdout=log, stderr=subprocess.STDOUT)
            try:
                let_a_run_fall_due(env, log=worker_log, process=worker, output_dir=tmp_path / "var")
            finally:
                stop(worker)
    assert_no_traceback(server)


def test_msbrief_serve_gets_runs_from_the_scheduler(server, tmp_path):
    env = server.env
    with api(env) as client:  # one machine, no work pool: start from a server without deployments
        for deployment in client.read_deployments():
            client.delete_deployment(deployment.id)
    serve_env = {**env, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
                 "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost",
                 "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var")}
    serve_log = tmp_path / "serve.log"
    registered = datetime.now(UTC)
    with open(serve_log, "w") as log:
        serve = subprocess.Popen([str(BIN / "msbrief"), "serve"], env=serve_env, cwd=tmp_path, stdout=log,
                                 stderr=subprocess.STDOUT)
        try:
            def served() -> bool:
                if serve.poll() is not None:
                    pytest.fail("msbrief serve exited: " + serve_log.read_text()[-3000:])
                with api(env) as client:
                    return {d.name for d in client.read_deployments() if d.schedules} == SCHEDULED_NAMES

            wait_until(served, timeout=240, what="msbrief serve to register its deployments")
            assert_every_schedule_gets_its_london_times(env, since=registered)
            if RUNNER[server.database] == "msbrief serve":
                let_a_run_fall_due(env, log=serve_log, process=serve, output_dir=tmp_path / "var")
        finally:
            stop(serve)
    assert_no_traceback(server)


# --- what the scheduler did ----------------------------------------------------------------------

def assert_every_schedule_gets_its_london_times(env: dict[str, str], *, since: datetime) -> None:
    """Every schedule of every deployment has SCHEDULED runs made by the scheduler, at its cron's London times."""
    with api(env) as client:
        deployments = [d for d in client.read_deployments() if d.schedules]
    assert {d.name for d in deployments} == SCHEDULED_NAMES
    from flows.deployments import code_version

    assert {d.version for d in deployments} == {code_version()}, "every deployment names the commit it runs"
    change = next_clock_change(since.astimezone(LONDON).date())
    max_runs = int(env["PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS"])

    seen: dict[str, list] = {}

    def planned() -> dict[str, list] | None:
        """Schedule id -> its runs, once every schedule's runs reach past the clock change (or MAX_RUNS)."""
        seen.clear()
        seen.update({str(s.id): [] for d in deployments for s in d.schedules})
        for run in scheduled_runs(env, [d.id for d in deployments]):
            seen.setdefault(str(run.created_by.id) if run.created_by else "by hand", []).append(run)
        settled = all(
            runs and (len(runs) == max_runs or utc(runs[-1].expected_start_time).astimezone(LONDON).date() > change)
            for runs in seen.values()
        )
        return dict(seen) if settled else None

    try:
        by_schedule = wait_until(planned, timeout=180, what="the scheduler to plan every schedule past the clock change")
    except pytest.fail.Exception as timed_out:
        names = {str(s.id): f"{d.name} {s.schedule.cron!r}" for d in deployments for s in d.schedules}
        counts = {names.get(key, key): (len(runs), runs[-1].expected_start_time if runs else None)
                  for key, runs in seen.items()}
        raise AssertionError(f"{timed_out}; schedule -> (runs, last): {counts}") from None
    assert set(by_schedule) == {str(s.id) for d in deployments for s in d.schedules}, "runs made by someone else"
    across_the_change = set()
    for deployment in deployments:
        for schedule in deployment.schedules:
            cron = schedule.schedule.cron
            assert schedule.schedule.timezone == "Europe/London", deployment.name
            runs = by_schedule[str(schedule.id)]
            assert all(r.auto_scheduled and r.created_by.type == "SCHEDULE" for r in runs)
            times = [utc(r.expected_start_time) for r in runs]
            label = f"{deployment.name} {cron!r}"
            # exactly the cron's London times, none missing, none extra, from the first one due after planning
            assert times == london_cron_times(cron, after=times[0] - timedelta(seconds=1), until=times[-1]), label
            skipped = london_cron_times(cron, after=since, until=times[0])[:-1]
            assert all(t <= utc(runs[0].created) for t in skipped), (label, skipped, runs[0].created)
            if times[-1].astimezone(LONDON).date() > change:
                assert_same_london_time_across(change, times, label=label)
                across_the_change.add(cron)
            else:  # a four-hourly schedule reaches MAX_RUNS before the change
                assert len(times) == max_runs, label
    assert {"35 9 * * *", "45 9 * * *", "0 8 * * 1"} <= across_the_change


def assert_same_london_time_across(change: date, times: list[datetime], *, label: str) -> None:
    """The last run before the clock change and the first after it: same London time, UTC an hour apart."""
    before = [t for t in times if t.astimezone(LONDON).date() < change][-1]
    after = next(t for t in times if t.astimezone(LONDON).date() >= change)
    assert f"{before.astimezone(LONDON):%H:%M}" == f"{after.astimezone(LONDON):%H:%M}", (label, before, after)
    utc_minutes = [t.hour * 60 + t.minute for t in (before, after)]
    assert abs(utc_minutes[0] - utc_minutes[1]) == 60, (label, before, after)


def utc(moment: datetime) -> datetime:
    """A plain aware datetime in UTC (Prefect hands out a datetime subclass of its own)."""
    return datetime.fromtimestamp(moment.timestamp(), UTC)


def scheduled_runs(env: dict[str, str], deployment_ids: list) -> list:  # type: ignore[type-arg]
    """Every SCHEDULED run of these deployments, earliest first (the API answers in pages)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    found: list = []
    with api(env) as client:
        while True:
            page = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=deployment_ids)),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=200, offset=len(found))
            found += page
            if len(page) < 200:
                return found


# --- a run that falls due -------------------------------------------------------------------------

def let_a_run_fall_due(env: dict[str, str], *, log: Path, process: subprocess.Popen, output_dir: Path) -> None:
    """Give publish-feeds an extra schedule due in under a minute; wait for that run to finish.

    The other deployments are paused first (which drops their planned runs), so nothing else here
    would reach for the real sources if one of their times came round during the test.
    """
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterExpectedStartTime
    from prefect.client.schemas.schedules import IntervalSchedule

    with api(env) as client:
        for deployment in client.read_deployments():
            if deployment.name != DUE_DEPLOYMENT.split("/")[1]:
                client.pause_deployment(deployment.id)
        target = client.read_deployment_by_name(DUE_DEPLOYMENT)
        due = datetime.now(UTC) + timedelta(seconds=30)
        (schedule,) = client.create_deployment_schedules(
            target.id, [(IntervalSchedule(interval=timedelta(days=365), anchor_date=due), True)])

    def finished():  # type: ignore[no-untyped-def]
        if process.poll() is not None:
            pytest.fail(f"the process that should run it exited:\n{log.read_text()[-4000:]}")
        at_due = FlowRunFilterExpectedStartTime(after_=due - timedelta(seconds=1), before_=due + timedelta(seconds=1))
        with api(env) as client:
            runs = [r for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(expected_start_time=at_due))
                    if r.created_by and str(r.created_by.id) == str(schedule.id)]
        assert len(runs) <= 1, runs
        return runs[0] if runs and runs[0].state.is_final() else None

    run = wait_until(finished, timeout=300, what=f"the run of {DUE_DEPLOYMENT} due at {due:%H:%M:%S} UTC to finish")
    assert run.state.is_completed(), f"{run.state.type.value}: {run.state.message}\n{log.read_text()[-4000:]}"
    assert run.auto_scheduled and run.created_by.type == "SCHEDULE"
    assert utc(run.start_time) >= due - timedelta(seconds=15), (run.start_time, due)  # it waited for its time
    # it read its settings (the worker's from the pool) and wrote where they say
    assert (output_dir / "public" / "index.html").is_file(), log.read_text()[-4000:]


def assert_no_traceback(server: LiveServer) -> None:
    log = server.log.read_text()
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]


# --- the 26-hour automation ------------------------------------------------------------------------

def test_the_no_ingest_automation_tells_when_it_looked(server, tmp_path):
    """ops/automations.yaml, created as the README says, with its 26 hours cut to the least Prefect allows."""
    doc = yaml.safe_load((ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8"))
    (automation,) = [a for a in doc["automations"] if a["name"] == "msbrief-no-successful-ingest-in-26-hours"]
    doc["automations"] = [automation]
    automation["trigger"]["within"] = 10
    with webhook_receiver() as (url, received):
        automation["actions"][0]["block_document_id"] = save_webhook_block(server.env, url=url, name="msbrief-ops")
        (tmp_path / "automations.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
        created = datetime.now(UTC).replace(second=0, microsecond=0)
        prefect(["automation", "create", "--from-file", "automations.yaml"], server.env, cwd=tmp_path)
        wait_until(lambda: received, timeout=180, what="the automation's notification")
    text = received[0]["text"]
    since, checked = (datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
                      for s in re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text))
    assert created <= checked <= datetime.now(UTC), text
    assert checked - timedelta(minutes=1) <= since <= checked, text
    assert_no_traceback(server)
