"""Run one benchmark scenario in a fresh process and write its measurements as JSON.

    python -m bench.worker SPEC.json RESULT.json

SPEC names the scenario, the database URL, the output folder, the mirror's base URL and so on
(bench/run.py writes it). The environment (MSBRIEF_*) is set from it before msbrief reads its
settings, so the Prefect flows and the direct calls see the same configuration. The database
schema is brought up to date before anything is measured; the mirror's request log is cleared
before and read after each measured piece of work.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from bench.measure import measure
from bench.mirror_proc import clear_log, fetch_log

SOURCES = ("govuk_nrm", "sentencing_council", "iasc", "atleu")
RATE_LIMIT = 1_000_000.0  # requests per second per host: i.e. no rate limiting (our own loopback mirror)


def configure(spec: dict[str, Any]) -> None:
    """MSBRIEF_* settings for this scenario (read by flows.settings.get_settings)."""
    env = {"MSBRIEF_DATABASE_URL": spec["db"], "MSBRIEF_OUTPUT_DIR": spec["out"],
           "MSBRIEF_RATE_LIMIT_PER_HOST": str(RATE_LIMIT), "MSBRIEF_MAX_RETRIES": "1",
           "MSBRIEF_SITE_URL": "https://msbrief.example.org/"}
    for name in SOURCES:
        key = "MSBRIEF_GOVUK_BASE_URL" if name == "govuk_nrm" else f"MSBRIEF_{name.upper()}_BASE_URL"
        env[key] = f"{spec['mirror']}/{name}" if spec.get("mirror") else "http://127.0.0.1:9/unused"
    os.environ.update(env)
    os.environ.pop("PREFECT_API_URL", None)


def traffic(log: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests and bytes the mirror saw, with the status mix."""
    return {"requests": len(log), "bytes": sum(e["bytes"] for e in log),
            "statuses": dict(Counter(str(e["status"]) for e in log)),
            "conditional": sum(1 for e in log if e["conditional"]),
            "robots": sum(1 for e in log if e["path"].endswith("/robots.txt")),
            "paths_sample": [f"{e['status']} {e['path'][:120]}" for e in log[:12]]}


def measured(spec: dict[str, Any], work: Callable[[], Any], *, children: bool = False) -> dict[str, Any]:
    """Run `work` under measurement, with the mirror's traffic during it."""
    mirror = spec.get("mirror")
    if mirror:
        clear_log(mirror)
    with measure(watch_children=children) as cost:
        detail = work()
    out: dict[str, Any] = {"cost": cost.to_json(), "detail": detail}
    if mirror:
        out["traffic"] = traffic(fetch_log(mirror))
    return out


def warm_imports() -> None:
    """Import what the scenarios use up front: a cycle's cost is its work, not Python's first imports."""
    import feeds.briefing  # noqa: F401
    import feeds.build  # noqa: F401
    import feeds.charts  # noqa: F401
    import feeds.publish  # noqa: F401
    import flows.site_data  # noqa: F401
    import flows.weekly  # noqa: F401
    import scrapers.nrm  # noqa: F401


def run(spec: dict[str, Any]) -> dict[str, Any]:
    configure(spec)
    from bench import scenarios
    from pipeline.engine import get_engine
    from pipeline.settings import get_settings

    settings, scenario = get_settings(), spec["scenario"]
    engine = get_engine()  # migrations run here, outside the measurement
    warm_imports()
    seen_at = datetime.fromisoformat(spec["seen_at"]) if spec.get("seen_at") else None
    if scenario in ("cycle", "cycle-naive"):
        result = measured(spec, lambda: scenarios.cycle(settings, engine, naive=scenario == "cycle-naive",
                                                        seen_at=seen_at))
        result["stored"] = scenarios.publication_counts(engine)
        return result
    if scenario in ("feeds", "feeds-naive"):
        return measured(spec, lambda: scenarios.write_feeds(settings, engine, naive=scenario == "feeds-naive"))
    if scenario in ("briefing", "briefing-naive"):
        return measured(spec, lambda: scenarios.briefing(settings, engine, spec["week"], naive=scenario == "briefing-naive"))
    if scenario == "extract":
        return measured(spec, lambda: scenarios.extraction(Path(spec["corpus"])))
    if scenario == "prefect":
        return prefect(spec, settings, engine)
    raise SystemExit(f"unknown scenario {scenario!r}")


def prefect(spec: dict[str, Any], settings, engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The steady-state cycle through the Prefect flow `flows.cycle.cycle` and directly, alternately."""
    from bench import scenarios
    from flows import prefect_env

    prefect_env.configure(prefect_home=Path(spec["prefect_home"]))
    with measure() as imports:
        from prefect import flow

        from flows.cycle import cycle

    @flow(name="bench-noop")
    def noop() -> int:
        return 1

    with measure(watch_children=True) as startup:  # the temporary server starts on the first flow run
        noop()
    out: dict[str, Any] = {"imports": imports.to_json(), "startup": startup.to_json(), "runs": []}
    for _ in range(spec.get("repeat", 2)):
        def via_prefect() -> dict[str, Any]:
            state = cycle(return_state=True)
            report = state.result(raise_on_failure=False)
            return {"completed": state.is_completed(), "message": state.message,
                    "sources": [{"name": s.name, "status": s.status, "requests": s.requests}
                                for s in getattr(report, "sources", [])]}

        flow_run = measured(spec, via_prefect, children=True)
        direct = measured(spec, lambda: scenarios.cycle(settings, engine))
        out["runs"].append({"prefect": flow_run, "direct": direct})
    return out


def main(argv: list[str]) -> int:
    spec_path, result_path = Path(argv[0]), Path(argv[1])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = run(spec)
    result["scenario"] = spec["scenario"]
    result_path.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
