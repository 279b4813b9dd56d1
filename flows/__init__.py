"""Prefect only: flows, tasks, deployments, the release watch and alerts, as thin wrappers over pipeline/."""

import logging

# Prefect attaches its handlers to these loggers (PREFECT_LOGGING_EXTRA_LOGGERS) but leaves them
# at WARNING; our INFO lines (strategy used, items found) belong in the run logs too.
for _name in ("scrapers", "store", "feeds", "pipeline", "flows"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.INFO)


# A failed run's reason once, no engine traceback of a failure msbrief stated (flows/run_logs.py).
from flows import run_logs  # noqa: E402 - after the loggers above are set

run_logs.install()
