"""statistics_announcements.change_note: GOV.UK's reason for a moved release date

GOV.UK gives it as the announcement's `latest_change_note` ("Release date moved to allow for
additional quality assurance."); the statistics feed's calendar entry for a moved release says it.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statistics_announcements") as batch:
        batch.add_column(sa.Column("change_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statistics_announcements") as batch:
        batch.drop_column("change_note")
