"""Figure values exact on SQLite: figures.value is kept as JSON text in a TEXT column there

A column declared JSON has numeric affinity in SQLite, so a bare JSON number of more than 19
digits was stored as a float (issue 26: other digits than PostgreSQL's). On SQLite the column
becomes TEXT (store.models.ExactJSON parses it); PostgreSQL's json is exact already: no change.

Revision ID: 0009
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"  # the chain runs in the order the migrations were merged: 0003, 0005, 0004, 0007, 0009
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("figures", recreate="always") as batch:
        batch.alter_column("value", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("figures", recreate="always") as batch:
        batch.alter_column("value", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=False)
