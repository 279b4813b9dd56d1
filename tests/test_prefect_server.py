"""Scale-out, for real: a Prefect server on loopback backed by PostgreSQL, `prefect deploy` from
prefect.yaml, a process worker, a triggered run that completes, and its artifacts read back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC

import pytest
from conftest import ROOT, drop_pg_database, new_pg_database
from mirror_fixture import start_mirror
from prefect_live import (
    BIN,
    api,
    free_port,
    prefect_server,
    save_webhook_block,
    stop,
    wait_until,
    webhook_receiver,
)

from scrapers.normalise import normalise_announcement

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
            yield live.env
    finally:
        drop_pg_database(pg_admin, db_url)


@pytest.fixture(scope="module")
def deployed(prefect_server_env):  # type: ignore[no-untyped-def]
    """The process work pool and every deployment of prefect.yaml, registered with `prefect deploy`."""
    env = {**prefect_server_env}
    created = prefect(["work-pool", "create", "msbrief", "--type", "process"], env)
    assert created.returncode == 0, created.stdout + created.stderr
    result = prefect(["--no-prompt", "deploy", "--all"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ingest-govuk-nrm" in result.stdout
    # Paused, which drops their planned runs: runs here are started by hand, and a cron time coming
    # round mid-test would give a worker a run of another source on this test's database
    # (tests/test_scheduler.py lets the scheduler act).
    with api(env) as client:
        for deployment in client.read_deployments():
            client.pause_deployment(deployment.id)
    return env


def test_deploy_from_prefect_yaml_and_run_on_a_process_worker(deployed, tmp_path):
    env = {**deployed}
    with api(env) as client:
        nrm = client.read_deployment_by_name("ingest-source/ingest-govuk-nrm")

    work = tmp_path / "work"
    work.mkdir()
    with start_mirror() as mirror:
        worker_env = {
            **env,
            "MSBRIEF_DATABASE_URL": f"sqlite:///{work / 'msbrief.db'}",
            "MSBRIEF_OUTPUT_DIR": str(work / "var"),
            "MSBRIEF_GOVUK_BASE_URL": mirror.url_for("govuk_nrm"),
            "MSBRIEF_RATE_LIMIT_PER_HOST": "200",
        }
        worker_log = open(tmp_path / "worker.log", "w")
        worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=worker_env,
                                  cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            with api(env) as client:
                run_id = client.create_flow_run_from_deployment(nrm.id).id
            final = wait_until(lambda: _final(env, run_id), timeout=240, what="the triggered flow run to finish")
            assert final.state.type.value == "COMPLETED", (
                f"run ended {final.state.type.value}: {final.state.message}\n" + (tmp_path / "worker.log").read_text()[-4000:]
            )
            artifacts = _artifacts(env, final.id)
            summary = artifacts["ingest-govuk-nrm"]  # one artifact key per source
            assert "govuk_nrm" in summary.data and "| ok |" in summary.data
            assert artifacts["figures-govuk-nrm"].type == "table"
            # what the ingest stored is published in the same run, not at the next publish slot
            assert "publish-summary" in artifacts, sorted(artifacts)
            assert "Modern Slavery" in (work / "var" / "public" / "feeds" / "statistics.atom.xml").read_text()
            import sqlite3

            with sqlite3.connect(work / "msbrief.db") as db:  # the run is recorded for source health
                assert db.execute("select source, status from source_runs").fetchall() == [("govuk_nrm", "ok")]
                assert db.execute("select status from runs").fetchall() == [("ok",)]
            # run logs are shipped in batches after the state change: give the last batch time to land
            ours = ("flows.", "pipeline.", "scrapers.", "store.", "feeds.")
            if not _wait_quietly(lambda: any(log.name.startswith(ours) for log in _logs(env, final.id)), timeout=60):
                logs = _logs(env, final.id)
                pytest.fail(f"no log line from msbrief's loggers among {len(logs)}: {sorted({l.name for l in logs})}\n"
                            + "\nworker log:\n" + (tmp_path / "worker.log").read_text()[-6000:])
        finally:
            stop(worker)
            worker_log.close()


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
    from datetime import datetime, timedelta

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
    assert scheduled() == [("SCHEDULED", release_at)]  # from the announced minute: the run watches for it
    assert "'created': 0, 'deleted': 0" in _python(code, env)  # idempotent

    moved = release_at + timedelta(days=7)
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(Announcement(**{**ann.__dict__, "release_at": moved, "release_date_text": "(moved)"})))
    assert "'created': 1, 'deleted': 1" in _python(code, env)
    assert scheduled() == [("SCHEDULED", moved)]

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
