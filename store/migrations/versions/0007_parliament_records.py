"""Written questions and statements: publications.parliament

- publications.parliament (JSON, nullable): what Parliament's API says about a written question
  or statement (house, UIN, department, members, the full texts, its state, the questions
  answered with it, the NRM figures it quotes); null for every other item.

Revision ID: 0007
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"  # the chain runs in the order the migrations were merged: 0003, 0005, 0004, 0007
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("parliament", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("parliament")
