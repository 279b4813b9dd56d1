"""The deployments msbrief runs on a schedule: one definition for `msbrief serve` and prefect.yaml.

tests/test_deployments.py checks that prefect.yaml says the same.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.sources import source as source_spec
from vocabulary.calendar import LONDON_TZ_NAME as TIMEZONE

log = logging.getLogger("flows.deployments")


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



CHECKOUT = Path(__file__).resolve().parent.parent


def code_version(checkout: Path = CHECKOUT) -> str:
    """The code a deployment runs, for its `version` in the UI: the checkout's short commit ('3f2a9c1',
    '3f2a9c1-dirty' with uncommitted changes), or the package version when this is no git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()

    try:
        sha = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{version('msbrief')} (no git commit)"
        except PackageNotFoundError:
            return "unknown (no git commit)"
    return f"{sha}-dirty" if dirty else sha


def version_step() -> dict[str, str]:
    """Build step of prefect.yaml: `{{ code.version }}` in each deployment is code_version()."""
    return {"version": code_version()}


# One run of a deployment at a time; a run that comes due while another is running waits for it
# (ENQUEUE: AwaitingConcurrencySlot in the UI) rather than being cancelled: a source read twice at once
# would only fetch the same pages twice, and a late run still has something to do.
CONCURRENCY = {"limit": 1, "collision_strategy": "ENQUEUE"}


def deployment_of(source: str) -> str:
    """The 'flow/deployment' name of a source's ingest deployment."""
    return f"ingest-source/ingest-{source_spec(source).slug}"


def flow_for(spec: DeploymentSpec):
    """The flow object behind a deployment's entrypoint."""
    import importlib

    path, func = spec.entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, func)


class ServeRefused(Exception):
    """`msbrief serve` would take over deployments that `prefect deploy` registered for a work pool."""


def registered_for_a_pool(client: Any) -> list[str]:
    """'flow/deployment' names of msbrief's deployments on this API registered from prefect.yaml (a pull step
    or a work pool): a worker runs those, and a served deployment of the same name would replace them."""
    from prefect.exceptions import ObjectNotFound

    found = []
    for spec in DEPLOYMENTS:
        name = f"{flow_for(spec).name}/{spec.name}"
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            continue
        if deployment.pull_steps or deployment.work_pool_name:
            found.append(name)
    return found


def serve_all(*, take_over: bool = False, starting: Callable[[], object] = lambda: None) -> None:
    """Register every deployment with its schedules on the Prefect API and run their runs here.

    Refuses (ServeRefused) when prefect.yaml's deployments of the same names are there for a work
    pool, unless `take_over`. On shutdown, pauses only the deployments this set-up owns, never
    ones it took over from a pool.
    """
    from prefect import serve
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.client.schemas.schedules import CronSchedule

    with get_client(sync_client=True) as client:
        pooled = registered_for_a_pool(client)
    if pooled and not take_over:
        raise ServeRefused(
            f"{len(pooled)} of msbrief's deployments on this Prefect API ({', '.join(pooled[:3])}"
            f"{', ...' if len(pooled) > 3 else ''}) were registered by `prefect deploy` for a work pool; serving "
            "them here would take them from its worker: use one set-up per server (README: Operating with "
            "Prefect), or pass --take-over (`prefect deploy --all` gives them back)")
    starting()
    version = code_version()
    served = [
        flow_for(spec).to_deployment(
            name=spec.name,
            parameters=spec.parameters,
            description=spec.description,
            version=version,
            concurrency_limit=ConcurrencyLimitConfig.model_validate(CONCURRENCY),
            schedules=[CronSchedule(cron=c, timezone=TIMEZONE) for c in spec.crons],
        )
        for spec in DEPLOYMENTS
    ]
    if threading.current_thread() is threading.main_thread():
        # until Prefect's runner sets its own (as it starts), a SIGTERM would end the process at once,
        # past the `finally` that pauses what serve registered
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(*served, pause_on_shutdown=False)
    finally:
        _pause_own([d.full_name for d in served if d.full_name not in pooled])


def _pause_own(names: list[str]) -> None:
    """Pause the schedules of these deployments (serve's own) as `prefect serve` would on shutdown."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            for name in names:
                try:
                    client.pause_deployment(client.read_deployment_by_name(name).id)
                except ObjectNotFound:
                    continue
    except Exception as exc:  # noqa: BLE001 - shutting down: say it once, the schedules stay as they are
        log.warning("could not pause the served deployments on shutdown: %s",
                    f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


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
