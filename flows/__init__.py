"""Prefect only: flows, tasks, deployments, the release watch and alerts, as thin wrappers over pipeline/."""

import logging

# Prefect attaches its handlers to these loggers (PREFECT_LOGGING_EXTRA_LOGGERS) but leaves them
# at WARNING; our INFO lines (strategy used, items found) belong in the run logs too.
for _name in ("scrapers", "store", "feeds", "pipeline", "flows"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.INFO)
