"""Release day end to end on a real Prefect server: the deployments of prefect.yaml, a process worker,
the mirror publishing a staged release at the announced minute (tests/release_day.py), a real SMTP
server and a webhook receiver on loopback; msbrief's store on SQLite and on PostgreSQL.

A scheduled ingest stores the announcement and schedules the release-time run at its minute; that
run, started by the worker when it falls due, sees the publication through the announcement, stores
the release, rebuilds the feeds and sends one email per recipient and one webhook POST; a rerun and
two concurrent runs of it send nothing again. `bench/release_day.py` measures the same path.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT
from prefect_live import BIN, api, prefect, prefect_server, stop, wait_until

from mirror import running_mirror
from tests.release_day import ANNOUNCEMENT, TimedHandler, staged_corpus, staged_release, worker_settings
from tests.smtp_server import smtp_server
from tests.webhook_server import webhook_server

pytestmark = pytest.mark.slow
RECIPIENTS = ["policy@example.org", "comms@example.org"]
LEAD = timedelta(seconds=50)  # from now to the announced minute, at least: room for the first ingest


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A Prefect server (SQLite) with the process work pool and every deployment of prefect.yaml, paused
    (their cron times never give this test's worker a run of their own)."""
    home = tmp_path_factory.mktemp("prefect-release-day")
    with prefect_server(home, database_url=f"sqlite+aiosqlite:///{home / 'prefect.db'}") as live:
        env = {**live.env}
        prefect(["work-pool", "create", "msbrief", "--type", "process"], env, cwd=ROOT)
        prefect(["--no-prompt", "deploy", "--all"], env, cwd=ROOT)
        with api(env) as client:
            for deployment in client.read_deployments():
                client.pause_deployment(deployment.id)
        yield env


def final_state(env: dict[str, str], run_id):  # type: ignore[no-untyped-def]
    with api(env) as client:
        run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


def release_runs(env: dict[str, str]) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with api(env) as client:
        return client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["release-watch"])))


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def test_release_day_end_to_end_once_per_channel(deployed, db_url, tmp_path):
    env = {**deployed}
    root = staged_corpus(tmp_path / "corpus")
    out = tmp_path / "var"
    announced = next_minute(datetime.now(UTC) + LEAD)
    handler = TimedHandler()
    with running_mirror(root) as mirror, smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as smtp, \
            webhook_server() as receiver:
        for response in staged_release(root, announced):
            response.put(mirror)
        worker_env = {
            **env, **worker_settings(db_url=db_url, out=out, mirror_url=mirror.url_for("govuk_nrm"),
                                     smtp_port=smtp.port, webhook=receiver.apprise_url(), recipients=RECIPIENTS,
                                     poll_interval=5),
            "MSBRIEF_RELEASE_POLL_WINDOW": "300", "PREFECT_WORKER_QUERY_SECONDS": "2",
        }
        log_path = tmp_path / "worker.log"
        with open(log_path, "w") as log:
            worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "msbrief"], env=worker_env,
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            try:
                _run_release_day(env, worker_env, announced, out, handler, receiver, log_path)
            finally:
                stop(worker)


def _run_release_day(env, worker_env, announced, out: Path, handler, receiver, log_path: Path) -> None:  # type: ignore[no-untyped-def]
    def worker_log() -> str:
        return "\nworker log:\n" + log_path.read_text()[-6000:]

    with api(env) as client:
        nrm = client.read_deployment_by_name("ingest-source/ingest-govuk-nrm")
        first = client.create_flow_run_from_deployment(nrm.id).id  # a scheduled ingest, before the release
    done = wait_until(lambda: final_state(env, first), timeout=300, what="the first ingest")
    assert done.state.type.value == "COMPLETED", f"{done.state.message}{worker_log()}"
    (scheduled,) = [r for r in release_runs(env) if r.parameters.get("announcement", "").endswith(ANNOUNCEMENT)
                    and r.expected_start_time == announced]  # this test's run (the server is the module's)
    # (on a machine so busy that the first ingest ended after the minute, the worker may have it already)
    assert scheduled.state.type.value in ("SCHEDULED", "PENDING", "RUNNING", "COMPLETED"), scheduled.state
    assert not receiver.posts and not handler.messages  # the releases read so far are history: no message

    # the worker starts the release-time run when it falls due; it watches from the announced minute
    ran = wait_until(lambda: final_state(env, scheduled.id), timeout=(announced - datetime.now(UTC)).total_seconds()
                     + 360, what="the release-time run")
    assert ran.state.type.value == "COMPLETED", f"{ran.state.message}{worker_log()}"
    assert "published as" in (ran.state.message or ""), ran.state.message
    statistics = (out / "public" / "feeds" / "statistics.atom.xml").read_text(encoding="utf-8")
    assert "Quarter 2 2023" in statistics  # the feeds were rebuilt with it
    assert sorted(r.rcpt_tos[0] for r in handler.messages) == sorted(RECIPIENTS)
    assert len(receiver.posts) == 1 and receiver.posts[0].json()["title"] == "New NRM statistics: April to June 2023"
    assert handler.messages[0].message()["Subject"] == "New NRM statistics: April to June 2023"
    published = announced.timestamp()
    print(f"\nrelease day: feeds on disk {(out / 'public' / 'feeds' / 'statistics.atom.xml').stat().st_mtime - published:.1f} s,"
          f" webhook {receiver.posts[0].at - published:.1f} s, emails {min(handler.times) - published:.1f}-"
          f"{max(handler.times) - published:.1f} s after the release was published")

    # a rerun, then two runs at once: nothing is sent again
    params = dict(scheduled.parameters)
    with api(env) as client:
        rerun = client.create_flow_run_from_deployment(nrm.id, parameters=params).id
    again = wait_until(lambda: final_state(env, rerun), timeout=300, what="the rerun")
    assert again.state.type.value == "COMPLETED", f"{again.state.message}{worker_log()}"
    with api(env) as client:
        both = [client.create_flow_run_from_deployment(nrm.id, parameters=params).id for _ in range(2)]
    for run_id in both:
        state = wait_until(lambda run_id=run_id: final_state(env, run_id), timeout=300, what="a concurrent run")
        assert state.state.type.value == "COMPLETED", f"{state.state.message}{worker_log()}"
    assert len(handler.messages) == len(RECIPIENTS) and len(receiver.posts) == 1
