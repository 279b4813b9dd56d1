"""NRM data tables: workbooks, their tables, observations in long form, revisions between releases

- workbooks: a release's data-tables workbook as last read (URL, format, checksum, warnings);
- data_tables: each table found by title, keyed the same in every release;
- observations: one row per cell (period, dimensions as JSON text, value or shorthand code,
  markers, the cell), with a checksum of period and dimensions indexed for the revision join;
- table_revisions: cells a release states differently from the previous release's same table;
- statistics_releases.table_checks: the bulletin's figures compared with the release's tables.

Revision ID: 0004
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"  # the chain runs in the order the migrations were written: 0003, 0005, 0004
branch_labels = None
depends_on = None

URL = 2048


def upgrade() -> None:
    with op.batch_alter_table("statistics_releases") as batch:
        batch.add_column(sa.Column("table_checks", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "workbooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("statistics_releases.id", ondelete="CASCADE",
                                                            name="fk_workbooks_release_id_statistics_releases"),
                  nullable=False),
        sa.Column("url", sa.String(URL), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("release_id", "url", name="uq_workbooks_release_id_url"),
    )
    op.create_index("ix_workbooks_release_id", "workbooks", ["release_id"])
    op.create_table(
        "data_tables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workbook_id", sa.Integer(), sa.ForeignKey("workbooks.id", ondelete="CASCADE",
                                                             name="fk_data_tables_workbook_id_workbooks"),
                  nullable=False),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("statistics_releases.id", ondelete="CASCADE",
                                                            name="fk_data_tables_release_id_statistics_releases"),
                  nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sheet", sa.String(200), nullable=False),
        sa.Column("headings", sa.JSON(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("observation_count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("release_id", "key", name="uq_data_tables_release_id_key"),
    )
    op.create_index("ix_data_tables_workbook_id", "data_tables", ["workbook_id"])
    op.create_index("ix_data_tables_release_id", "data_tables", ["release_id"])
    op.create_index("ix_data_tables_key", "data_tables", ["key"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("table_id", sa.Integer(), sa.ForeignKey("data_tables.id", ondelete="CASCADE",
                                                          name="fk_observations_table_id_data_tables"),
                  nullable=False),
        sa.Column("period", sa.String(20), nullable=True),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("dims_crc", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("code", sa.String(10), nullable=True),
        sa.Column("markers", sa.String(10), nullable=False),
        sa.Column("cell", sa.String(20), nullable=False),
    )
    op.create_index("ix_observations_table_id_dims_crc", "observations", ["table_id", "dims_crc"])
    op.create_table(
        "table_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("statistics_releases.id", ondelete="CASCADE",
                                                            name="fk_table_revisions_release_id_statistics_releases"),
                  nullable=False),
        sa.Column("previous_release_id", sa.Integer(),
                  sa.ForeignKey("statistics_releases.id", ondelete="CASCADE",
                                name="fk_table_revisions_previous_release_id_statistics_releases"), nullable=False),
        sa.Column("table_key", sa.String(250), nullable=False),
        sa.Column("table_title", sa.Text(), nullable=False),
        sa.Column("sheet", sa.String(200), nullable=False),
        sa.Column("cell", sa.String(20), nullable=False),
        sa.Column("period", sa.String(20), nullable=True),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("was", sa.Float(), nullable=True),
        sa.Column("was_code", sa.String(10), nullable=True),
        sa.Column("now", sa.Float(), nullable=True),
        sa.Column("now_code", sa.String(10), nullable=True),
    )
    op.create_index("ix_table_revisions_release_id", "table_revisions", ["release_id"])
    op.create_index("ix_table_revisions_previous_release_id", "table_revisions", ["previous_release_id"])


def downgrade() -> None:
    op.drop_table("table_revisions")
    op.drop_table("observations")
    op.drop_table("data_tables")
    op.drop_table("workbooks")
    with op.batch_alter_table("statistics_releases") as batch:
        batch.drop_column("table_checks")
