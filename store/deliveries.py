"""The exactly-once delivery protocol, as named store operations, for anything msbrief sends.

A dispatch is one thing sent once, named by a kind and a key (("briefing", "2026-W47"),
("release-alert", "2026-Q3")); its deliveries are that thing to each (channel, address). Each
operation is one transaction of its own (it takes the engine, not a session): the protocol is the
order of these commits.

- `claim` inserts the dispatch with INSERT ... ON CONFLICT DO NOTHING, so two runs compose one
  message (the first Message-ID wins), and makes the deliveries follow the addresses configured
  now: new ones pending, removed ones withdrawn (never sent to), re-added ones pending again.
- `take` moves one delivery to "sending" under an owner (host, pid, random token) with a lease,
  by a conditional UPDATE: two runs never hold one delivery.
- `commit` moves it to "committing" just before the commit point (SMTP's final "."), only while
  its owner still holds it; an owner that lost it must not commit.
- `settle` records the receiver's verdict (state, reply code, reply text) and releases the owner.
- `give_up` marks a "committing" delivery whose owner is gone as "unconfirmed" (probably
  delivered): it is never sent again unless forced.
- `finish` sets the dispatch's state from its deliveries.

Whether an owner is gone is the caller's judgement (pipeline/dispatch.py: its lease expired, or
its process is no longer running); the store keeps the facts in columns and parses no text.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from store import models as m
from store.db import Engine, read_session, transaction
from store.upsert import insert_ignore, rowcount
from vocabulary.deliveries import RETRYABLE, Channel, DeliveryState, DispatchState, Reply

State = DeliveryState


@dataclass(frozen=True)
class Owner:
    """Who holds a delivery: a process on a host, and a token of its own run."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_run(cls) -> Owner:
        """A new owner for a run of this process (two runs in one process have different tokens)."""
        return cls(socket.gethostname()[:255], os.getpid(), secrets.token_hex(16))


@dataclass(frozen=True)
class Target:
    """Where one delivery goes."""

    channel: Channel
    address: str


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as stored."""

    id: int
    channel: Channel
    address: str
    state: DeliveryState
    attempts: int
    owner: Owner | None
    lease_until: datetime | None
    reply: Reply | None

    @property
    def target(self) -> Target:
        return Target(self.channel, self.address)


@dataclass(frozen=True)
class Claim:
    """A dispatch claimed: its id, the Message-ID every delivery carries, and whether this call
    made it (or took it over with `force`): then nobody has composed its message before."""

    dispatch_id: int
    message_id: str
    fresh: bool


_COLUMNS = (m.Delivery.id, m.Delivery.channel, m.Delivery.address, m.Delivery.status, m.Delivery.attempts,
            m.Delivery.owner_host, m.Delivery.owner_pid, m.Delivery.owner_token, m.Delivery.lease_until,
            m.Delivery.reply_code, m.Delivery.reply_text)
_NO_OWNER = {"owner_host": None, "owner_pid": None, "owner_token": None, "lease_until": None}


def _row(values: Any) -> DeliveryRow:
    """A stored delivery (a row of `_COLUMNS`) as a DeliveryRow."""
    (id_, channel, address, status, attempts, host, pid, token, lease_until, code, text) = values
    owner = Owner(str(host), int(pid), str(token)) if token is not None and pid is not None else None
    reply = Reply(code if isinstance(code, int) else None, str(text or "")) if code is not None or text else None
    return DeliveryRow(int(id_), Channel(channel), str(address), DeliveryState(status), int(attempts), owner,
                       lease_until, reply)


def record_empty(engine: Engine, kind: str, key: str, subject: str) -> None:
    """Record the dispatch as having nothing to send (unless it already exists)."""
    with transaction(engine) as s:
        insert_ignore(
            s, m.Dispatch.__table__,
            {"kind": kind, "key": key, "message_id": "", "subject": subject, "status": DispatchState.EMPTY,
             "created_at": m.now(), "completed_at": m.now()},
            ["kind", "key"],
        )


def claim(engine: Engine, kind: str, key: str, *, subject: str, message_id: str, targets: Sequence[Target],
          force: bool) -> Claim:
    """Claim the dispatch (kind, key) and make its deliveries follow `targets`.

    The Message-ID of an existing claim wins (a rerun resends the same message); `force` takes the
    dispatch over with `message_id` and puts every delivery not held by a run back to pending.
    A delivery whose address is no longer among `targets` is withdrawn unless a run holds it.
    """
    wanted = {(t.channel.value, t.address) for t in targets}
    with transaction(engine) as s:
        new_id = insert_ignore(
            s, m.Dispatch.__table__,
            {"kind": kind, "key": key, "message_id": message_id, "subject": subject,
             "status": DispatchState.SENDING, "created_at": m.now()},
            ["kind", "key"],
        )
        dispatch = s.execute(select(m.Dispatch).where(m.Dispatch.kind == kind, m.Dispatch.key == key)).scalar_one()
        fresh = new_id is not None or force or dispatch.status == DispatchState.EMPTY
        if new_id is None and fresh:
            # forced, or recorded as "nothing to send" before: this claim composes the message anew
            dispatch.message_id = message_id
            dispatch.status = DispatchState.SENDING
            dispatch.completed_at = None
        if new_id is None and force:
            s.execute(
                update(m.Delivery)
                .where(m.Delivery.dispatch_id == dispatch.id,
                       m.Delivery.status.not_in((State.SENDING, State.COMMITTING)))
                .values(status=State.PENDING, reply_code=None, reply_text=None)
            )
        for target in dict.fromkeys(targets):  # in the order given: deliveries are made in that order
            insert_ignore(
                s, m.Delivery.__table__,
                {"dispatch_id": dispatch.id, "channel": target.channel.value, "address": target.address,
                 "status": State.PENDING, "attempts": 0},
                ["dispatch_id", "channel", "address"],
            )
        states = []
        for row in s.execute(select(m.Delivery).where(m.Delivery.dispatch_id == dispatch.id)).scalars():
            configured = (row.channel, row.address) in wanted
            if not configured and row.status in RETRYABLE:
                row.status = State.WITHDRAWN  # removed from the configuration: never sent to
            elif configured and row.status == State.WITHDRAWN:
                row.status = State.PENDING
            states.append(row.status)
        if dispatch.status != DispatchState.SENDING and any(st in RETRYABLE for st in states):
            dispatch.status = DispatchState.SENDING  # an address was added, or some are left to retry
            dispatch.completed_at = None
        return Claim(dispatch.id, dispatch.message_id, fresh)


def open_deliveries(engine: Engine, dispatch_id: int) -> list[DeliveryRow]:
    """Deliveries still to send (pending, deferred, failed) or held by a run, oldest first."""
    with read_session(engine) as s:
        rows = s.execute(
            select(*_COLUMNS)
            .where(m.Delivery.dispatch_id == dispatch_id,
                   m.Delivery.status.in_([*RETRYABLE, State.SENDING, State.COMMITTING]))
            .order_by(m.Delivery.id)
        ).all()
    return [_row(r) for r in rows]


def take(engine: Engine, delivery_id: int, owner: Owner, *, lease: timedelta, gone: Owner | None = None) -> bool:
    """Hold one delivery as `owner` until its lease ends; False when another run holds it or it is settled.

    `gone`: the delivery was held ("sending") by that owner, whose process is gone; take it over.
    A "sending" delivery whose lease has ended is taken over too (its run never reached the commit point).
    """
    at = m.now()
    takeable = or_(m.Delivery.status.in_(list(RETRYABLE)),
                   and_(m.Delivery.status == State.SENDING, m.Delivery.lease_until < at))
    if gone is not None:
        takeable = or_(takeable, and_(m.Delivery.status == State.SENDING, m.Delivery.owner_token == gone.token))
    with transaction(engine) as s:
        result = s.execute(
            update(m.Delivery)
            .where(m.Delivery.id == delivery_id, takeable)
            .values(status=State.SENDING, attempts=m.Delivery.attempts + 1, attempted_at=at,
                    owner_host=owner.host, owner_pid=owner.pid, owner_token=owner.token, lease_until=at + lease)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def commit(engine: Engine, delivery_id: int, owner: Owner, *, lease: timedelta) -> bool:
    """The whole message is with the receiver and the commit point comes next: "committing", its
    lease renewed for the wait for the reply. False (and nothing changed) when `owner` no longer
    holds the delivery: it must not commit then."""
    at = m.now()
    with transaction(engine) as s:
        result = s.execute(
            update(m.Delivery)
            .where(m.Delivery.id == delivery_id, m.Delivery.status == State.SENDING,
                   m.Delivery.owner_token == owner.token)
            .values(status=State.COMMITTING, lease_until=at + lease)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def settle(engine: Engine, delivery_id: int, owner: Owner, state: DeliveryState, reply: Reply | None) -> bool:
    """Record the verdict of `owner`'s attempt and release the delivery; False when `owner` had lost it.

    A reply that arrives after another run marked the delivery unconfirmed still settles it.
    """
    values: dict[str, object] = {"status": state, "reply_code": reply.code if reply else None,
                                 "reply_text": reply.text if reply else None, **_NO_OWNER}
    if state == State.ACCEPTED:
        values["accepted_at"] = m.now()
    with transaction(engine) as s:
        result = s.execute(
            update(m.Delivery)
            .where(m.Delivery.id == delivery_id,
                   or_(m.Delivery.owner_token == owner.token,
                       and_(m.Delivery.status == State.UNCONFIRMED, m.Delivery.owner_token.is_(None))))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def give_up(engine: Engine, delivery_id: int, gone: Owner, *, text: str) -> bool:
    """A "committing" delivery whose owner is gone: "unconfirmed", with `text` saying why."""
    with transaction(engine) as s:
        result = s.execute(
            update(m.Delivery)
            .where(m.Delivery.id == delivery_id, m.Delivery.status == State.COMMITTING,
                   m.Delivery.owner_token == gone.token)
            .values(status=State.UNCONFIRMED, reply_code=None, reply_text=text, **_NO_OWNER)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def finish(engine: Engine, dispatch_id: int, *, held: Callable[[DeliveryRow], bool]) -> DispatchState:
    """Set the dispatch's state from its deliveries and return it: still sending while some are
    pending or `held` (by a live run); otherwise sent when every configured one was accepted, else partial."""
    with transaction(engine) as s:
        dispatch = s.get(m.Dispatch, dispatch_id)
        assert dispatch is not None, f"dispatch {dispatch_id!r} vanished"
        rows = [_row(r) for r in s.execute(select(*_COLUMNS).where(m.Delivery.dispatch_id == dispatch_id))]
        states = {r.state for r in rows}
        if State.PENDING in states or any(r.state.in_flight and held(r) for r in rows):
            return DispatchState(dispatch.status)  # another run is still at it
        counted = [r.state for r in rows if r.state != State.WITHDRAWN]
        dispatch.status = DispatchState.SENT if all(st == State.ACCEPTED for st in counted) else DispatchState.PARTIAL
        dispatch.completed_at = m.now()
        return DispatchState(dispatch.status)


def deliveries(engine: Engine, dispatch_id: int) -> list[DeliveryRow]:
    """Every delivery of a dispatch, in the order they were claimed."""
    with read_session(engine) as s:
        rows = s.execute(select(*_COLUMNS).where(m.Delivery.dispatch_id == dispatch_id).order_by(m.Delivery.id)).all()
    return [_row(r) for r in rows]
