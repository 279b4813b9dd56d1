"""URLs and ETags sized for what the web sends; fetch state per source; dated change notes; withheld figures

- every URL column 2048 characters (was 1000; a publication key 700), an ETag 1024 (was 500);
- fetch_state keyed by (source, url): two sources reading one site keep their own validators;
  existing rows are given the source that read their host when this migration was written;
- amendments.identity (a dated change note stored once per publication) and recorded_at (when
  msbrief learned of a change the source dates itself);
- publications: document_type, closes_at, withdrawn_at, withdrawn_note, organisations, context_note;
- figures.withheld_reason (a statement a check withheld from readers).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

URL = 2048
# The hosts each source read when this migration was written (for existing fetch_state rows).
HOSTS = {
    "govuk_nrm": ("www.gov.uk", "gov.uk", "assets.publishing.service.gov.uk"),
    "sentencing_council": ("www.sentencingcouncil.org.uk", "sentencingcouncil.org.uk"),
    "iasc": ("www.antislaverycommissioner.co.uk", "antislaverycommissioner.co.uk"),
    "atleu": ("www.atleu.org.uk", "atleu.org.uk"),
}


def _widen(table: str, *columns: tuple[str, int, int]) -> None:
    with op.batch_alter_table(table) as batch:
        for name, old, new in columns:
            batch.alter_column(name, type_=sa.String(new), existing_type=sa.String(old))


def upgrade() -> None:
    _widen("publications", ("key", 700, URL), ("url", 1000, URL))
    _widen("publication_urls", ("url", 1000, URL))
    _widen("attachments", ("url", 1000, URL))
    _widen("statistics_releases", ("page_url", 1000, URL), ("bulletin_url", 1000, URL))
    _widen("figures", ("source_url", 1000, URL))
    _widen("statistics_announcements", ("url", 1000, URL))

    with op.batch_alter_table("fetch_state") as batch:
        batch.add_column(sa.Column("source", sa.String(64), nullable=False, server_default=""))
        batch.alter_column("url", type_=sa.String(URL), existing_type=sa.String(1000))
        batch.alter_column("etag", type_=sa.String(1024), existing_type=sa.String(500))
        batch.drop_constraint("uq_fetch_state_url", type_="unique")
        batch.create_unique_constraint("uq_fetch_state_source_url", ["source", "url"])
    fetch_state = sa.table("fetch_state", sa.column("source", sa.String), sa.column("url", sa.String))
    for source, hosts in HOSTS.items():
        for host in hosts:
            op.execute(fetch_state.update()
                       .where(sa.or_(fetch_state.c.url.like(f"https://{host}/%"), fetch_state.c.url.like(f"http://{host}/%")))
                       .values(source=source))

    with op.batch_alter_table("amendments") as batch:
        batch.add_column(sa.Column("identity", sa.String(64), nullable=True))
        batch.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_amendments_publication_id_identity", ["publication_id", "identity"])

    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("document_type", sa.String(100), nullable=True))
        batch.add_column(sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("organisations", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("context_note", sa.Text(), nullable=True))

    with op.batch_alter_table("figures") as batch:
        batch.add_column(sa.Column("withheld_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("figures") as batch:
        batch.drop_column("withheld_reason")
    with op.batch_alter_table("publications") as batch:
        for name in ("context_note", "organisations", "withdrawn_note", "withdrawn_at", "closes_at", "document_type"):
            batch.drop_column(name)
    with op.batch_alter_table("amendments") as batch:
        batch.drop_constraint("uq_amendments_publication_id_identity", type_="unique")
        batch.drop_column("recorded_at")
        batch.drop_column("identity")
    with op.batch_alter_table("fetch_state") as batch:
        batch.drop_constraint("uq_fetch_state_source_url", type_="unique")
        batch.drop_column("source")
        batch.create_unique_constraint("uq_fetch_state_url", ["url"])
