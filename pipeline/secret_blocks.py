"""Secrets kept by Prefect: the value of a Secret block named in a setting (the SMTP password, the database URL).

Only when a setting names a block is Prefect imported (it is slow to import) and asked; a block
needs a Prefect API that holds it, so without PREFECT_API_URL (or a profile's) it is refused at once
rather than after a temporary server has started and found nothing.
"""

from __future__ import annotations

import logging
from typing import cast


class _NoDrainNotes(logging.Filter):
    """Loading a block sends an event; a command that stops at once (a bad value: one line, exit 2)
    would have Prefect print "Still processing items: 1 items remaining..." as it delivers it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Still processing items")


logging.getLogger("EventsWorker").addFilter(_NoDrainNotes())


class SecretBlockError(RuntimeError):
    """A Secret block that cannot be read: one line naming the setting and the block, never its value."""


def secret_value(block: str, *, setting: str) -> str:
    """The value of the Prefect Secret block `block`, named in `setting` (e.g. 'MSBRIEF_SMTP_SECRET_BLOCK')."""
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise SecretBlockError(f"setting {setting}={block!r} names a Prefect Secret block, but no Prefect API is "
                               "configured to read it from: set PREFECT_API_URL")
    try:
        secret = cast(Secret, Secret.load(block))  # a sync call: the block itself
        value = str(secret.get())
    except Exception as exc:  # noqa: BLE001 - any failure to load is reported the same way
        # Prefect says why before it has read any value ("Unable to find block document named ...")
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        raise SecretBlockError(f"setting {setting}={block!r}: could not load that Prefect Secret block ({reason})") from None
    return value
