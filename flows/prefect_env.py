"""Prefect settings msbrief needs, applied before Prefect is imported."""

from __future__ import annotations

import os
from pathlib import Path

OUR_LOGGERS = ("scrapers", "store", "feeds", "pipeline", "flows")


def configure(*, prefect_home: Path | None = None) -> None:
    """Telemetry off, our loggers in the UI, and (for one-off runs) a Prefect home of our own."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", ",".join(OUR_LOGGERS))
    # The temporary server is slow to start on a busy 2-core machine; give it time.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if prefect_home is not None and "PREFECT_API_URL" not in os.environ:
        prefect_home.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("PREFECT_HOME", str(prefect_home.resolve()))
