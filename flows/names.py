"""Run names that say what a run is and when it was due: 'ingest govuk_nrm 2026-12-02 09:35', 'briefing 2026-W48 …'."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from vocabulary.calendar import LONDON

log = logging.getLogger("flows.names")


def scheduled_at() -> datetime:
    """When the current flow run was due (its schedule's time, not the moment a worker started it), in London."""
    from prefect.runtime import flow_run

    try:
        when = flow_run.scheduled_start_time
    except Exception:  # noqa: BLE001 - a name is never worth failing a run over; now is close enough
        when = None
    return datetime.fromtimestamp(when.timestamp(), UTC).astimezone(LONDON) if when else datetime.now(LONDON)


def run_name(template: str, **extra: Callable[[dict], object]) -> Callable[[], str]:
    """A flow_run_name callable: `template` filled with the run's parameters (and `extra` values worked out
    from them), then the London time the run was scheduled for."""

    def name() -> str:
        from prefect.runtime import flow_run

        given = dict(flow_run.parameters or {})
        params = {k: ("" if v is None else v) for k, v in given.items()}
        for key, work_out in extra.items():
            if not params.get(key):
                params[key] = work_out(given) or ""
        try:
            what = " ".join(template.format(**params).split())
        except (KeyError, IndexError, ValueError):
            what = template.split(" ", 1)[0]
        return f"{what} {scheduled_at():%Y-%m-%d %H:%M}"

    return name
