"""Scale-out, for real: a Prefect server on loopback backed by PostgreSQL, `prefect deploy` from
prefect.yaml, a process worker, a triggered run that completes, and its artifacts read back."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, drop_pg_database, new_pg_database
from mirror_fixture import start_mirror

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, *, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def prefect(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180, **kw)


@pytest.fixture
def prefect_server(pg_admin, tmp_path):  # type: ignore[no-untyped-def]
    """A real `prefect server start` on a free loopback port, its database in PostgreSQL."""
    db_url = new_pg_database(pg_admin)
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": db_url.replace("postgresql+psycopg", "postgresql+asyncpg"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
    }
    env.pop("PREFECT_API_KEY", None)
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)

    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited: {(tmp_path / 'server.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, timeout=120, what="the Prefect server to answer /api/health")
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        drop_pg_database(pg_admin, db_url)


def test_deploy_from_prefect_yaml_and_run_on_a_process_worker(prefect_server, tmp_path):
    env = {**prefect_server}
    created = prefect(["work-pool", "create", "msbrief", "--type", "process"], env)
    assert created.returncode == 0, created.stdout + created.stderr
    deployed = prefect(["--no-prompt", "deploy", "--all"], env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "ingest-govuk-nrm" in deployed.stdout

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
            run = prefect(["deployment", "run", "ingest-source/ingest-govuk-nrm"], env)
            assert run.returncode == 0, run.stdout + run.stderr
            final = wait_until(lambda: _finished_run(env), timeout=240, what="the triggered flow run to finish")
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            worker_log.close()
    assert final.state.type.value == "COMPLETED", (
        f"run ended {final.state.type.value}: {final.state.message}\n" + (tmp_path / "worker.log").read_text()[-4000:]
    )
    artifacts = _artifacts(env, final.id)
    summary = artifacts["ingest-summary"]
    assert "govuk_nrm" in summary.data and "| ok |" in summary.data
    assert artifacts["figures-extracted"].type == "table"
    assert (work / "msbrief.db").exists()


def _client(env):  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(env["PREFECT_API_URL"])


def _finished_run(env):  # type: ignore[no-untyped-def]
    with _client(env) as client:
        runs = [r for r in client.read_flow_runs() if r.name == "ingest-govuk_nrm" or r.deployment_id]
        done = [r for r in runs if r.state and r.state.is_final()]
        return done[0] if done else None


def _artifacts(env, flow_run_id):  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client(env) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}
