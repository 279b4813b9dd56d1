"""The deployments msbrief runs on a schedule: one definition for `msbrief serve` and prefect.yaml.

tests/test_deployments.py checks that prefect.yaml says the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.sources import source as source_spec
from vocabulary.calendar import LONDON_TZ_NAME as TIMEZONE


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # path:function, relative to the repository root
    crons: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "ingest-govuk-nrm", "flows/ingest.py:ingest_source",
        # every 4 hours, and just after the 9:30am statistics release slot
        ("15 */4 * * *", "35 9 * * *"),
        {"source": "govuk_nrm"},
        "Home Office NRM statistics on GOV.UK: releases, bulletin figures, announcements",
    ),
    DeploymentSpec("ingest-sentencing-council", "flows/ingest.py:ingest_source", ("20 */4 * * *",),
                   {"source": "sentencing_council"}, "Sentencing Council news, guidelines, consultations"),
    DeploymentSpec("ingest-iasc", "flows/ingest.py:ingest_source", ("25 */4 * * *",),
                   {"source": "iasc"}, "Independent Anti-Slavery Commissioner publications"),
    DeploymentSpec("ingest-atleu", "flows/ingest.py:ingest_source", ("30 */4 * * *",),
                   {"source": "atleu"}, "ATLEU news, cases and reports"),
    DeploymentSpec("ingest-govuk-guidance", "flows/ingest.py:ingest_source", ("35 */4 * * *",),
                   {"source": "govuk_guidance"}, "Modern slavery guidance and policy on GOV.UK, with change notes"),
    DeploymentSpec("ingest-parliament", "flows/ingest.py:ingest_source", ("40 */4 * * *",),
                   {"source": "parliament"}, "UK Parliament written questions, answers and statements"),
    DeploymentSpec("ingest-nca", "flows/ingest.py:ingest_source", ("5 */4 * * *",),
                   {"source": "nca"}, "National Crime Agency news on modern slavery and exploitation"),
    DeploymentSpec("ingest-glaa", "flows/ingest.py:ingest_source", ("10 */4 * * *",),
                   {"source": "glaa"}, "GLAA and Fair Work Agency news, on their site and GOV.UK"),
    DeploymentSpec("publish-feeds", "flows/publish.py:publish", ("45 */4 * * *", "45 9 * * *"), {},
                   "Rebuild RSS/Atom feeds and the index page"),
    DeploymentSpec("weekly-briefing", "flows/briefing.py:weekly_briefing", ("0 8 * * 1",), {},
                   "Monday 08:00 email briefing on last week"),
)



def deployment_of(source: str) -> str:
    """The 'flow/deployment' name of a source's ingest deployment."""
    return f"ingest-source/ingest-{source_spec(source).slug}"


def flow_for(spec: DeploymentSpec):
    """The flow object behind a deployment's entrypoint."""
    import importlib

    path, func = spec.entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, func)


def serve_all() -> None:
    """Register every deployment with its schedules on the Prefect API and run their runs here."""
    from prefect import serve
    from prefect.client.schemas.schedules import CronSchedule

    serve(*(
        flow_for(spec).to_deployment(
            name=spec.name,
            parameters=spec.parameters,
            description=spec.description,
            schedules=[CronSchedule(cron=c, timezone=TIMEZONE) for c in spec.crons],
        )
        for spec in DEPLOYMENTS
    ))


def enter_checkout() -> dict[str, str]:
    """Pull step of prefect.yaml: make the checkout this msbrief is installed from the working directory.

    A process worker starts each run in a temporary directory; the entrypoints (flows/...) are
    relative to the checkout, so the run moves there before Prefect loads the flow.
    """
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / "prefect.yaml").is_file():
        raise RuntimeError(
            f"msbrief is installed from {str(checkout)!r}, which is not a checkout (no prefect.yaml): "
            "install the worker's msbrief with scripts/setup.sh (an editable install of the checkout)"
        )
    os.chdir(checkout)
    return {"directory": str(checkout)}
