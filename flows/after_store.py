"""What a run does after its data is stored (artifacts, the run record, alerts) is best effort.

The stored data is the run's result: a Prefect API that cannot take an artifact, or a run record
that cannot be written, is one warning in the run's log, never a FAILED run that blames the source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("flows.after_store")


def best_effort(what: str, action: Callable[[], object]) -> bool:
    """Do `action`; when it raises, log one warning naming `what` and the reason, and return False."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the data is stored: nothing after it may fail the run
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        log.warning("could not %s (the data is stored; the run still counts): %s", what, reason)
        return False
    return True
