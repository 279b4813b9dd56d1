"""The weekly briefing's exactly-once delivery protocol, as named store operations.

Each operation is one transaction of its own (it takes the engine, not a session): the protocol
is the order of these commits. A week's `briefings` row is claimed with INSERT ... ON CONFLICT DO
NOTHING, so two runs of the same week compose one briefing; each delivery is claimed with a
conditional UPDATE before its SMTP transaction (`claim_delivery`), becomes "unconfirmed" just
before the final "." of DATA (`mark_unconfirmed`), and is marked accepted / refused / failed right
after the server's reply (`record_delivery`). A crash or an SMTP failure halfway leaves an exact
record, and a rerun sends only to those not yet accepted. Refused recipients (5xx) are not retried
unless forced; 4xx refusals and failures are.

A delivery being sent names its owner (an opaque token the caller chooses, such as
"sending: pid N on HOST"); whether that owner is gone is the caller's judgement (`owner_gone`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from store import models as m
from store.db import Engine, read_session, transaction
from store.upsert import insert_ignore, rowcount

# A delivery left "sending" this long (a run killed mid-send) may be tried again.
STALE_SENDING = timedelta(minutes=30)


@dataclass(frozen=True)
class DeliveryRow:
    """One recipient's delivery as stored."""

    id: int
    recipient: str
    status: str  # pending / sending / unconfirmed / accepted / refused / failed
    response: str | None  # the SMTP reply, or the owner token while sending


def claim_empty(engine: Engine, week: str, subject: str) -> None:
    """Record the week as "nothing new, nothing sent" (unless it already has a briefing)."""
    with transaction(engine) as s:
        insert_ignore(
            s, m.Briefing.__table__,
            {"week": week, "message_id": "", "subject": subject, "status": "empty",
             "created_at": m.now(), "completed_at": m.now()},
            ["week"],
        )


def claim_week(engine: Engine, week: str, *, subject: str, message_id: str, recipients: Sequence[str],
               force: bool) -> tuple[int, str, bool]:
    """Claim the week's briefing and its deliveries: (briefing id, its Message-ID, claimed by this call).

    The Message-ID of an existing claim wins (a rerun resends the same message); `force` takes the
    week over with `message_id` and puts every delivery not being sent back to pending.
    """
    with transaction(engine) as s:
        new_id = insert_ignore(
            s, m.Briefing.__table__,
            {"week": week, "message_id": message_id, "subject": subject, "status": "sending", "created_at": m.now()},
            ["week"],
        )
        briefing = s.execute(select(m.Briefing).where(m.Briefing.week == week)).scalar_one()
        if new_id is None and force:
            briefing.message_id = message_id
            briefing.status = "sending"
            briefing.completed_at = None
            s.execute(
                update(m.Delivery)
                .where(m.Delivery.briefing_id == briefing.id, m.Delivery.status != "sending")
                .values(status="pending", smtp_response=None)
            )
        elif new_id is None and briefing.status == "empty":
            # The week was recorded as "nothing new, nothing sent"; sending it now is a fresh claim.
            briefing.message_id = message_id
            briefing.status = "sending"
        for recipient in recipients:
            insert_ignore(
                s, m.Delivery.__table__,
                {"briefing_id": briefing.id, "recipient": recipient, "status": "pending", "attempts": 0},
                ["briefing_id", "recipient"],
            )
        return briefing.id, briefing.message_id, new_id is not None or force


def _retryable(stale_before: datetime):
    return or_(
        m.Delivery.status.in_(("pending", "failed")),
        and_(m.Delivery.status == "refused", m.Delivery.smtp_response.like("4%")),
        and_(m.Delivery.status == "sending", m.Delivery.attempted_at < stale_before),
    )


def open_deliveries(engine: Engine, briefing_id: int) -> list[DeliveryRow]:
    """Deliveries still to send or being sent (by this run or another), oldest first."""
    stale_before = m.now() - STALE_SENDING
    with read_session(engine) as s:
        rows = s.execute(
            select(m.Delivery.id, m.Delivery.recipient, m.Delivery.status, m.Delivery.smtp_response)
            .where(m.Delivery.briefing_id == briefing_id,
                   or_(_retryable(stale_before), m.Delivery.status == "sending"))
            .order_by(m.Delivery.id)
        ).all()
    return [DeliveryRow(*row) for row in rows]


def claim_delivery(engine: Engine, delivery_id: int, *, owner: str, dead_owner: str | None = None) -> bool:
    """Mark one delivery as being sent by `owner`; False when another run has it or it is done.

    `dead_owner`: the delivery was left "sending" by that (gone) owner; take it over.
    """
    at = m.now()
    claimable = _retryable(at - STALE_SENDING)
    if dead_owner is not None:
        claimable = or_(claimable, and_(m.Delivery.status == "sending", m.Delivery.smtp_response == dead_owner))
    with transaction(engine) as s:
        result = s.execute(
            update(m.Delivery)
            .where(m.Delivery.id == delivery_id, claimable)
            .values(status="sending", attempts=m.Delivery.attempts + 1, attempted_at=at, smtp_response=owner)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def mark_unconfirmed(engine: Engine, delivery_id: int, *, response: str) -> None:
    """The whole message is with the server, the final "." goes next: from here a crash leaves it in doubt."""
    with transaction(engine) as s:
        s.execute(
            update(m.Delivery).where(m.Delivery.id == delivery_id, m.Delivery.status == "sending")
            .values(status="unconfirmed", smtp_response=response)
            .execution_options(synchronize_session=False)
        )


def record_delivery(engine: Engine, delivery_id: int, *, status: str, response: str | None) -> None:
    """The server's verdict on one delivery: accepted, refused or failed."""
    with transaction(engine) as s:
        delivery = s.get(m.Delivery, delivery_id)
        assert delivery is not None, f"delivery {delivery_id!r} vanished"
        delivery.status = status
        delivery.smtp_response = response
        if status == "accepted":
            delivery.accepted_at = m.now()


def finish_week(engine: Engine, briefing_id: int, *, still_sending: Callable[[DeliveryRow], bool]) -> str:
    """Set the briefing's status from its deliveries (sent or partial) unless some are still in
    flight (`still_sending` says so of an unconfirmed one whose run is reading the reply); the status."""
    with transaction(engine) as s:
        briefing = s.get(m.Briefing, briefing_id)
        assert briefing is not None
        rows = [DeliveryRow(d.id, d.recipient, d.status, d.smtp_response) for d in briefing.deliveries]
        statuses = [d.status for d in rows]
        waiting = [d for d in rows if d.status == "unconfirmed" and still_sending(d)]
        if "sending" in statuses or "pending" in statuses or waiting:
            return briefing.status  # another run is still at it
        briefing.status = "sent" if all(st == "accepted" for st in statuses) else "partial"
        briefing.completed_at = m.now()
        return briefing.status


def deliveries(engine: Engine, briefing_id: int) -> list[DeliveryRow]:
    """Every delivery of a briefing, in the order they were claimed."""
    with read_session(engine) as s:
        rows = s.execute(
            select(m.Delivery.id, m.Delivery.recipient, m.Delivery.status, m.Delivery.smtp_response)
            .where(m.Delivery.briefing_id == briefing_id).order_by(m.Delivery.id)
        ).all()
    return [DeliveryRow(*row) for row in rows]
