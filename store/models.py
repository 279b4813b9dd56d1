"""SQLAlchemy 2.x typed models. Every timestamp is timezone-aware UTC (see UTCDateTime)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Columns are sized for what the web legally sends: the limits scrapers.normalise enforces.
from scrapers.records import MAX_ETAG_LENGTH, MAX_LAST_MODIFIED_LENGTH, MAX_URL_LENGTH

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite hands them back naive, so UTC is re-attached."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: msbrief stores aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactJSON(TypeDecorator[Any]):
    """JSON that keeps every number exact on SQLite too.

    SQLite gives a column declared JSON numeric affinity, so a bare JSON number of 30 digits
    would be stored as a float (other digits than PostgreSQL's). On SQLite the JSON text is kept
    in a TEXT column (migration 0009) and parsed here; PostgreSQL's json type is exact already.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(Text() if dialect.name == "sqlite" else JSON())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return json.dumps(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return json.loads(value) if dialect.name == "sqlite" and value is not None else value


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    __table__: ClassVar[Table]  # each model maps one Table (SQLAlchemy types it as any FromClause)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A site msbrief reads (govuk_nrm, sentencing_council, iasc, atleu)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    home_url: Mapped[str] = mapped_column(String(500))
    last_strategy: Mapped[str | None] = mapped_column(String(100))
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class Publication(Base):
    """One item, however many URL variants point at it."""

    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    key: Mapped[str] = mapped_column(String(MAX_URL_LENGTH), unique=True)  # canonical URL or source:external id
    title_key: Mapped[str | None] = mapped_column(String(700), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]] = mapped_column(default=list)
    published: Mapped[datetime | None]
    updated: Mapped[datetime | None]
    date_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(default=now)
    last_seen: Mapped[datetime] = mapped_column(default=now)
    amended_at: Mapped[datetime | None]
    amendment_count: Mapped[int] = mapped_column(Integer, default=0)
    change_note: Mapped[str | None] = mapped_column(Text)
    # The source's own type of document ("statutory_guidance", "open_consultation"...), when it says.
    document_type: Mapped[str | None] = mapped_column(String(100))
    closes_at: Mapped[datetime | None]  # an open consultation's closing date
    withdrawn_at: Mapped[datetime | None]
    withdrawn_note: Mapped[str | None] = mapped_column(Text)
    organisations: Mapped[list[Any]] = mapped_column(default=list)
    context_note: Mapped[str | None] = mapped_column(Text)  # "This was published under the ... government"
    # A written question or statement: scrapers.records.ParliamentRecord as JSON (null for other items).
    parliament: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    source: Mapped[Source] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="publication", order_by="Attachment.id")
    amendments: Mapped[list[Amendment]] = relationship(back_populates="publication", order_by="Amendment.id")


class PublicationUrl(Base):
    """Every canonical URL known to point at a publication (old slugs, content-id URLs)."""

    __tablename__ = "publication_urls"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH), unique=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)


class Amendment(Base):
    """A recorded change to a publication: what changed, from what, to what, and the source's note.

    A change note the source dates itself (GOV.UK's change history) is one amendment at the note's
    own time, identified by (publication, `identity`) so it is stored once however often it is seen.
    """

    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("publication_id", "identity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    changes: Mapped[dict[str, Any]] = mapped_column()  # {"title": [old, new], "updated": [old, new]}
    note: Mapped[str | None] = mapped_column(Text)
    identity: Mapped[str | None] = mapped_column(String(64))  # a dated change note's: sha1 of (time, words)
    recorded_at: Mapped[datetime | None]  # when msbrief learned of it (`at` is when the source says it happened)

    publication: Mapped[Publication] = relationship(back_populates="amendments")


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("publication_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str | None] = mapped_column(String(500))

    publication: Mapped[Publication] = relationship(back_populates="attachments")


class StatisticsRelease(Base):
    """An NRM statistics release: one per period."""

    __tablename__ = "statistics_releases"
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id", ondelete="SET NULL"), index=True)
    period: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    bulletin_url: Mapped[str | None] = mapped_column(String(MAX_URL_LENGTH))
    published: Mapped[datetime | None]
    updated: Mapped[datetime | None]
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    change_notes: Mapped[list[Any]] = mapped_column(default=list)
    first_seen: Mapped[datetime] = mapped_column(default=now)
    last_seen: Mapped[datetime] = mapped_column(default=now)
    # The bulletin's figures compared with the release's own tables (scrapers.records.TableCheck as dicts).
    table_checks: Mapped[list[Any]] = mapped_column(default=list)

    figures: Mapped[list[Figure]] = relationship(back_populates="release", order_by="Figure.id")


class Figure(Base):
    """A figure as one release states it. Every release's statement is kept, so revisions show."""

    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("release_id", "period", "metric"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    metric: Mapped[str] = mapped_column(String(100), index=True)
    value: Mapped[Any] = mapped_column(ExactJSON)  # int/float, or str (date/approx), or list; exact on both databases
    value_num: Mapped[float | None] = mapped_column(Float)  # numeric copy for sorting/charting
    unit: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    first_seen: Mapped[datetime] = mapped_column(default=now)
    # Earlier values of this statement when the same release was corrected in place.
    history: Mapped[list[Any]] = mapped_column(default=list)
    # Why a check withheld this statement (it contradicts another figure): kept for operators,
    # never shown to readers. None: the statement passed its checks and is published.
    withheld_reason: Mapped[str | None] = mapped_column(Text)

    release: Mapped[StatisticsRelease] = relationship(back_populates="figures")


class StatisticsAnnouncement(Base):
    """An upcoming release on the statistics calendar."""

    __tablename__ = "statistics_announcements"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(Text)
    period: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    release_at: Mapped[datetime | None]
    release_date_text: Mapped[str] = mapped_column(Text, default="")
    previous_dates: Mapped[list[Any]] = mapped_column(default=list)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    change_note: Mapped[str | None] = mapped_column(Text)  # GOV.UK's reason for a moved date (migration 0010)
    first_seen: Mapped[datetime] = mapped_column(default=now)
    last_seen: Mapped[datetime] = mapped_column(default=now)
    changed_at: Mapped[datetime | None]


class FetchState(Base):
    """What one source knows about one URL from the last time it asked for it.

    Keyed by source as well as URL: two sources reading one site (GOV.UK) keep their own
    validators, so one source's 304 never hides a page from the other.
    """

    __tablename__ = "fetch_state"
    __table_args__ = (UniqueConstraint("source", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    etag: Mapped[str | None] = mapped_column(String(MAX_ETAG_LENGTH))
    last_modified: Mapped[str | None] = mapped_column(String(MAX_LAST_MODIFIED_LENGTH))
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    # robots.txt only: its text, reused for 24 hours instead of fetching it every run
    cached_body: Mapped[str | None] = mapped_column(Text)


class Run(Base):
    """One ingest cycle."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=now)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    flow_run_id: Mapped[str | None] = mapped_column(String(64))

    sources: Mapped[list[SourceRun]] = relationship(back_populates="run", order_by="SourceRun.id")


class SourceRun(Base):
    """One source within one run: the strategy that worked and the counts reported."""

    __tablename__ = "source_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    strategy: Mapped[str | None] = mapped_column(String(100))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    amended: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    finished_at: Mapped[datetime | None]

    run: Mapped[Run] = relationship(back_populates="sources")


class Dispatch(Base):
    """One thing msbrief sends once, such as ("briefing", "2026-W47"): claimed once per (kind, key),
    so it is never composed twice; its deliveries go to each address (store/deliveries.py)."""

    __tablename__ = "dispatches"
    __table_args__ = (UniqueConstraint("kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # "briefing", "release-alert"
    key: Mapped[str] = mapped_column(String(200))  # "2026-W47"
    message_id: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="sending")  # vocabulary.deliveries.DispatchState
    created_at: Mapped[datetime] = mapped_column(default=now)
    completed_at: Mapped[datetime | None]

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="dispatch", order_by="Delivery.id")


class Delivery(Base):
    """A dispatch to one address on one channel. While a run holds it, the owner columns name that
    run (host, pid, a random token) and its lease; the receiver's reply has columns of its own."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("dispatch_id", "channel", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")  # vocabulary.deliveries.Channel
    address: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))  # an email address or a webhook URL
    status: Mapped[str] = mapped_column(String(20), default="pending")  # vocabulary.deliveries.DeliveryState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    owner_host: Mapped[str | None] = mapped_column(String(255))
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    owner_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]  # the owner's hold ends then, whether or not it is alive
    reply_code: Mapped[int | None] = mapped_column(Integer)  # SMTP or HTTP status of the last attempt
    reply_text: Mapped[str | None] = mapped_column(Text)  # its text, or what went wrong (no credentials)

    dispatch: Mapped[Dispatch] = relationship(back_populates="deliveries")


# --- NRM data tables (store/tables.py) -------------------------------------------------------------


class Workbook(Base):
    """A release's data-tables workbook as last read: replaced whole when a new reading differs."""

    __tablename__ = "workbooks"
    __table_args__ = (UniqueConstraint("release_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_LENGTH))
    title: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10))  # ods / xlsx / xls
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    read_at: Mapped[datetime] = mapped_column(default=now)


class DataTable(Base):
    """One table of a workbook; `key` is the same table in every release (found by title)."""

    __tablename__ = "data_tables"
    __table_args__ = (UniqueConstraint("release_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workbook_id: Mapped[int] = mapped_column(ForeignKey("workbooks.id", ondelete="CASCADE"), index=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(250), index=True)
    title: Mapped[str] = mapped_column(Text)
    sheet: Mapped[str] = mapped_column(String(200))
    headings: Mapped[list[Any]] = mapped_column(default=list)
    measure: Mapped[str] = mapped_column(Text, default="")
    observation_count: Mapped[int] = mapped_column(Integer, default=0)


class Observation(Base):
    """One cell of a data table in long form. `dimensions` is JSON text ({heading: label}, in the
    table's order); `dims_crc` a checksum of the period and dimensions, to find the same cell in
    another release's table quickly (the text itself decides)."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("data_tables.id", ondelete="CASCADE"))
    period: Mapped[str | None] = mapped_column(String(20))
    dimensions: Mapped[str] = mapped_column(Text)
    dims_crc: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float)
    code: Mapped[str | None] = mapped_column(String(10))  # x c z u low: no number
    markers: Mapped[str] = mapped_column(String(10), default="")  # r p
    cell: Mapped[str] = mapped_column(String(20))


Index("ix_observations_table_id_dims_crc", Observation.table_id, Observation.dims_crc)


class TableRevision(Base):
    """A cell a release's table states differently from the previous release's same table."""

    __tablename__ = "table_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id", ondelete="CASCADE"), index=True)
    previous_release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id", ondelete="CASCADE"),
                                                     index=True)
    table_key: Mapped[str] = mapped_column(String(250))
    table_title: Mapped[str] = mapped_column(Text)
    sheet: Mapped[str] = mapped_column(String(200))
    cell: Mapped[str] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(20))
    dimensions: Mapped[str] = mapped_column(Text)
    was: Mapped[float | None] = mapped_column(Float)
    was_code: Mapped[str | None] = mapped_column(String(10))
    now: Mapped[float | None] = mapped_column(Float)
    now_code: Mapped[str | None] = mapped_column(String(10))
