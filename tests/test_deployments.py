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


def test_the_documented_automation_is_valid_for_prefect():
    from prefect.events.schemas.automations import AutomationCore

    doc = yaml.safe_load((ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8"))
    (automation,) = [AutomationCore.model_validate(a) for a in doc["automations"]]
    assert automation.trigger.posture == "Proactive"
    assert automation.trigger.within.total_seconds() == 26 * 3600


def test_the_automation_message_names_the_window_it_watched():
    """A proactive trigger fires on no event: the message's times come from the firing (rendered by Prefect)."""
    from datetime import datetime

    from prefect.server.events.schemas.automations import EventTrigger, Firing, TriggerState
    from prefect.server.utilities.user_templates import render_user_template_sync

    doc = yaml.safe_load((ROOT / "ops" / "automations.yaml").read_text(encoding="utf-8"))
    (automation,) = doc["automations"]
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
