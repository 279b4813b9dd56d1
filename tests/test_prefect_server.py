"""Scale-out, for real: a Prefect server on loopback backed by PostgreSQL, `prefect deploy` from
prefect.yaml onto a pool whose runs read the database URL from a Prefect Secret block, a process
worker, a triggered run that completes, its name, version and artifacts read back; a failed run's
log and alert; what every run says it is and how it ended (tests/prefect_pool.py: the server)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ROOT
from mirror_fixture import start_mirror
from prefect.states import Scheduled
from prefect_live import (
    BIN,
    api,
    free_port,
    save_secret_block,
    save_webhook_block,
    stop,
    wait_until,
    webhook_receiver,
)
from prefect_pool import (
    artifacts_of,
    final_of,
    logs_of,
    python_code,
    run_filter,
    task_logs,
    wait_quietly,
)
from sqlalchemy import create_engine, text

from scrapers.normalise import normalise_announcement
from vocabulary.calendar import LONDON

pytestmark = pytest.mark.slow


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
            final = wait_until(lambda: final_of(env, run_id), timeout=240, what="the triggered flow run to finish")
            assert final.state.type.value == "COMPLETED", (
                f"run ended {final.state.type.value}: {final.state.message}\n" + (tmp_path / "worker.log").read_text()[-4000:]
            )
            assert final.state.message.startswith("govuk_nrm: "), final.state.message
            assert final.name == f"ingest govuk_nrm {due.astimezone(LONDON):%Y-%m-%d %H:%M}", (final.name, due)
            artifacts = artifacts_of(env, final.id)
            summary = artifacts["ingest-govuk-nrm"]  # one artifact key per source
            assert "govuk_nrm" in summary.data and "| ok |" in summary.data
            assert artifacts["figures-govuk-nrm"].type == "table"
            # what the ingest stored is published in the same run, not at the next publish slot
            assert "publish-summary" in artifacts, sorted(artifacts)
            assert "Modern Slavery" in (work / "var" / "public" / "feeds" / "statistics.atom.xml").read_text()
            with api(env) as client:  # GOV.UK's sources share one concurrency limit, by tag
                (task,) = [t for t in client.read_task_runs(flow_run_filter=run_filter(final.id))
                           if t.name == "ingest-govuk_nrm"]
            assert "govuk-api" in task.tags, task.tags
            store = create_engine(store_url)
            with store.connect() as db:  # the run is recorded for source health
                assert db.execute(text("select source, status from source_runs")).all() == [("govuk_nrm", "ok")]
                assert db.execute(text("select status from runs")).all() == [("ok",)]
            store.dispose()
            # run logs are shipped in batches after the state change: give the last batch time to land
            ours = ("flows.", "pipeline.", "scrapers.", "store.", "feeds.")
            if not wait_quietly(lambda: any(log.name.startswith(ours) for log in logs_of(env, final.id)), timeout=60):
                logs = logs_of(env, final.id)
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
            final = wait_until(lambda: final_of(env, run_id), timeout=240, what="the failing run to finish")
            # its process ships its last log lines as it exits: stopping the worker earlier would cut them off
            wait_until(lambda: any(m.message.startswith("Finished in state") and m.task_run_id is None
                                   for m in logs_of(env, final.id)), timeout=120, what="the run's last log line")
        finally:
            stop(worker)
    assert final.state.type.value == "FAILED", final.state
    reason = final.state.message
    assert reason.startswith("atleu failed: ") and reason.endswith(f"127.0.0.1:{closed}/cases-news?format=json"), reason
    logs = logs_of(env, final.id)
    with api(env) as client:
        tasks = client.read_task_runs(flow_run_filter=run_filter(final.id))
    logs += [log for t in tasks for log in task_logs(env, t.id) if log.id not in {m.id for m in logs}]
    text_of = "\n".join(f"{m.level} {m.name}: {m.message}" for m in logs)
    errors = [m for m in logs if m.level >= 40]
    url = f"http://127.0.0.1:{closed}/cases-news?format=json"
    assert len([m for m in errors if url in m.message]) == 1, text_of
    assert not [m for m in logs if "Traceback" in m.message or "Failed(message=" in m.message
                or "Engine execution exited" in m.message], text_of


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

    assert "'created': 1" in python_code(code, env)
    assert scheduled() == [("SCHEDULED", release_at)]  # from the announced minute: the run watches for it
    assert "'created': 0, 'deleted': 0" in python_code(code, env)  # idempotent

    moved = release_at + timedelta(days=7)
    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(Announcement(**{**ann.__dict__, "release_at": moved, "release_date_text": "(moved)"})))
    assert "'created': 1, 'deleted': 1" in python_code(code, env)
    assert scheduled() == [("SCHEDULED", moved)]

    with transaction(engine) as s:
        repo.upsert_announcement(s, normalise_announcement(Announcement(**{**ann.__dict__, "release_at": moved, "release_date_text": "(moved)",
                                                    "state": "cancelled"})))
    assert "'created': 0, 'deleted': 1" in python_code(code, env)
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
        tasks = client.read_task_runs(flow_run_filter=run_filter(run.id))
    assert run.state.type.value == "FAILED" and "atleu" in run.state.message, run.state
    assert run.name.startswith("cycle 20"), f"run names say what they are and when: {run.name!r}"
    ingest = [t for t in tasks if t.name.startswith("ingest-atleu")]
    assert ingest and all(t.state.type.value == "FAILED" for t in ingest), [(t.name, t.state.type) for t in tasks]
    wait_until(lambda: any("atleu" in log.message and "failed" in log.message for log in logs_of(env, run.id)),
               timeout=60, what="the failure's reason in the run's logs")
    logs = [log.message for log in logs_of(env, run.id)] + [
        log.message for t in tasks for log in task_logs(env, t.id)]
    assert not [m for m in logs if "Traceback" in m], "\n".join(m for m in logs if "Traceback" in m)[-3000:]
    assert "ingest-atleu" in artifacts_of(env, run.id), sorted(artifacts_of(env, run.id))


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


def test_every_run_says_what_it_is_and_how_it_ended(deployed, tmp_path):
    """An ingest, a publish and a briefing with nobody to send it to: names, state messages, the delivery record."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    started = datetime.now(UTC)
    with start_mirror() as mirror:
        env = {**deployed, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
               "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var"), "MSBRIEF_ATLEU_BASE_URL": mirror.url_for("atleu"),
               "MSBRIEF_RATE_LIMIT_PER_HOST": "200"}
        python_code("from flows.ingest import ingest_source\nfrom flows.publish import publish\n"
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
        tasks = client.read_task_runs(flow_run_filter=run_filter(briefing.id))
    assert [t.name for t in tasks] == [f"briefing-{week}"]
    record = artifacts_of(env, briefing.id)["briefing-deliveries"]  # there even when nobody is sent the briefing
    assert "(none)" in str(record.data) and "dry run" in str(record.data), record.data
