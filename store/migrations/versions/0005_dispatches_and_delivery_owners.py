"""Dispatches and deliveries for any kind of message; delivery owners and replies in columns

- `briefings` becomes `dispatches` (kind, key): a week's briefing is ("briefing", week), and other
  kinds (release-day alerts) use the same exactly-once protocol;
- `deliveries` gain a channel ("email", "webhook") and an address in place of the recipient; the
  owner of a delivery being sent (host, pid, token, lease) and the receiver's reply (code, text)
  get columns of their own in place of the one `smtp_response` text;
- states: a 4xx "refused" becomes "deferred" (it was always retried); an old "unconfirmed" keeps
  its state (never resent unless forced). Every existing row is kept; its old text is read once,
  here, so that no code reads it back again.

Revision ID: 0005
Revises: 0003
"""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

URL = 2048
OLD_OWNER = re.compile(r"sending: pid (\d+) on (.+)")
OLD_OWNER_INSIDE = re.compile(r"\s*\[sending: pid (\d+) on ([^\]]+)\]")
REPLY = re.compile(r"(\d{3})[ -](.*)", re.S)
OLD_STALE = timedelta(minutes=30)  # what the old protocol waited before taking over a "sending" delivery


def _dispatches() -> sa.Table:
    return op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_dispatches_kind_key")),
    )


def _deliveries(name: str) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=URL), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_host", sa.String(length=255), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
        sa.Column("owner_token", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_code", sa.Integer(), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatches.id"], name=op.f(f"fk_{name}_dispatch_id_dispatches"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("dispatch_id", "channel", "address", name=op.f(f"uq_{name}_dispatch_id_channel_address")),
    )


def _delivery_row(old: sa.Row) -> dict:
    """An old delivery in the new columns: its response text read once, here."""
    status, text = old.status, old.smtp_response
    row = {"id": old.id, "dispatch_id": old.briefing_id, "channel": "email", "address": old.recipient,
           "status": status, "attempts": old.attempts, "attempted_at": old.attempted_at,
           "accepted_at": old.accepted_at, "owner_host": None, "owner_pid": None, "owner_token": None,
           "lease_until": None, "reply_code": None, "reply_text": None}
    if status == "sending":
        owner = OLD_OWNER.fullmatch(text or "")
        if owner:
            row.update(owner_pid=int(owner[1]), owner_host=owner[2][:255], owner_token=f"pid-{owner[1]}")
        if old.attempted_at is not None:
            row["lease_until"] = old.attempted_at + OLD_STALE
        return row
    if status == "unconfirmed":
        row["reply_text"] = OLD_OWNER_INSIDE.sub("", text or "") or None
        return row
    reply = REPLY.match(text or "")
    if reply:
        row.update(reply_code=int(reply[1]), reply_text=reply[2])
    else:
        row["reply_text"] = text
    if status == "refused" and row["reply_code"] is not None and 400 <= row["reply_code"] < 500:
        row["status"] = "deferred"  # a 4xx refusal was always retried: now it says so
    return row


def upgrade() -> None:
    bind = op.get_bind()
    dispatches = _dispatches()
    briefings = sa.table("briefings", *(sa.column(c) for c in ("id", "week", "message_id", "subject", "status")),
                         *(sa.column(c, sa.DateTime(timezone=True)) for c in ("created_at", "completed_at")))
    rows = [{"id": b.id, "kind": "briefing", "key": b.week, "message_id": b.message_id, "subject": b.subject,
             "status": b.status, "created_at": b.created_at, "completed_at": b.completed_at}
            for b in bind.execute(sa.select(briefings))]
    if rows:
        op.bulk_insert(dispatches, rows)
    old = sa.table("deliveries", *(sa.column(c) for c in (
        "id", "briefing_id", "recipient", "status", "smtp_response", "attempts")),
                   *(sa.column(c, sa.DateTime(timezone=True)) for c in ("attempted_at", "accepted_at")))
    moved = [_delivery_row(d) for d in bind.execute(sa.select(old))]  # few rows: one per recipient and week
    op.drop_table("deliveries")
    op.drop_table("briefings")
    new = _deliveries("deliveries")
    if moved:
        op.bulk_insert(new, moved)
    with op.batch_alter_table("deliveries") as batch:
        batch.create_index(batch.f("ix_deliveries_dispatch_id"), ["dispatch_id"], unique=False)
    if bind.dialect.name == "postgresql":  # the ids were copied: the sequences go on after them
        for table in ("deliveries", "dispatches"):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def downgrade() -> None:
    raise NotImplementedError("0005 is not reversible: the owner and reply columns have no place in 0003's schema")
