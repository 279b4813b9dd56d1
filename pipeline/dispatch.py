"""Send one thing exactly once to each of its addresses: the driver of store/deliveries.py.

`dispatch(...)` claims (kind, key), then for each delivery still to send takes it under this run's
owner, lets the channel's transport send it, and records the verdict. The transport calls
`commit()` just before its commit point (SMTP: the final "." of DATA); if that returns False this
run no longer holds the delivery and must stop without committing. After the commit point a lost
reply is "unconfirmed": never sent again unless forced, and reported. The weekly briefing
(pipeline/briefing.py) and the release-day message by email and webhooks (pipeline/release_alerts.py)
use this one driver, each with its own transports.

Liveness of another run's owner: its lease has ended, or it ran on this host and its process is
no longer running (a signal-0 probe; a reused pid only delays a takeover until the lease ends).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from store import deliveries as protocol
from store.db import Engine
from store.deliveries import Claim, DeliveryRow, Owner, Target
from vocabulary.deliveries import Channel, DeliveryState, DispatchState, Reply

log = logging.getLogger(__name__)

GONE_COMMITTING = ("the run sending it ended after the whole message was handed over and before the reply "
                   "was recorded: probably delivered, so it is not sent again (use --force to resend)")


@dataclass(frozen=True)
class Attempt:
    """What a transport's attempt came to: a delivery state and the receiver's reply."""

    state: DeliveryState
    reply: Reply


class Transport(Protocol):
    """Sends one composed message to one address of its channel."""

    def deliver(self, address: str, *, commit: Callable[[], bool]) -> Attempt:
        """Send to `address`; call `commit()` just before the commit point and stop (FAILED) if it is False."""
        ...


# Opens the transports of one dispatch, once it is claimed (composing the message with its Message-ID).
Transports = Callable[[Claim], AbstractContextManager[Mapping[Channel, Transport]]]


@dataclass(frozen=True)
class Leases:
    """How long a run may hold a delivery: while sending it, and while waiting for the reply."""

    sending: timedelta
    reply: timedelta


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery after this run; `attempted` when this run tried it, `another_run` when a live
    concurrent run holds it right now (that run reports how it ends)."""

    target: Target
    state: DeliveryState
    reply: Reply | None
    attempted: bool
    another_run: bool = False

    @property
    def address(self) -> str:
        return self.target.address


@dataclass
class DispatchResult:
    """What `dispatch` did."""

    state: DispatchState
    message_id: str
    reports: list[DeliveryReport] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        return any(r.attempted for r in self.reports)

    @property
    def problems(self) -> list[DeliveryReport]:
        """Deliveries not accepted (nor withdrawn) that no live concurrent run holds: operators are told."""
        return [r for r in self.reports if r.state not in (DeliveryState.ACCEPTED, DeliveryState.WITHDRAWN)
                and not r.another_run]


def owner_gone(row: DeliveryRow, *, now: datetime | None = None) -> bool:
    """True when the run holding `row` can no longer act on it: its lease ended, or its process is gone."""
    owner = row.owner
    if owner is None:
        return row.state.in_flight  # held by nobody: an old row without an owner
    if row.lease_until is not None and row.lease_until <= (now or datetime.now(UTC)):
        return True
    if owner.host != socket.gethostname()[:255] or owner.pid == os.getpid():
        return False  # another host's process, or this process (another run in it): the lease decides
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a process of another user runs with that pid
    return False


def held_elsewhere(row: DeliveryRow, owner: Owner) -> bool:
    """True when a live run other than `owner` holds `row`."""
    return row.state.in_flight and row.owner != owner and not owner_gone(row)


def dispatch(engine: Engine, *, kind: str, key: str, subject: str, message_id: str, targets: Sequence[Target],
             transports: Transports, leases: Leases, force: bool = False) -> DispatchResult:
    """Deliver (kind, key) once to each of `targets`; the deliveries as they stand afterwards."""
    claimed = protocol.claim(engine, kind, key, subject=subject, message_id=message_id, targets=targets,
                             force=force)
    owner = Owner.this_run()
    todo: list[tuple[DeliveryRow, Owner | None]] = []
    for row in protocol.open_deliveries(engine, claimed.dispatch_id):
        if row.state == DeliveryState.COMMITTING:
            if owner_gone(row) and row.owner is not None:
                log.warning("%s %s to %s: %s", kind, key, row.address, GONE_COMMITTING)
                protocol.give_up(engine, row.id, row.owner, text=GONE_COMMITTING)
            continue
        gone = row.owner if row.state == DeliveryState.SENDING and owner_gone(row) else None
        if gone is not None:
            log.warning("%s %s: the run sending to %s is gone (pid %s on %s); sending again", kind, key,
                        row.address, gone.pid, gone.host)
        todo.append((row, gone))
    attempted: set[int] = set()
    if todo:
        with transports(claimed) as by_channel:
            for row, gone in todo:
                if not protocol.take(engine, row.id, owner, lease=leases.sending, gone=gone):
                    continue  # a concurrent run has it, or it was settled meanwhile
                attempted.add(row.id)
                transport = by_channel.get(row.channel)
                if transport is None:
                    attempt = Attempt(DeliveryState.FAILED, Reply(None, f"no {row.channel} transport is configured"))
                else:
                    attempt = transport.deliver(row.address, commit=partial(
                        protocol.commit, engine, row.id, owner, lease=leases.reply))
                if not protocol.settle(engine, row.id, owner, attempt.state, attempt.reply):
                    log.warning("%s %s to %s: this run lost its hold before recording %s", kind, key,
                                row.address, attempt.state)
    state = protocol.finish(engine, claimed.dispatch_id, held=lambda r: not owner_gone(r))
    reports = [
        DeliveryReport(row.target, row.state, row.reply, row.id in attempted,
                       another_run=row.id not in attempted and held_elsewhere(row, owner))
        for row in protocol.deliveries(engine, claimed.dispatch_id)
    ]
    return DispatchResult(state, claimed.message_id, reports)
