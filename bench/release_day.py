"""Release-day latency (issue 29 point 5): from a release's publication to the readers, on a real Prefect server.

    .venv/bin/python -m bench.release_day            # about 8 minutes on 2 cores; writes its BENCHMARKS.md section

A real `prefect server start` (SQLite, on a free loopback port, PREFECT_HOME in a temporary
directory), the work pool and every deployment of prefect.yaml (`prefect deploy --all`, paused so
their crons stay out of the way), and a process worker with the shipped settings (its default
polling, MSBRIEF_RELEASE_POLL_INTERVAL=30). The mirror serves the recorded GOV.UK NRM source with
one release staged (tests/release_day.py): its announcement is confirmed for a minute ahead, and
the release is published at that minute, or some seconds after it (GOV.UK late). A scheduled
ingest reads the announcement and schedules the release-time run; the worker starts that run when
it falls due. Measured from the publication, and from the start of the release-time run (Prefect's
start time): (a) the statistics feed on disk with the new release (the file's mtime), (b) the JSON
webhook POST received, (c) each email accepted by the SMTP server on loopback. Targets: under 60 s
after the release-time run starts; under five minutes from a 09:30 publication.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.release_day and the loopback servers of the tests
START, END = "<!-- bench.release_day:start -->", "<!-- bench.release_day:end -->"
RECIPIENTS = ["policy@example.org", "comms@example.org", "press@example.org"]
LEAD = timedelta(seconds=60)  # from now to the announced minute, at least: the first ingest ends before it
SCENARIOS = (("sqlite", 0.0), ("sqlite", 10.0), ("postgresql", 0.0))  # (database, publication after the minute, s)
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _tests(name: str) -> Any:
    """A module of the tests' loopback machinery (tests/ is not type-checked: loaded at run time)."""
    import importlib

    return importlib.import_module(f"tests.{name}")


def _final(env: dict[str, str], run_id: Any) -> Any:
    with _tests("prefect_live").api(env) as client:
        run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


def _database(kind: str, work: Path, name: str) -> tuple[str, Any]:
    """A fresh database URL for one scenario and a function that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{work / name}.db", lambda: None
    from sqlalchemy import create_engine, text

    db = f"msbrief_bench_release_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES.rsplit("/", 1)[0] + f"/{db}", drop


def scenario(env: dict[str, str], work: Path, *, database: str, late: float) -> dict[str, Any]:
    """One release day: the staged release published `late` seconds after its announced minute."""
    from mirror import running_mirror

    live, day = _tests("prefect_live"), _tests("release_day")
    smtp_server, webhook_server = _tests("smtp_server").smtp_server, _tests("webhook_server").webhook_server

    name = f"{database}-{late:g}"
    work = work / name
    work.mkdir(parents=True)
    root = day.staged_corpus(work / "corpus")
    out = work / "var"
    db_url, drop = _database(database, work, name)
    announced = (datetime.now(UTC) + LEAD + timedelta(minutes=1)).replace(second=0, microsecond=0)
    published = announced.timestamp() + late
    handler = day.TimedHandler()
    try:
        with running_mirror(root) as mirror, smtp_server(work, mode="plain", auth=False, handler=handler) as smtp, \
                webhook_server() as receiver:
            for response in day.staged_release(root, announced, published=published):
                response.put(mirror)
            worker_env = {**env, **day.worker_settings(db_url=db_url, out=out, mirror_url=mirror.url_for("govuk_nrm"),
                                                   smtp_port=smtp.port, webhook=receiver.apprise_url(),
                                                   recipients=RECIPIENTS)}
            with open(work / "worker.log", "w") as log:
                worker = subprocess.Popen([str(live.BIN / "prefect"), "worker", "start", "--pool", "msbrief"],
                                          env=worker_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                try:
                    with live.api(env) as client:
                        nrm = client.read_deployment_by_name("ingest-source/ingest-govuk-nrm")
                        first = client.create_flow_run_from_deployment(nrm.id).id
                    live.wait_until(lambda: _final(env, first), timeout=300, what="the first ingest")
                    if datetime.now(UTC) >= announced:
                        raise RuntimeError("the first ingest ended after the announced minute: raise LEAD")
                    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

                    with live.api(env) as client:
                        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                            tags=FlowRunFilterTags(all_=["release-watch"])))
                    (run,) = [r for r in runs if str(r.parameters.get("announcement", "")).endswith(day.ANNOUNCEMENT)
                              and r.expected_start_time == announced]  # this scenario's, not an earlier one's
                    timeout = (announced - datetime.now(UTC)).total_seconds() + 600
                    done = live.wait_until(lambda: _final(env, run.id), timeout=timeout, what="the release-time run")
                    live.wait_until(lambda: len(handler.times) == len(RECIPIENTS) and receiver.posts, timeout=60,
                               what="every message")
                finally:
                    live.stop(worker)
        started = done.start_time.timestamp()
        feed = (out / "public" / "feeds" / "statistics.atom.xml").stat().st_mtime
        at = {"feeds": feed, "webhook": receiver.posts[0].at, "email_first": min(handler.times),
              "email_last": max(handler.times)}
        return {"database": database, "late": late, "state": done.state.type.value,
                "announced": announced.isoformat(), "run_started_after_minute": started - announced.timestamp(),
                "from_publication": {k: v - published for k, v in at.items()},
                "from_run_start": {k: v - started for k, v in at.items()},
                "messages": len(handler.times), "posts": len(receiver.posts)}
    finally:
        drop()


def run_all(work: Path) -> dict[str, Any]:
    live = _tests("prefect_live")
    home = work / "prefect"
    results: dict[str, Any] = {"scenarios": [], "load_before": list(_load())}
    with live.prefect_server(home, database_url=f"sqlite+aiosqlite:///{home / 'prefect.db'}") as server:
        env = {**server.env}
        live.prefect(["work-pool", "create", "msbrief", "--type", "process"], env, cwd=ROOT)
        live.prefect(["--no-prompt", "deploy", "--all"], env, cwd=ROOT)
        with live.api(env) as client:
            for deployment in client.read_deployments():
                client.pause_deployment(deployment.id)
        for database, late in SCENARIOS:
            print(f"release day: {database}, published {late:g} s after the announced minute", flush=True)
            results["scenarios"].append(scenario(env, work, database=database, late=late))
    results["load_after"] = list(_load())
    return results


def _load() -> tuple[float, ...]:
    import os

    return tuple(round(x, 2) for x in os.getloadavg())


def section(results: dict[str, Any]) -> list[str]:
    rows = []
    for r in results["scenarios"]:
        p, s = r["from_publication"], r["from_run_start"]
        worst_run = max(s.values())
        rows.append(
            f"| {'SQLite' if r['database'] == 'sqlite' else 'PostgreSQL'} | {r['late']:g} s | "
            f"{r['run_started_after_minute']:+.1f} s | {p['feeds']:.1f} s | {p['webhook']:.1f} s | "
            f"{p['email_first']:.1f}–{p['email_last']:.1f} s | {worst_run:.1f} s | "
            f"{'PASS' if worst_run < 60 and max(p.values()) < 300 and r['state'] == 'COMPLETED' else 'FAIL'} |")
    return [
        START,
        "## Release day: publication to readers (issue 29)",
        "",
        "`.venv/bin/python -m bench.release_day` (bench/release_day.py): a real Prefect server with the deployments "
        "of prefect.yaml and a process worker at its defaults, the shipped MSBRIEF_RELEASE_POLL_INTERVAL (30 s), the "
        "mirror publishing a staged NRM release at its announced minute or 10 s after it (GOV.UK late), a real SMTP "
        f"server ({len(RECIPIENTS)} recipients) and a JSON webhook on loopback. Times from the publication to the "
        "statistics feed on disk with the release, the webhook POST received and the emails accepted; the release-time "
        "run starts before the minute (the worker's prefetch) and looks from the minute on. Targets: under 60 s after "
        "the release-time run starts, and under five minutes from a 09:30 publication. 1-minute load average "
        f"{results['load_before'][0]} before, {results['load_after'][0]} after, on 2 cores.",
        "",
        "| store | published after the minute | run started | feeds on disk | webhook | emails | "
        "last one after the run started | verdict |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "A release GOV.UK publishes late is seen at the next look (every 30 s). Without a release-time run (an "
        "announcement msbrief never read), the shipped 09:35 ingest finds it: five minutes and one ingest after 09:30.",
        END,
    ]


def write(lines: list[str], path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace this section of BENCHMARKS.md (or add it at the end)."""
    text = path.read_text(encoding="utf-8")
    block = "\n".join(lines)
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.release_day", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="the report (default BENCHMARKS.md)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="msbrief-release-day-") as tmp:
        results = run_all(Path(tmp))
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "release_day.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    lines = section(results)
    write(lines, args.output)
    print("\n".join(lines))
    print(f"{(time.perf_counter() - started) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
