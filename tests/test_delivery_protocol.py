"""The exactly-once delivery protocol (store/deliveries.py, pipeline/dispatch.py) on SQLite and
PostgreSQL: typed states, owners and replies in columns, leases, a lost reply to the final "."
(a real SMTP server on loopback that drops or delays it), and the migration that keeps old rows."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select, text

from feeds.mailer import Mailer, SmtpConfig
from pipeline.dispatch import Attempt, Leases, dispatch, owner_gone
from store import deliveries as protocol
from store import models as m
from store.db import make_engine, transaction, upgrade
from store.deliveries import Owner, Target
from tests.conftest import drop_pg_database, new_pg_database
from tests.smtp_server import Handler, smtp_server
from vocabulary.deliveries import TERMINAL, Channel, DeliveryState, DispatchState, Reply

LEASES = Leases(sending=timedelta(minutes=5), reply=timedelta(minutes=5))
EMAIL = Channel.EMAIL


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "msbrief <briefing@example.org>", "test", "<t.1@example.org>"
    msg.set_content("a test message\n")
    return msg


class MailTransport:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def deliver(self, address, *, commit):  # type: ignore[no-untyped-def]
        result = self.mailer.send(message(), address, commit=commit)
        return Attempt(result.status, result.reply)


def mail_transports(server, *, reply_timeout: float = 30.0):  # type: ignore[no-untyped-def]
    @contextmanager
    def opened(claim) -> Iterator[dict]:  # type: ignore[no-untyped-def]
        config = SmtpConfig(f"smtp+plain://127.0.0.1:{server.port}", timeout=10, reply_timeout=reply_timeout)
        with Mailer(config) as mailer:
            yield {EMAIL: MailTransport(mailer)}
    return opened


def send(engine, server, addresses, *, force=False, reply_timeout=30.0):  # type: ignore[no-untyped-def]
    return dispatch(engine, kind="release-alert", key="2026-Q3", subject="test", message_id="<t.1@example.org>",
                    targets=[Target(EMAIL, a) for a in addresses], transports=mail_transports(
                        server, reply_timeout=reply_timeout), leases=LEASES, force=force)


class FinalReplyHandler(Handler):
    """Keeps each message, then misbehaves at the reply to its final ".": drops the connection,
    answers late (after `delay` seconds), or answers `reply` (a non-standard one)."""

    def __init__(self, *, drop: bool = False, delay: float = 0.0, reply: str | None = None) -> None:
        super().__init__()
        self.drop, self.delay, self.reply = drop, delay, reply

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        import asyncio

        answer = await super().handle_DATA(server, session, envelope)  # the message is kept
        if self.drop:
            server.transport.close()
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.reply or answer


def states(engine) -> dict[str, DeliveryState]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return {d.address: DeliveryState(d.status) for d in s.execute(select(m.Delivery)).scalars()}


def test_the_states_and_their_terminal_set():
    assert TERMINAL == {DeliveryState.ACCEPTED, DeliveryState.REFUSED, DeliveryState.UNCONFIRMED,
                        DeliveryState.WITHDRAWN}
    assert [s for s in DeliveryState if s.in_flight] == [DeliveryState.SENDING, DeliveryState.COMMITTING]


@pytest.mark.parametrize("fault", ["drop", "slow"])
def test_a_lost_reply_to_the_final_dot_is_unconfirmed_reported_and_never_resent(engine, tmp_path, fault):
    handler = FinalReplyHandler(drop=fault == "drop", delay=3.0 if fault == "slow" else 0.0)
    with smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as server:
        first = send(engine, server, ["a@example.org", "b@example.org"], reply_timeout=1.0)
        assert len(handler.messages) == 2  # the server kept both
        assert states(engine) == {"a@example.org": "unconfirmed", "b@example.org": "unconfirmed"}
        assert first.state == DispatchState.PARTIAL
        assert [r.address for r in first.problems] == ["a@example.org", "b@example.org"]  # reported
        assert "probably delivered" in str(first.problems[0].reply)
        again = send(engine, server, ["a@example.org", "b@example.org"], reply_timeout=1.0)
        assert len(handler.messages) == 2 and not again.attempted  # never resent without force
        handler.drop, handler.delay = False, 0.0
        forced = send(engine, server, ["a@example.org", "b@example.org"], force=True)
        assert len(handler.messages) == 4 and forced.state == DispatchState.SENT


def test_a_slow_content_scan_within_the_reply_timeout_is_accepted(tmp_path):
    handler = FinalReplyHandler(delay=2.0)
    with smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as server:
        # each SMTP step may take 1 s (MSBRIEF_SMTP_TIMEOUT), the reply to a whole message longer
        config = SmtpConfig(f"smtp+plain://127.0.0.1:{server.port}", timeout=1.0, reply_timeout=30.0)
        with Mailer(config) as mailer:
            result = mailer.send(message(), "a@example.org")
    assert result.status == DeliveryState.ACCEPTED, result


@pytest.mark.parametrize(("reply", "expected"), [
    ("251 2.1.5 user not local; will forward", DeliveryState.ACCEPTED),  # any 2xx is success
    ("299 odd but 2xx", DeliveryState.ACCEPTED),
    ("452 4.3.1 insufficient storage", DeliveryState.DEFERRED),  # 4xx: transient, tried again
    ("552 5.3.4 message too big", DeliveryState.REFUSED),  # 5xx: permanent
    ("354 more?", DeliveryState.UNCONFIRMED),  # no standard reply to the end of DATA: not a refusal
    ("hello there", DeliveryState.UNCONFIRMED),  # garbage
])
def test_the_reply_to_the_final_dot_follows_rfc_5321(tmp_path, reply, expected):
    handler = FinalReplyHandler(reply=reply)
    with smtp_server(tmp_path, mode="plain", auth=False, handler=handler) as server:
        config = SmtpConfig(f"smtp+plain://127.0.0.1:{server.port}", timeout=5)
        with Mailer(config) as mailer:
            result = mailer.send(message(), "a@example.org")
            after = mailer.send(message(), "b@example.org")  # the session goes on for the next one
    assert result.status == expected, result
    assert after.status == expected, after


def test_a_removed_address_is_never_sent_to(engine, tmp_path):
    with smtp_server(tmp_path, mode="plain", auth=False) as server:
        server.handler.refuse["b@example.org"] = "451 4.3.0 try later"
        first = send(engine, server, ["a@example.org", "b@example.org"])
        assert states(engine) == {"a@example.org": "accepted", "b@example.org": "deferred"}
        assert first.state == DispatchState.PARTIAL
        server.handler.refuse.clear()
        second = send(engine, server, ["a@example.org"])  # b was removed from the configuration
        assert [r.rcpt_tos for r in server.handler.messages] == [["a@example.org"]]
        assert states(engine)["b@example.org"] == DeliveryState.WITHDRAWN
        assert second.state == DispatchState.SENT and not second.problems
        third = send(engine, server, ["a@example.org", "b@example.org"])  # and added again
        assert [r.rcpt_tos for r in server.handler.messages] == [["a@example.org"], ["b@example.org"]]
        assert third.state == DispatchState.SENT


def test_owner_and_reply_are_columns_and_a_lost_hold_never_commits(engine):
    here = Owner.this_run()
    claim = protocol.claim(engine, "briefing", "2026-W47", subject="s", message_id="<x@y>",
                           targets=[Target(EMAIL, "a@example.org")], force=False)
    row = protocol.open_deliveries(engine, claim.dispatch_id)[0]
    assert protocol.take(engine, row.id, here, lease=timedelta(seconds=-1))  # a lease already over
    with transaction(engine) as s:
        stored = s.get(m.Delivery, row.id)
        assert (stored.owner_host, stored.owner_pid, stored.owner_token) == (here.host, here.pid, here.token)
    held = protocol.deliveries(engine, claim.dispatch_id)[0]
    assert held.owner == here and owner_gone(held)  # its lease ended
    other = Owner.this_run()
    assert protocol.take(engine, row.id, other, lease=timedelta(minutes=5))  # taken over
    assert not protocol.commit(engine, row.id, here, lease=timedelta(minutes=5))  # the first must not commit
    assert protocol.commit(engine, row.id, other, lease=timedelta(minutes=5))
    assert protocol.settle(engine, row.id, other, DeliveryState.ACCEPTED, Reply(250, "2.0.0 queued"))
    with transaction(engine) as s:
        stored = s.get(m.Delivery, row.id)
        assert (stored.status, stored.reply_code, stored.reply_text, stored.owner_token) == (
            "accepted", 250, "2.0.0 queued", None)


def test_an_owner_whose_process_is_gone_is_gone_at_once(engine):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid runs nothing now
    claim = protocol.claim(engine, "briefing", "2026-W48", subject="s", message_id="<x@y>",
                           targets=[Target(EMAIL, "a@example.org")], force=False)
    row = protocol.open_deliveries(engine, claim.dispatch_id)[0]
    dead = Owner(socket.gethostname()[:255], child.pid, "dead-run")
    assert protocol.take(engine, row.id, dead, lease=timedelta(hours=1))
    held = protocol.deliveries(engine, claim.dispatch_id)[0]
    assert owner_gone(held)
    alive = Owner(socket.gethostname()[:255], os.getppid(), "live-run")
    assert not owner_gone(held.__class__(**{**held.__dict__, "owner": alive}))


OLD_ROWS = [
    # (recipient, status, smtp_response) as the 0003 protocol wrote them
    ("accepted@example.org", "accepted", "250 2.0.0 queued as 1"),
    ("soft@example.org", "refused", "452 4.2.2 mailbox full (at RCPT TO)"),
    ("hard@example.org", "refused", "550 5.1.1 no such mailbox (at RCPT TO)"),
    ("failed@example.org", "failed", "SMTPServerDisconnected: Connection unexpectedly closed"),
    ("sending@example.org", "sending", "sending: pid 4242 on old-host"),
    ("doubt@example.org", "unconfirmed", "unconfirmed: the message was sent but the run ended before the "
                                          "server's reply was recorded [sending: pid 77 on old-host]"),
    ("pending@example.org", "pending", None),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0005_keeps_every_delivery_with_its_owner_and_reply_in_columns(backend, tmp_path, pg_admin):
    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else new_pg_database(pg_admin)
    engine = make_engine(url)
    try:
        upgrade(engine, "0003")
        at = datetime(2026, 11, 23, 8, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO briefings (id, week, message_id, subject, status, created_at) "
                              "VALUES (7, '2026-W47', '<b.1@example.org>', 'Briefing', 'partial', :at)"), {"at": at})
            for n, (recipient, status, response) in enumerate(OLD_ROWS, start=1):
                conn.execute(text("INSERT INTO deliveries (id, briefing_id, recipient, status, smtp_response, attempts, "
                                  "attempted_at) VALUES (:id, 7, :r, :st, :resp, 1, :at)"),
                             {"id": n, "r": recipient, "st": status, "resp": response, "at": at})
        upgrade(engine)
        with transaction(engine) as s:
            dispatch_row = s.execute(select(m.Dispatch)).scalar_one()
            assert (dispatch_row.id, dispatch_row.kind, dispatch_row.key, dispatch_row.message_id,
                    dispatch_row.status) == (7, "briefing", "2026-W47", "<b.1@example.org>", "partial")
            rows = {d.address: d for d in s.execute(select(m.Delivery)).scalars()}
        assert set(rows) == {r for r, _, _ in OLD_ROWS}
        got = {a: (d.status, d.reply_code, d.reply_text, d.owner_host, d.owner_pid) for a, d in rows.items()}
        assert got["accepted@example.org"] == ("accepted", 250, "2.0.0 queued as 1", None, None)
        assert got["soft@example.org"][:2] == ("deferred", 452)
        assert got["hard@example.org"][:2] == ("refused", 550)
        assert got["failed@example.org"] == ("failed", None, "SMTPServerDisconnected: Connection unexpectedly closed",
                                             None, None)
        assert got["sending@example.org"] == ("sending", None, None, "old-host", 4242)
        assert rows["sending@example.org"].lease_until == at + timedelta(minutes=30)
        assert got["doubt@example.org"][0] == "unconfirmed" and "[sending" not in got["doubt@example.org"][2]
        assert got["pending@example.org"] == ("pending", None, None, None, None)
        # new rows get new ids after the copied ones
        claim = protocol.claim(engine, "briefing", "2026-W48", subject="s", message_id="<n@example.org>",
                               targets=[Target(EMAIL, "a@example.org")], force=False)
        assert claim.dispatch_id > 7 and protocol.deliveries(engine, claim.dispatch_id)[0].id > len(OLD_ROWS)
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_pg_database(pg_admin, url)
