"""prefect.yaml and flows/deployments.py describe the same deployments, and their entrypoints load."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
import yaml

from flows.deployments import DEPLOYMENTS, TIMEZONE

ROOT = Path(__file__).resolve().parent.parent


def prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def test_prefect_yaml_matches_the_deployments_msbrief_serve_uses():
    declared = {
        d["name"]: (d["entrypoint"], tuple(s["cron"] for s in d["schedules"]), d.get("parameters") or {})
        for d in prefect_yaml()["deployments"]
    }
    ours = {s.name: (s.entrypoint, s.crons, s.parameters) for s in DEPLOYMENTS}
    assert declared == ours


def test_every_schedule_is_in_uk_time_and_every_deployment_uses_the_process_pool():
    doc = prefect_yaml()
    assert doc["definitions"]["work_pools"]["msbrief"]["name"] == "msbrief"
    for d in doc["deployments"]:
        assert d["work_pool"]["name"] == "msbrief", d["name"]
        assert d["schedules"], f"{d['name']} has no schedule"
        assert {s["timezone"] for s in d["schedules"]} == {TIMEZONE}, d["name"]


def test_the_briefing_goes_out_on_monday_at_eight_and_nrm_is_checked_after_the_release_slot():
    crons = {s.name: s.crons for s in DEPLOYMENTS}
    assert crons["weekly-briefing"] == ("0 8 * * 1",)
    assert any(c.startswith("35 9 ") for c in crons["ingest-govuk-nrm"])


@pytest.mark.parametrize("entrypoint", sorted({s.entrypoint for s in DEPLOYMENTS}))
def test_entrypoints_load_from_a_fresh_clone_layout(entrypoint, monkeypatch):
    from prefect.flows import Flow, load_flow_from_entrypoint

    monkeypatch.chdir(ROOT)
    loaded = load_flow_from_entrypoint(entrypoint)
    assert isinstance(loaded, Flow)


def automations() -> dict[str, dict]:
    doc = yaml.safe_load((ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8"))
    return {a["name"]: a for a in doc["automations"]}


def test_the_shipped_automations_are_valid_for_prefect():
    from prefect.events.schemas.automations import AutomationCore

    shipped = {name: AutomationCore.model_validate(a) for name, a in automations().items()}
    assert set(shipped) == {"msbrief-run-failed", "msbrief-run-crashed", "msbrief-late-runs-piling-up",
                            "msbrief-cancel-late-runs", "msbrief-no-successful-ingest-in-26-hours"}
    expected = {"msbrief-run-failed": "prefect.flow-run.Failed", "msbrief-run-crashed": "prefect.flow-run.Crashed",
                "msbrief-late-runs-piling-up": "prefect.flow-run.Late"}
    for name, event in expected.items():
        assert shipped[name].trigger.expect == {event} and shipped[name].trigger.posture == "Reactive", name
    cancel = shipped["msbrief-cancel-late-runs"]
    assert cancel.trigger.after == {"prefect.flow-run.Late"} and cancel.trigger.posture == "Proactive"
    assert [a.type for a in cancel.actions] == ["cancel-flow-run"]
    assert "weekly-briefing" not in str(automations()["msbrief-cancel-late-runs"]["trigger"]), "never cancel a briefing"
    quiet = shipped["msbrief-no-successful-ingest-in-26-hours"]
    assert quiet.trigger.posture == "Proactive" and quiet.trigger.within.total_seconds() == 26 * 3600
    # one notification block for all: the line operators edit
    blocks = {str(a.block_document_id) for auto in shipped.values() for a in auto.actions if a.type == "send-notification"}
    assert len(blocks) == 1, blocks


def test_the_automation_message_names_the_window_it_watched():
    """A proactive trigger fires on no event: the message's times come from the firing (rendered by Prefect)."""
    from datetime import datetime

    from prefect.server.events.schemas.automations import EventTrigger, Firing, TriggerState
    from prefect.server.utilities.user_templates import render_user_template_sync

    automation = automations()["msbrief-no-successful-ingest-in-26-hours"]
    firing = Firing(trigger=EventTrigger.model_validate(automation["trigger"]), trigger_states={TriggerState.Triggered},
                    triggered=datetime(2026, 3, 29, 9, 30, tzinfo=UTC))
    (action,) = automation["actions"]
    body = render_user_template_sync(action["body"], {"firing": firing, "event": None, "automation": automation})
    assert "since 2026-03-28 07:30 UTC (checked at 2026-03-29 09:30 UTC)" in body, body
    assert "{{" not in action["subject"] + body


def test_the_pull_step_names_no_path_and_enters_the_checkout(monkeypatch, tmp_path):
    """`prefect deploy` stores prefect.yaml's pull step as written: it must name no machine's path."""
    import importlib
    import os

    (step,) = prefect_yaml()["pull"]
    ((name, inputs),) = step.items()
    assert inputs == {}
    module, function = name.rsplit(".", 1)
    monkeypatch.chdir(tmp_path)  # a process worker starts each run in a temporary directory
    assert getattr(importlib.import_module(module), function)() == {"directory": str(ROOT)}
    assert Path(os.getcwd()) == ROOT


def test_every_deployment_carries_the_commit_it_runs():
    """prefect.yaml's build step gives each deployment `version: {{ code.version }}`: this checkout's commit."""
    import subprocess

    from flows.deployments import code_version, version_step

    doc = prefect_yaml()
    (step,) = doc["build"]
    ((name, inputs),) = step.items()
    assert name == "flows.deployments.version_step" and inputs == {"id": "code"}
    assert {d["name"]: d.get("version") for d in doc["deployments"]} == {s.name: "{{ code.version }}" for s in DEPLOYMENTS}
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert code_version().removesuffix("-dirty") == head
    assert version_step() == {"version": code_version()}


def test_outside_git_the_version_is_the_package_version(monkeypatch, tmp_path):
    from flows.deployments import code_version

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # code unpacked with no .git above it
    assert code_version(tmp_path) == "0.1.0 (no git commit)"


def test_importing_flows_does_not_import_prefect():
    """flows/prefect_env.py sets Prefect's settings (our loggers in the run logs) before Prefect is first
    imported; `from flows import prefect_env` must not import it first."""
    import subprocess
    import sys

    code = "import sys\nfrom flows import prefect_env\nprint('prefect' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_one_run_per_deployment_at_a_time_the_next_waits():
    from flows.deployments import CONCURRENCY

    assert CONCURRENCY == {"limit": 1, "collision_strategy": "ENQUEUE"}
    assert {d["name"]: d.get("concurrency_limit") for d in prefect_yaml()["deployments"]} == {
        s.name: CONCURRENCY for s in DEPLOYMENTS}
