"""Run names that say what a run is: 'ingest govuk_nrm 2026-12-02 09:35', 'briefing 2026-W48'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from vocabulary.calendar import LONDON


def run_name(template: str) -> Callable[[], str]:
    """A flow_run_name callable: `template` filled with the run's parameters, then its London start time."""

    def name() -> str:
        from prefect.runtime import flow_run

        params = {k: ("" if v is None else v) for k, v in (flow_run.parameters or {}).items()}
        try:
            what = template.format(**params).strip()
        except (KeyError, IndexError, ValueError):
            what = template.split(" ", 1)[0]
        return f"{what} {datetime.now(UTC).astimezone(LONDON):%Y-%m-%d %H:%M}"

    return name
