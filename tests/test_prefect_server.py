"""Scale-out, for real: a Prefect server on loopback backed by PostgreSQL, `prefect deploy` from
prefect.yaml onto a pool whose runs read the database URL from a Prefect Secret block, a process
worker, a triggered run that completes, its name, version and artifacts read back; and `msbrief
serve` meeting those deployments (last: it changes them, then puts them back as the README says)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from conftest import ROOT, drop_pg_database, new_pg_database
from mirror_fixture import start_mirror
from prefect.states import Scheduled
from prefect_live import (
    BIN,
    api,
    free_port,
    pool_template,
    prefect_server,
    save_secret_block,
    save_webhook_block,
    stop,
    wait_until,
    webhook_receiver,
)
from sqlalchemy import create_engine, text

from pipeline.sources import pointed_at_corpus
from scrapers.normalise import normalise_announcement
from vocabulary.calendar import LONDON

pytestmark = pytest.mark.slow


def _wait_quietly(check, *, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def prefect(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180, **kw)


@pytest.fixture(scope="module")
def prefect_server_env(pg_admin, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real `prefect server start` on a free loopback port, its database in PostgreSQL."""
    db_url = new_pg_database(pg_admin)
    try:
        with prefect_server(tmp_path_factory.mktemp("prefect-server"),
                            database_url=db_url.replace("postgresql+psycopg", "postgresql+asyncpg")) as live:
            yield {**live.env, "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost"}  # for the commands run here
    finally:
        drop_pg_database(pg_admin, db_url)


@pytest.fixture(scope="module")
def store_url(pg_admin):  # type: ignore[no-untyped-def]
    """msbrief's own database for the worker's runs (PostgreSQL), handed to them only through a Secret block."""
    url = new_pg_database(pg_admin)
    yield url
    drop_pg_database(pg_admin, url)


@pytest.fixture(scope="module")
def deployed(prefect_server_env, store_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The process work pool (README's pool.json: the database in a Secret block) and every deployment of
    prefect.yaml, registered with `prefect deploy`."""
    env = {**prefect_server_env}
    save_secret_block(env, name="msbrief-database", value=store_url)
    pool = pool_template(env, tmp_path_factory.mktemp("pool") / "pool.json",
                         variables={"MSBRIEF_DATABASE_SECRET_BLOCK": "msbrief-database",
                                    "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost"})
    created = prefect(["work-pool", "create", "msbrief", "--type", "process", "--base-job-template", str(pool)], env)
    assert created.returncode == 0, created.stdout + created.stderr
    redeploy(env)
    return env


def redeploy(env: dict[str, str]) -> None:
    """`prefect deploy --all`, then every deployment paused.

    Paused, which drops their planned runs: runs here are started by hand, and a cron time coming
    round mid-test would give a worker a run of another source on this test's database
    (tests/test_scheduler.py lets the scheduler act).
    """
    result = prefect(["--no-prompt", "deploy", "--all"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ingest-govuk-nrm" in result.stdout
    with api(env) as client:
        for deployment in client.read_deployments():
            client.pause_deployment(deployment.id)


def test_deploy_from_prefect_yaml_and_run_on_a_process_worker(deployed, store_url, tmp_path):
    from flows.deployments import code_version

    env = {**deployed}
    with api(env) as client:
        nrm = client.read_deployment_by_name("ingest-source/ingest-govuk-nrm")
        pool = client.read_work_pool("msbrief")
    assert nrm.version == code_version(), "the deployment names the commit it runs"
    assert "postgresql" not in json.dumps(pool.base_job_template), "a database URL sits in the pool"

    work = tmp_path / "work"
    work.mkdir()
    with start_mirror() as mirror:
        worker_env = {  # no database URL: the pool names the Secret block that holds it
            **env,
            "MSBRIEF_OUTPUT_DIR": str(work / "var"),
            "MSBRIEF_GOVUK_BASE_URL": mirror.url_for("govuk_nrm"),
            "MSBRIEF_RATE_LIMIT_PER_HOST": "200",
        }
        worker_log = open(tmp_path / "worker.log", "w")
        worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=worker_env,
                                  cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
            with api(env) as client:  # a run that was due three hours ago: its name says when it was due
                run_id = client.create_flow_run_from_deployment(nrm.id, state=Scheduled(scheduled_time=due)).id
            final = wait_until(lambda: _final(env, run_id), timeout=240, what="the triggered flow run to finish")
            assert final.state.type.value == "COMPLETED", (
                f"run ended {final.state.type.value}: {final.state.message}\n" + (tmp_path / "worker.log").read_text()[-4000:]
            )
            assert final.state.message.startswith("govuk_nrm: "), final.state.message
            assert final.name == f"ingest govuk_nrm {due.astimezone(LONDON):%Y-%m-%d %H:%M}", (final.name, due)
            artifacts = _artifacts(env, final.id)
            summary = artifacts["ingest-govuk-nrm"]  # one artifact key per source
            assert "govuk_nrm" in summary.data and "| ok |" in summary.data
            assert artifacts["figures-govuk-nrm"].type == "table"
            # what the ingest stored is published in the same run, not at the next publish slot
            assert "publish-summary" in artifacts, sorted(artifacts)
            assert "Modern Slavery" in (work / "var" / "public" / "feeds" / "statistics.atom.xml").read_text()
            with api(env) as client:  # GOV.UK's sources share one concurrency limit, by tag
                (task,) = [t for t in client.read_task_runs(flow_run_filter=_run_filter(final.id))
                           if t.name == "ingest-govuk_nrm"]
            assert "govuk-api" in task.tags, task.tags
            store = create_engine(store_url)
            with store.connect() as db:  # the run is recorded for source health
                assert db.execute(text("select source, status from source_runs")).all() == [("govuk_nrm", "ok")]
                assert db.execute(text("select status from runs")).all() == [("ok",)]
            store.dispose()
            # run logs are shipped in batches after the state change: give the last batch time to land
            ours = ("flows.", "pipeline.", "scrapers.", "store.", "feeds.")
            if not _wait_quietly(lambda: any(log.name.startswith(ours) for log in _logs(env, final.id)), timeout=60):
                logs = _logs(env, final.id)
                pytest.fail(f"no log line from msbrief's loggers among {len(logs)}: {sorted({l.name for l in logs})}\n"
                            + "\nworker log:\n" + (tmp_path / "worker.log").read_text()[-6000:])
        finally:
            stop(worker)
            worker_log.close()


def test_a_failed_run_on_a_worker_logs_its_reason_once(deployed, tmp_path):
    """Under a process worker: the reason once, in plain words, its URL last; no engine traceback."""
    env = {**deployed}
    closed = free_port()  # nothing listens there: the source fails at once
    worker_env = {**env, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_ATLEU_BASE_URL": f"http://127.0.0.1:{closed}",
                  "MSBRIEF_MAX_RETRIES": "0"}
    with open(tmp_path / "worker.log", "w") as worker_log:
        worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=worker_env,
                                  cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            with api(env) as client:
                atleu = client.read_deployment_by_name("ingest-source/ingest-atleu")
                run_id = client.create_flow_run_from_deployment(atleu.id).id
            final = wait_until(lambda: _final(env, run_id), timeout=240, what="the failing run to finish")
            # its process ships its last log lines as it exits: stopping the worker earlier would cut them off
            wait_until(lambda: any(m.message.startswith("Finished in state") and m.task_run_id is None
                                   for m in _logs(env, final.id)), timeout=120, what="the run's last log line")
        finally:
            stop(worker)
    assert final.state.type.value == "FAILED", final.state
    reason = final.state.message
    assert reason.startswith("atleu failed: ") and reason.endswith(f"127.0.0.1:{closed}/cases-news?format=json"), reason
    logs = _logs(env, final.id)
    with api(env) as client:
        tasks = client.read_task_runs(flow_run_filter=_run_filter(final.id))
    logs += [log for t in tasks for log in _task_logs(env, t.id) if log.id not in {m.id for m in logs}]
    text_of = "\n".join(f"{m.level} {m.name}: {m.message}" for m in logs)
    errors = [m for m in logs if m.level >= 40]
    url = f"http://127.0.0.1:{closed}/cases-news?format=json"
    assert len([m for m in errors if url in m.message]) == 1, text_of
    assert not [m for m in logs if "Traceback" in m.message or "Failed(message=" in m.message
                or "Engine execution exited" in m.message], text_of


def test_two_runs_of_one_source_at_once_the_second_waits(deployed, store_url, tmp_path):
    """prefect.yaml's concurrency limit of 1 (ENQUEUE): the second run waits in AwaitingConcurrencySlot while the
    first is held in its store by a lock the test owns, then runs once the first has finished."""
    env = {**deployed}
    store = create_engine(store_url)
    lock = store.connect()
    lock.begin()
    lock.execute(text("LOCK TABLE source_runs IN EXCLUSIVE MODE"))
    try:
        with start_mirror() as mirror, open(tmp_path / "worker.log", "w") as worker_log:
            worker_env = {**env, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_ATLEU_BASE_URL": mirror.url_for("atleu"),
                          "MSBRIEF_RATE_LIMIT_PER_HOST": "200", "PREFECT_WORKER_QUERY_SECONDS": "2"}
            worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=worker_env,
                                      cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT)
            try:
                with api(env) as client:
                    atleu = client.read_deployment_by_name("ingest-source/ingest-atleu")
                    ids = [client.create_flow_run_from_deployment(atleu.id).id for _ in range(2)]

                def one_storing_one_waiting():  # type: ignore[no-untyped-def]
                    with api(env) as client:
                        runs = [client.read_flow_run(i) for i in ids]
                    with store.connect() as db:
                        blocked = db.execute(text("select count(*) from pg_locks where not granted and "
                                                  "relation = 'source_runs'::regclass")).scalar()
                    names = sorted(r.state.name for r in runs)
                    return names == ["AwaitingConcurrencySlot", "Running"] and blocked == 1 and runs

                runs = wait_until(one_storing_one_waiting, timeout=240,
                                  what="one run storing (held by the lock) and the other awaiting its slot")
                first = next(r for r in runs if r.state.name == "Running")
                lock.commit()
                finals = [wait_until(lambda i=i: _final(env, i), timeout=300, what="both runs to finish") for i in ids]
            finally:
                stop(worker)
    finally:
        lock.close()
        store.dispose()
    assert [f.state.type.value for f in finals] == ["COMPLETED", "COMPLETED"], [f.state for f in finals]
    first_end = next(f for f in finals if f.id == first.id).end_time
    second = next(f for f in finals if f.id != first.id)
    assert second.start_time >= first_end, (second.start_time, first_end)


def test_the_govuk_api_limit_holds_across_parallel_ingests(deployed, tmp_path):
    """`prefect concurrency-limit create govuk-api 1` (README): a cycle's GOV.UK sources, started side by side,
    read GOV.UK one after the other; a source on another site is not held back."""
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    env = {**deployed}
    assert prefect(["concurrency-limit", "create", "govuk-api", "1"], env).returncode == 0
    try:
        with start_mirror() as mirror:
            run_env = {**env, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
                       "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_RATE_LIMIT_PER_HOST": "200",
                       **{f"MSBRIEF_{k.upper()}": v for k, v in pointed_at_corpus(mirror.url_for).items()}}
            done = subprocess.run([str(BIN / "msbrief"), "run", "--source", "govuk_nrm", "--source", "govuk_guidance",
                                   "--source", "iasc"], env=run_env, cwd=tmp_path, capture_output=True, text=True,
                                  timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        with api(env) as client:
            (run,) = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["cycle"])),
                                           sort=FlowRunSort.START_TIME_DESC, limit=1)
            tasks = {t.name: t for t in client.read_task_runs(flow_run_filter=_run_filter(run.id))}
    finally:
        prefect(["concurrency-limit", "delete", "govuk-api"], env)
    govuk = sorted((tasks[f"ingest-{name}"] for name in ("govuk_nrm", "govuk_guidance")), key=lambda t: t.start_time)
    assert all("govuk-api" in t.tags for t in govuk) and "govuk-api" not in tasks["ingest-iasc"].tags
    assert govuk[1].start_time >= govuk[0].end_time, [(t.name, t.start_time, t.end_time) for t in govuk]


def _final(env, run_id):  # type: ignore[no-untyped-def]
    with api(env) as client:
        run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


def _artifacts(env, flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with api(env) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def _run_filter(flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    return FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))


def _task_logs(env, task_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import LogFilter, LogFilterTaskRunId

    with api(env) as client:
        return client.read_logs(log_filter=LogFilter(task_run_id=LogFilterTaskRunId(any_=[task_run_id])), limit=200)


def _logs(env, flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    found, page = [], 200
    with api(env) as client:
        while True:  # the API pages its answers
            batch = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                     limit=page, offset=len(found))
            found += batch
            if len(batch) < page:
                return found


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_release_aware_runs_follow_the_announcement(deployed, tmp_path):
    from scrapers.records import Announcement
    from store import repo
    from store.db import make_engine, transaction, upgrade

    db = f"sqlite:///{tmp_path / 'msbrief.db'}"
    engine = make_engine(db)
    upgrade(engine)
    release_at = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=30, second=0, microsecond=0)
    ann = Announcement(url="https://www.gov.uk/government/statistics/announcements/nrm-test", title="NRM statistics",
                       state="confirmed", release_at=release_at, release_date_text="(test)")
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(ann))
    env = {**deployed, "MSBRIEF_DATABASE_URL": db}
    code = "from flows.release_watch import schedule_release_runs as s; print(s('govuk_nrm'))"

    def scheduled() -> list:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

        with api(env) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["release-watch"])))
        return sorted((r.state.type.value, r.expected_start_time) for r in runs)

    assert "'created': 1" in _python(code, env)
    assert scheduled() == [("SCHEDULED", release_at + timedelta(minutes=5))]
    assert "'created': 0, 'deleted': 0" in _python(code, env)  # idempotent

    moved = release_at + timedelta(days=7)
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(Announcement(**{**ann.__dict__, "release_at": moved, "release_date_text": "(moved)"})))
    assert "'created': 1, 'deleted': 1" in _python(code, env)
    assert scheduled() == [("SCHEDULED", moved + timedelta(minutes=5))]

    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(Announcement(**{**ann.__dict__, "release_at": moved, "release_date_text": "(moved)",
                                                    "state": "cancelled"})))
    assert "'created': 0, 'deleted': 1" in _python(code, env)
    assert scheduled() == []


def test_a_failed_run_alerts_through_the_configured_notification_block(deployed, tmp_path):
    env = {**deployed}
    with webhook_receiver() as (url, received):
        save_webhook_block(env, url=url, name="msbrief-alerts")
        closed = free_port()  # nothing listens there: the source fails at once
        run_env = {**env, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
                   "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_ATLEU_BASE_URL": f"http://127.0.0.1:{closed}",
                   "MSBRIEF_MAX_RETRIES": "0", "MSBRIEF_NOTIFY_BLOCK": "custom-webhook/msbrief-alerts"}
        done = subprocess.run([str(BIN / "msbrief"), "run", "--source", "atleu"], env=run_env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        wait_until(lambda: received, timeout=120, what="the failure notification")
    assert len(received) == 1, received  # one alert for the failed cycle, not one per subflow too
    text = received[0]["text"]
    assert "cycle" in text and "FAILED" in text and "atleu" in text, text
    assert not text.rstrip().endswith((")", ".", ",", ";")), f"a URL at the end of the alert must stay a clean link: {text}"

    # What an operator sees in the UI, read through the API: the run failed with its one-line reason,
    # the source's task failed too, its logs hold the reason and no traceback, one artifact per source.
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with api(env) as client:
        run = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["cycle"])),
                                    sort=FlowRunSort.START_TIME_DESC, limit=1)[0]
        tasks = client.read_task_runs(flow_run_filter=_run_filter(run.id))
    assert run.state.type.value == "FAILED" and "atleu" in run.state.message, run.state
    assert run.name.startswith("cycle 20"), f"run names say what they are and when: {run.name!r}"
    ingest = [t for t in tasks if t.name.startswith("ingest-atleu")]
    assert ingest and all(t.state.type.value == "FAILED" for t in ingest), [(t.name, t.state.type) for t in tasks]
    wait_until(lambda: any("atleu" in log.message and "failed" in log.message for log in _logs(env, run.id)),
               timeout=60, what="the failure's reason in the run's logs")
    logs = [log.message for log in _logs(env, run.id)] + [
        log.message for t in tasks for log in _task_logs(env, t.id)]
    assert not [m for m in logs if "Traceback" in m], "\n".join(m for m in logs if "Traceback" in m)[-3000:]
    assert "ingest-atleu" in _artifacts(env, run.id), sorted(_artifacts(env, run.id))


def test_an_unreachable_prefect_api_is_one_line_and_exit_2(tmp_path):
    closed = free_port()
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{closed}/api", "PREFECT_HOME": str(tmp_path / "p"),
           "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}", "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var")}
    for command in (["run"], ["serve"]):
        done = subprocess.run([str(BIN / "msbrief"), *command], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and f"127.0.0.1:{closed}" in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_a_database_secret_block_that_cannot_be_used_is_one_line(deployed, tmp_path):
    """The block missing, its value not a database URL (never shown: it may hold a password), no Prefect API."""
    save_secret_block(deployed, name="not-a-url", value="Pg-s3cret-not-a-url")
    env = {**deployed, "PREFECT_HOME": str(tmp_path / "p")}
    no_api = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    for block, run_env, expected in (("missing", env, "could not load that Prefect Secret block (ValueError: Unable to find"),
                                     ("not-a-url", env, "the block's value is not a database URL"),
                                     ("msbrief-database", no_api, "set PREFECT_API_URL")):
        done = subprocess.run([str(BIN / "msbrief"), "db", "upgrade"], env={**run_env, "MSBRIEF_DATABASE_SECRET_BLOCK": block},
                              cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert done.returncode == 2, done.stdout + done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        line = done.stderr.strip()
        assert f"MSBRIEF_DATABASE_SECRET_BLOCK={block!r}" in line and expected in line, line
        assert "s3cret" not in line, line


def test_the_prefect_api_going_away_after_the_store_leaves_the_run_completed(deployed, pg_admin, tmp_path):
    """A flow run whose Prefect API goes away (every connection cut and refused, through a proxy in front of
    the real server) once its source is stored, then comes back: COMPLETED with one warning, and msbrief's
    runs row agrees with source_runs. The store waits on a table lock the test holds, so the outage
    starts exactly between fetching and storing."""
    import threading

    from tcp_proxy import TcpProxy

    store_url = new_pg_database(pg_admin)
    store = create_engine(store_url)
    try:
        upgrade_store(store_url)  # the schema first, so the lock has a table to hold
        port = int(deployed["PREFECT_API_URL"].split(":")[2].split("/")[0])
        with start_mirror() as mirror, TcpProxy(("127.0.0.1", port)) as proxy:
            env = {**deployed, "PREFECT_API_URL": f"http://127.0.0.1:{proxy.port}/api",
                   "PREFECT_CLIENT_MAX_RETRIES": "3",  # the artifact gives up within ~15 s, not a minute
                   "MSBRIEF_DATABASE_URL": store_url, "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"),
                   "MSBRIEF_IASC_BASE_URL": mirror.url_for("iasc"), "MSBRIEF_RATE_LIMIT_PER_HOST": "200"}
            lock = store.connect()
            lock.begin()
            lock.execute(text("LOCK TABLE source_runs IN EXCLUSIVE MODE"))  # reads pass, the store's insert waits
            lines: list[str] = []
            run = subprocess.Popen([sys.executable, "-c", "from flows.ingest import ingest_source\n"
                                    "state = ingest_source('iasc', return_state=True)\n"
                                    "print('final:', state.type.value, state.message)"],
                                   env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            reader = threading.Thread(target=lambda: lines.extend(iter(run.stdout.readline, "")), daemon=True)
            reader.start()
            try:
                def storing() -> bool:
                    if run.poll() is not None:
                        pytest.fail("the run ended before it stored:\n" + "".join(lines)[-4000:])
                    with store.connect() as db:
                        return bool(db.execute(text("select count(*) from pg_locks where not granted and "
                                                    "relation = 'source_runs'::regclass")).scalar())

                wait_until(storing, timeout=240, what="the run to reach its store (waiting on the test's lock)")
                proxy.refuse = True  # the API goes away
                proxy.cut()
                lock.commit()  # the store goes ahead
                wait_until(lambda: any("could not post the artifacts of iasc" in line for line in lines) or run.poll(),
                           timeout=240, what="the run's warning that the artifact could not be posted")
                proxy.refuse = False  # the API is back
                run.wait(timeout=240)
                reader.join(timeout=30)
            finally:
                if run.poll() is None:
                    stop(run)
                lock.close()
        output = "".join(lines)
        assert run.returncode == 0, output[-4000:]
        assert "final: COMPLETED iasc: " in output, output[-4000:]
        warnings = [line for line in lines if "could not post the artifacts" in line]
        assert len(warnings) == 1 and "the data is stored" in warnings[0], output[-4000:]
        assert "Traceback" not in output, output[-6000:]
        with store.connect() as db:
            assert db.execute(text("select source, status from source_runs")).all() == [("iasc", "ok")]
            assert db.execute(text("select status from runs")).all() == [("ok",)]
        with api(deployed) as client:
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
            from prefect.client.schemas.sorting import FlowRunSort

            (final,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_="ingest iasc")),
                                             sort=FlowRunSort.START_TIME_DESC, limit=1)
        assert final.state.type.value == "COMPLETED" and final.state.message.startswith("iasc: "), final.state
    finally:
        store.dispose()
        drop_pg_database(pg_admin, store_url)


def upgrade_store(url: str) -> None:
    from store.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def test_every_run_says_what_it_is_and_how_it_ended(deployed, tmp_path):
    """An ingest, a publish and a briefing with nobody to send it to: names, state messages, the delivery record."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    started = datetime.now(UTC)
    with start_mirror() as mirror:
        env = {**deployed, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
               "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_ATLEU_BASE_URL": mirror.url_for("atleu"),
               "MSBRIEF_RATE_LIMIT_PER_HOST": "200"}
        _python("from flows.ingest import ingest_source\nfrom flows.publish import publish\n"
                "from flows.briefing import weekly_briefing\n"
                "ingest_source('atleu'); publish(); weekly_briefing(send=False, force=True)", env)
    with api(env) as client:  # the runs this test started (no deployment's)
        found = client.read_flow_runs(flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=started)))
    runs = {r.name.split()[0]: r for r in found if r.deployment_id is None}
    assert set(runs) == {"ingest", "publish", "briefing"}, sorted((r.name, str(r.deployment_id)) for r in found)
    for run in runs.values():
        assert run.state.type.value == "COMPLETED" and run.state.message, (run.name, run.state)
    assert runs["publish"].state.message.startswith("published "), runs["publish"].state.message
    briefing = runs["briefing"]
    week = briefing.name.split()[1]
    assert re.fullmatch(r"\d{4}-W\d\d", week), briefing.name
    with api(env) as client:
        tasks = client.read_task_runs(flow_run_filter=_run_filter(briefing.id))
    assert [t.name for t in tasks] == [f"briefing-{week}"]
    record = _artifacts(env, briefing.id)["briefing-deliveries"]  # there even when nobody is sent the briefing
    assert "(none)" in str(record.data) and "dry run" in str(record.data), record.data


def test_a_run_that_never_loads_its_flow_alerts_through_the_shipped_automations(deployed, tmp_path):
    """ops/automations.yaml created as the README says; a deployment whose entrypoint cannot import (so no flow
    hook can run) crashes on a process worker, and the automation's notification reaches a webhook."""
    env = {**deployed}
    with webhook_receiver() as (url, received):
        block_id = save_webhook_block(env, url=url, name="msbrief-ops")
        shipped = (ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8")
        (tmp_path / "automations.yaml").write_text(shipped.replace("00000000-0000-0000-0000-000000000000", block_id))
        created = prefect(["automation", "create", "--from-file", str(tmp_path / "automations.yaml")], env)
        assert created.returncode == 0 and "Created 5 automation" in created.stdout, created.stdout + created.stderr
        with api(env) as client:
            nrm = client.read_deployment_by_name("ingest-source/ingest-govuk-nrm")
            broken = client.create_deployment(flow_id=nrm.flow_id, name="broken-entrypoint", work_pool_name="msbrief",
                                              entrypoint="flows/no_such_module.py:ingest_source", pull_steps=nrm.pull_steps)
            run_id = client.create_flow_run_from_deployment(broken).id
        with open(tmp_path / "worker.log", "w") as worker_log:
            worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=env,
                                      cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT)
            try:
                final = wait_until(lambda: _final(env, run_id), timeout=240, what="the broken run to end")
                wait_until(lambda: received, timeout=180, what="the automation's notification")
            finally:
                stop(worker)
                with api(env) as client:
                    for automation in client.read_automations():
                        client.delete_automation(automation.id)
                    client.delete_deployment(broken)
    assert final.state.type.value == "CRASHED", (final.state, (tmp_path / "worker.log").read_text()[-3000:])
    (alert,) = received
    assert alert["text"].startswith("msbrief: ingest-source run crashed: msbrief flow ingest-source run "
                                    f"{final.name} CRASHED: "), alert


def test_a_run_left_late_is_cancelled_by_the_shipped_automation(deployed, tmp_path):
    """ops/automations.yaml's cancel-late automation, its hour cut to ten seconds: an ingest run due a minute
    ago with no worker to take it goes Late, then CANCELLED; the weekly briefing is never touched by it."""
    doc = yaml.safe_load((ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8"))
    (automation,) = [a for a in doc["automations"] if a["name"] == "msbrief-cancel-late-runs"]
    automation["trigger"]["within"] = 10
    (tmp_path / "automations.yaml").write_text(yaml.safe_dump({"automations": [automation]}), encoding="utf-8")
    env = {**deployed}
    assert prefect(["automation", "create", "--from-file", str(tmp_path / "automations.yaml")], env).returncode == 0
    try:
        with api(env) as client:
            nca = client.read_deployment_by_name("ingest-source/ingest-nca")
            due = datetime.now(UTC) - timedelta(minutes=1)
            run_id = client.create_flow_run_from_deployment(nca.id, state=Scheduled(scheduled_time=due)).id
        seen: set[str] = set()

        def cancelled():  # type: ignore[no-untyped-def]
            with api(env) as client:
                run = client.read_flow_run(run_id)
            seen.add(run.state.name)
            return run if run.state.type.value == "CANCELLED" else None

        wait_until(cancelled, timeout=240, what="the late run to be cancelled by the automation")
    finally:
        with api(env) as client:
            for found in client.read_automations():
                client.delete_automation(found.id)
    assert "Late" in seen, seen


def _registrations(env):  # type: ignore[no-untyped-def]
    """deployment name -> (pull steps, work pool, paused) as the server has them."""
    with api(env) as client:
        return {d.name: (d.pull_steps, d.work_pool_name, d.paused) for d in client.read_deployments()}


def test_serve_beside_the_pool_deployments_refuses_then_takes_over_only_when_told(deployed, tmp_path):
    """Last in this module: it changes the pool's deployments, then puts them back as the README says."""
    env = {**deployed}
    serve_env = {**env, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
                 "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var")}
    before = _registrations(env)
    assert all(pull and pool == "msbrief" for pull, pool, _ in before.values()), before
    refused = subprocess.run([str(BIN / "msbrief"), "serve"], env=serve_env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=240)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert "prefect deploy" in line and "--take-over" in line and "ingest-source/ingest-govuk-nrm" in line, line
    assert _registrations(env) == before, "a refused serve changed the deployments"

    with api(env) as client:  # one the pool would run now, and one serve will create itself
        client.resume_deployment(client.read_deployment_by_name("ingest-source/ingest-iasc").id)
        client.delete_deployment(client.read_deployment_by_name("weekly-briefing/weekly-briefing").id)
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        serve = subprocess.Popen([str(BIN / "msbrief"), "serve", "--take-over"], env=serve_env, cwd=tmp_path,
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            def served():  # type: ignore[no-untyped-def]
                if serve.poll() is not None:
                    pytest.fail("msbrief serve --take-over exited: " + log_path.read_text()[-3000:])
                now = _registrations(env)
                return len(now) == len(before) and not any(pull for pull, _, _ in now.values())

            wait_until(served, timeout=240, what="msbrief serve --take-over to register every deployment")
        finally:
            stop(serve)
    after = _registrations(env)
    assert after["weekly-briefing"][2] is True, "serve left its own deployment unpaused on shutdown"
    assert after["ingest-iasc"][2] is False, "serve paused a deployment it did not create"

    redeploy(env)  # the README's recovery: `prefect deploy --all` gives the pool its deployments back
    assert all(pull and pool == "msbrief" for pull, pool, _ in _registrations(env).values())
