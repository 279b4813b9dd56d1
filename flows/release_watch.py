"""Release-aware runs: an NRM ingest scheduled just after each confirmed release time.

When an announcement moves or is cancelled, the run scheduled for the old time is deleted.
Needs a Prefect API with the `ingest-govuk-nrm` deployment (msbrief serve, or a server).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from flows.deployments import NRM_DEPLOYMENT
from flows.engine import get_engine
from store import models as m
from store.db import session_factory

log = logging.getLogger("flows.release_watch")
TAG = "release-watch"
DELAY = timedelta(minutes=5)  # GOV.UK publishes at 9:30; give its caches a moment


def wanted_runs(now: datetime) -> dict[str, datetime]:
    """Idempotency key -> scheduled time, for every confirmed announcement still to come."""
    with session_factory(get_engine())() as s:
        rows = s.execute(
            select(m.StatisticsAnnouncement.url, m.StatisticsAnnouncement.release_at).where(
                m.StatisticsAnnouncement.state == "confirmed",
                m.StatisticsAnnouncement.release_at > now - DELAY,
            )
        ).all()
    return {f"{TAG}:{url}:{at.isoformat()}": at + DELAY for url, at in rows}


def schedule_release_runs(now: datetime | None = None) -> dict[str, int]:
    """Create the missing release-time runs and delete stale ones; counts of each."""
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

    now = now or datetime.now(timezone.utc)
    wanted = wanted_runs(now)
    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(NRM_DEPLOYMENT)
        except ObjectNotFound:
            log.info("no %s deployment on this Prefect API: release-time runs not scheduled", NRM_DEPLOYMENT)
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
            client.create_flow_run_from_deployment(
                deployment.id, state=Scheduled(scheduled_time=at), tags=[TAG], idempotency_key=key
            )
            created += 1
            log.info("scheduled an NRM ingest for %s (%s)", at.isoformat(), key)
    return {"created": created, "deleted": deleted}
