"""A failed run's log states its reason once: msbrief logs it (plain words, the URL last), Prefect does not repeat it.

A run or task msbrief fails on purpose ends in `failed(reason, error)`. Prefect would then log the
reason again on every level it passes ("Task run failed with state: Failed(message=...)", "Finished
in state Failed('...')") and, under a worker, the engine's traceback of the carrier exception. The
filter below drops those repeats; anything msbrief did not state (a crash, a bug) is logged as Prefect
logs it.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.states import State

_STATED: deque[str] = deque(maxlen=200)  # reasons this process has failed runs with (one run's worth, and more)


class RunFailed(Exception):
    """The carrier of a failure msbrief states itself: its message is the reason, already logged once."""


def failed(reason: str, error: RunFailed) -> State:
    """A Failed state with `reason` as its message and `error` (its report inside) as its data."""
    from prefect.states import Failed  # here: importing flows (and so this module) must not import Prefect,
    # whose settings (flows/prefect_env.py) are applied before it is first imported

    _STATED.append(reason)
    return Failed(message=reason, data=error)


def _stated(message: str) -> bool:
    return any(reason in message or repr(reason)[1:-1] in message for reason in _STATED)


class ReasonOnce(logging.Filter):
    """Drops Prefect's repeats of a reason msbrief stated, and the engine's traceback of its carrier."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, RunFailed):
            return False  # "Engine execution exited with unexpected exception" + traceback: the run failed as meant
        if record.exc_info and record.exc_info[0] is None:
            record.exc_info = None  # a task that *returned* a Failed state: no exception, nothing to show
        message = record.getMessage()
        if message.startswith("Task run failed with state") and _stated(message):
            return False
        if message.startswith("Finished in state Failed(") and _stated(message):
            record.msg, record.args = "Finished in state Failed (the reason is stated above)", ()
        return True


def install() -> None:
    """Put the filter on Prefect's run loggers (once per process)."""
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ReasonOnce) for f in logger.filters):
            logger.addFilter(ReasonOnce())
