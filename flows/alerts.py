"""Failure alerting: a failed flow run notifies through the Prefect block named in settings."""

from __future__ import annotations

import logging

from pipeline.settings import get_settings

log = logging.getLogger("flows.alerts")


def notify_failure(flow, flow_run, state) -> None:
    """Flow on_failure/on_crashed hook: send the notification through MSBRIEF_NOTIFY_BLOCK, if one is configured."""
    message = f"msbrief flow {flow.name!r} run {flow_run.name!r} ended {state.type.value}: {state.message}"
    if getattr(flow_run, "parent_task_run_id", None):
        return  # a subflow: its parent fails too and sends the one alert naming every failure
    block_name = get_settings().notify_block
    if not block_name:
        return
    try:
        block = _load_block(block_name)
        block.notify(body=message, subject=f"msbrief: {flow.name} {state.type.value.lower()}")
        log.info("alert sent through block %r", block_name)  # the reason itself is in the log already
    except Exception as exc:  # noqa: BLE001 - alerting must never mask the original failure
        log.error("could not send the failure notification through block %r: %s", block_name, exc)


def _load_block(name: str):
    """A notification block by 'block-type-slug/block-name' (e.g. 'slack-webhook/ops')."""
    from prefect.blocks.core import Block

    if "/" not in name:
        raise ValueError(f"MSBRIEF_NOTIFY_BLOCK={name!r}: expected 'block-type-slug/block-name', e.g. 'slack-webhook/ops'")
    return Block.load(name)
