"""Release-aware runs: a source's ingest scheduled just after each confirmed release time.

When an announcement moves or is cancelled, the run scheduled for the old time is deleted.
Needs a Prefect API with the source's deployment (msbrief serve, or a server).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flows.deployments import deployment_of
from pipeline.engine import get_engine
from pipeline.releases import TAG, wanted_release_runs

log = logging.getLogger("flows.release_watch")


def schedule_release_runs(source: str, now: datetime | None = None) -> dict[str, int]:
    """Create the missing release-time runs of `source`'s deployment and delete stale ones; counts of each."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Scheduled

    now = now or datetime.now(UTC)
    wanted = wanted_release_runs(get_engine(), source, now)
    name = deployment_of(source)
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(name)
        except ObjectNotFound:
            log.info("no %s deployment on this Prefect API: release-time runs not scheduled", name)
            return {"created": 0, "deleted": 0}
        scheduled = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[TAG]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            ),
        )
        have = {r.idempotency_key: r for r in scheduled}
        deleted = 0
        for key, run in have.items():
            if key not in wanted:
                client.delete_flow_run(run.id)
                deleted += 1
                log.info("release moved or cancelled: deleted scheduled run %s (%s)", run.name, key)
        created = 0
        for key, at in wanted.items():
            if key in have:
                continue
            try:
                client.create_flow_run_from_deployment(
                    deployment.id, state=Scheduled(scheduled_time=at), tags=[TAG], idempotency_key=key
                )
            except Exception as exc:  # noqa: BLE001 - one release that cannot be scheduled never stops the others
                log.warning("could not schedule an ingest of %s for %s (%s): %s", source, at.isoformat(), key,
                            f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
                continue
            created += 1
            log.info("scheduled an ingest of %s for %s (%s)", source, at.isoformat(), key)
    return {"created": created, "deleted": deleted}
