"""Run one benchmark scenario in a fresh process and write its measurements as JSON.

    python -m bench.worker SPEC.json RESULT.json

SPEC names the scenario, the database URL, the output folder, the mirror's base URL and so on
(bench/run.py writes it). The environment (MSBRIEF_*) is set from it before msbrief reads its
settings. The database schema is brought up to date and the process warmed up (warm_up) before
anything is measured; the mirror's request log is cleared before and read after each measured
piece of work.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import measure
from bench.mirror_proc import clear_log, fetch_log

SOURCES = ("govuk_nrm", "sentencing_council", "iasc", "atleu")
RATE_LIMIT = 1_000_000.0  # requests per second per host: i.e. no rate limiting (our own loopback mirror)


def configure(spec: dict[str, Any]) -> None:
    """MSBRIEF_* settings for this scenario (read by pipeline.settings.get_settings)."""
    env = {"MSBRIEF_DATABASE_URL": spec["db"], "MSBRIEF_OUTPUT_DIR": spec["out"],
           "MSBRIEF_RATE_LIMIT_PER_HOST": str(RATE_LIMIT), "MSBRIEF_MAX_RETRIES": "1",
           "MSBRIEF_SITE_URL": "https://msbrief.example.org/", "MSBRIEF_CONTACT_EMAIL": "msbrief-bench@localhost"}
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


def measured(spec: dict[str, Any], work: Callable[[], Any]) -> dict[str, Any]:
    """Run `work` under measurement, with the mirror's traffic and the modules first imported during it."""
    mirror = spec.get("mirror")
    if mirror:
        clear_log(mirror)
    modules = set(sys.modules)
    with measure() as cost:
        detail = work()
    out: dict[str, Any] = {"cost": cost.to_json(), "detail": detail,
                           "late_imports": sorted(set(sys.modules) - modules)}
    if mirror:
        out["traffic"] = traffic(fetch_log(mirror))
    return out


def warm_up() -> None:
    """What any msbrief process does once before its first piece of work, done before measuring:
    import every module a scenario imports and configure SQLAlchemy's mappers (on the first use of
    a model). A cycle's cost is its work, not Python's first imports. Whatever a measured piece of
    work still imports is reported with it (`late_imports`), so a gap here shows in the results."""
    from PIL import Image
    from sqlalchemy.orm import configure_mappers

    for module in ("feeds.briefing", "feeds.build", "feeds.charts", "feeds.publish", "pipeline.briefing",
                   "pipeline.cycle", "pipeline.site", "scrapers.nrm", "store.models"):
        importlib.import_module(module)
    from pipeline.sources import SOURCES

    for spec in SOURCES.values():
        spec.adapter()
    for module in LATE_IMPORTS:
        importlib.import_module(module)
    Image.init()  # Pillow imports its image plugins on first use (the chart's PNG)
    configure_mappers()


# Imported by the libraries only on first use (found through `late_imports` in the results).
LATE_IMPORTS = ("bench.floor", "encodings.ascii", "encodings.unicode_escape", "xml.sax.expatreader", "PIL.ImageDraw",
                "PIL.ImageFont", "PIL.ImageText", "PIL._imagingft", "lxml.html")


def run(spec: dict[str, Any]) -> dict[str, Any]:
    configure(spec)
    from bench import scenarios
    from bench.measure import StatementCounter
    from pipeline.engine import get_engine
    from pipeline.settings import get_settings

    settings, scenario = get_settings(), spec["scenario"]
    engine = get_engine()  # migrations run here, outside the measurement
    warm_up()
    counter = StatementCounter(engine)
    seen_at = datetime.fromisoformat(spec["seen_at"]) if spec.get("seen_at") else None
    if scenario == "cycle":
        result = measured(spec, lambda: scenarios.cycle(settings, engine, counter, seen_at=seen_at))
        result["stored"] = scenarios.publication_counts(engine)
        result["releases"] = scenarios.release_counts(engine)
        return result
    if scenario == "floor":
        result = measured(spec, lambda: scenarios.floor(settings, engine, counter, seen_at=seen_at or datetime.now(UTC)))
        result["stored"] = scenarios.publication_counts(engine)
        result["releases"] = scenarios.release_counts(engine)
        return result
    if scenario == "feeds":
        return measured(spec, lambda: scenarios.write_feeds(settings, engine))
    if scenario == "briefing":
        return measured(spec, lambda: scenarios.briefing(settings, engine, spec["week"]))
    if scenario == "extract":
        return measured(spec, lambda: scenarios.extraction(Path(spec["corpus"])))
    raise SystemExit(f"unknown scenario {scenario!r}")


def main(argv: list[str]) -> int:
    spec_path, result_path = Path(argv[0]), Path(argv[1])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = run(spec)
    result["scenario"] = spec["scenario"]
    result_path.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
