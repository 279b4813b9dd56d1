"""The PostgreSQL-backed Prefect server the scale-out tests share (one per test module), the process pool
and prefect.yaml's deployments on it (the database URL in a Secret block, as the README says), and
reading back through its API what runs did.

A test module asks for the fixtures `pool`, `deployed` or `store_url` (tests/conftest.py); `pool` is
module-scoped: one server per module that asks.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT, drop_pg_database, new_pg_database
from prefect_live import (
    BIN,
    api,
    pool_template,
    prefect_server,
    save_secret_block,
)
from sqlalchemy.engine import Engine


def wait_quietly(check, *, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def prefect(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180, **kw)


@dataclass(frozen=True)
class PoolServer:
    env: dict[str, str]  # its clients' environment: PREFECT_API_URL, a PREFECT_HOME of their own, the contact address
    store_url: str  # msbrief's own database for the worker's runs, handed to them only through a Secret block


@contextmanager
def pool_server(pg_admin: Engine, home: Path) -> Iterator[PoolServer]:
    """A real `prefect server start` on a free loopback port (its database in PostgreSQL), the process work
    pool as the README's pool.json makes it (the database in a Secret block, no secret in the pool) and
    every deployment of prefect.yaml registered with `prefect deploy`, paused (see `redeploy`)."""
    server_db, store = new_pg_database(pg_admin), new_pg_database(pg_admin)
    try:
        with prefect_server(home / "prefect-server",
                            database_url=server_db.replace("postgresql+psycopg", "postgresql+asyncpg")) as live:
            env = {**live.env, "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost"}  # for the commands run here
            save_secret_block(env, name="msbrief-database", value=store)
            pool = pool_template(env, home / "pool.json",
                                 variables={"MSBRIEF_DATABASE_SECRET_BLOCK": "msbrief-database",
                                            "MSBRIEF_CONTACT_EMAIL": "msbrief-tests@localhost"})
            created = prefect(["work-pool", "create", "msbrief", "--type", "process", "--base-job-template", str(pool)],
                              env)
            assert created.returncode == 0, created.stdout + created.stderr
            redeploy(env)
            yield PoolServer(env=env, store_url=store)
    finally:
        drop_pg_database(pg_admin, store)
        drop_pg_database(pg_admin, server_db)


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


def final_of(env, run_id):  # type: ignore[no-untyped-def]
    with api(env) as client:
        run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


def artifacts_of(env, flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with api(env) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def run_filter(flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    return FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))


def task_logs(env, task_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import LogFilter, LogFilterTaskRunId

    with api(env) as client:
        return client.read_logs(log_filter=LogFilter(task_run_id=LogFilterTaskRunId(any_=[task_run_id])), limit=200)


def logs_of(env, flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    found, page = [], 200
    with api(env) as client:
        while True:  # the API pages its answers
            batch = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                     limit=page, offset=len(found))
            found += batch
            if len(batch) < page:
                return found


def python_code(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def upgrade_store(url: str) -> None:
    from store.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def registrations(env):  # type: ignore[no-untyped-def]
    """deployment name -> (pull steps, work pool, paused) as the server has them."""
    with api(env) as client:
        return {d.name: (d.pull_steps, d.work_pool_name, d.paused) for d in client.read_deployments()}
