"""Operating msbrief on a shared Prefect server (PostgreSQL-backed, process workers; tests/prefect_pool.py):
the API going away after a store, one run per deployment at a time and the govuk-api limit, the shipped
automations (a crash before the flow loads alerts, a run left late is cancelled), and `msbrief serve`
meeting the pool's deployments (last: it changes them, then puts them back as the README says)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from conftest import ROOT, drop_pg_database, new_pg_database
from mirror_fixture import start_mirror
from prefect.states import Scheduled
from prefect_live import (
    BIN,
    api,
    save_webhook_block,
    stop,
    wait_until,
    webhook_receiver,
)
from prefect_pool import (
    final_of,
    prefect,
    redeploy,
    registrations,
    run_filter,
    upgrade_store,
)
from sqlalchemy import create_engine, text

from pipeline.sources import pointed_at_corpus

pytestmark = pytest.mark.slow


def test_two_runs_of_one_source_at_once_the_second_waits(deployed, store_url, tmp_path):
    """prefect.yaml's concurrency limit of 1 (ENQUEUE): the second run waits in AwaitingConcurrencySlot while the
    first is held in its store by a lock the test owns, then runs once the first has finished."""
    env = {**deployed}
    upgrade_store(store_url)  # the schema first, so the lock has a table to hold
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
                finals = [wait_until(lambda i=i: final_of(env, i), timeout=300, what="both runs to finish") for i in ids]
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
            tasks = {t.name: t for t in client.read_task_runs(flow_run_filter=run_filter(run.id))}
    finally:
        prefect(["concurrency-limit", "delete", "govuk-api"], env)
    govuk = sorted((tasks[f"ingest-{name}"] for name in ("govuk_nrm", "govuk_guidance")), key=lambda t: t.start_time)
    assert all("govuk-api" in t.tags for t in govuk) and "govuk-api" not in tasks["ingest-iasc"].tags
    assert govuk[1].start_time >= govuk[0].end_time, [(t.name, t.start_time, t.end_time) for t in govuk]


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
                final = wait_until(lambda: final_of(env, run_id), timeout=240, what="the broken run to end")
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


def test_serve_beside_the_pool_deployments_refuses_then_takes_over_only_when_told(deployed, tmp_path):
    """Last in this module: it changes the pool's deployments, then puts them back as the README says."""
    env = {**deployed}
    serve_env = {**env, "MSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'msbrief.db'}",
                 "MSBRIEF_OUTPUT_DIR": str(tmp_path / "var")}
    before = registrations(env)
    assert all(pull and pool == "msbrief" for pull, pool, _ in before.values()), before
    refused = subprocess.run([str(BIN / "msbrief"), "serve"], env=serve_env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=240)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert "prefect deploy" in line and "--take-over" in line and "ingest-source/ingest-govuk-nrm" in line, line
    assert registrations(env) == before, "a refused serve changed the deployments"

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
                now = registrations(env)
                return len(now) == len(before) and not any(pull for pull, _, _ in now.values())

            wait_until(served, timeout=240, what="msbrief serve --take-over to register every deployment")
        finally:
            stop(serve)
    after = registrations(env)
    assert after["weekly-briefing"][2] is True, "serve left its own deployment unpaused on shutdown"
    assert after["ingest-iasc"][2] is False, "serve paused a deployment it did not create"

    redeploy(env)  # the README's recovery: `prefect deploy --all` gives the pool its deployments back
    assert all(pull and pool == "msbrief" for pull, pool, _ in registrations(env).values())
