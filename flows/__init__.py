"""Prefect only: flows, tasks, deployments, the release watch and alerts, as thin wrappers over pipeline/."""

import logging

# Prefect attaches its handlers to these loggers (PREFECT_LOGGING_EXTRA_LOGGERS) but leaves them
# at WARNING; our INFO lines (strategy used, items found) belong in the run logs too.
for _name in ("scrapers", "store", "feeds", "pipeline", "flows"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.INFO)


class _NoEmptyTraceback(logging.Filter):
    """Prefect logs a task that *returned* a Failed state with exc_info=True, which prints a bare
    'NoneType: None' under the line: with no exception there is nothing to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is None:
            record.exc_info = None
        return True


logging.getLogger("prefect.task_runs").addFilter(_NoEmptyTraceback())
