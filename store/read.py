"""Read models: plain frozen dataclasses that feeds/ renders. No SQLAlchemy in here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from scrapers.records import ParliamentRecord, QuotedFigure


@dataclass(frozen=True)
class FigureView:
    """One figure as the latest release states it."""

    metric: str
    value: Any
    unit: str
    evidence: str
    period: str
    source_url: str
    # Where a table gives it: 'Table 2' and the cell (or the cells summed). A bulletin figure the
    # tables confirm says so in `check` ("matches Table 2"); one they contradict shows the table's
    # value, with `note` saying what the bulletin said.
    table: str = ""
    cell: str = ""
    check: str = ""
    note: str = ""

    @property
    def source(self) -> str:
        """Where the number comes from, in words: 'Table 2, cell C7' (a table gives it, or confirms the
        bulletin) or 'the bulletin'."""
        if self.table:
            return f"{self.table}, cell{'s' if '+' in self.cell else ''} {self.cell}"
        return "the bulletin"


@dataclass(frozen=True)
class CheckView:
    """A bulletin figure compared with the same release's tables (scrapers.records.TableCheck)."""

    metric: str
    period: str
    stated: Any
    evidence: str
    table: str
    sheet: str
    cell: str
    found: Any
    outcome: str  # matches / differs / mislabelled
    note: str


@dataclass(frozen=True)
class Statement:
    """One figure as one release stated it: what the cross-release check compares."""

    release: str  # the period of the release that stated it
    metric: str
    period: str
    value: Any


@dataclass(frozen=True)
class Revision:
    """A figure of an earlier period that this release states differently from that period's own release."""

    period: str
    metric: str  # the metric restated (total_referrals, dtn_count)
    was: Any  # what the period's own release said
    now: Any  # what this release says


@dataclass(frozen=True)
class ReleaseView:
    """A statistics release with its figures, the revisions it makes, and its warnings.

    `warnings` are the extractor's notes for operators (checks, reading problems): they go to the
    run's artifact and never to readers; `revisions` are routine and are shown to staff as notes.
    """

    period: str
    title: str
    page_url: str
    bulletin_url: str | None
    published: datetime | None
    updated: datetime | None
    figures: tuple[FigureView, ...]
    warnings: tuple[str, ...]
    revisions: tuple[Revision, ...] = ()
    awaiting_figures: bool = False  # no figures yet, and newer than every release that has some
    checks: tuple[CheckView, ...] = ()  # its bulletin's figures against its tables
    has_tables: bool = False  # its data tables are stored (and published as open data)

    def figure(self, metric: str, period: str | None = None) -> FigureView | None:
        """The figure `metric` describing `period` (default: this release's own period)."""
        want = period or self.period
        for f in self.figures:
            if f.metric == metric and f.period == want:
                return f
        return None

    def value(self, metric: str, period: str | None = None) -> Any:
        f = self.figure(metric, period)
        return f.value if f else None


@dataclass(frozen=True)
class Change:
    """One change of a publication: its date, the source's own words (GOV.UK's change note, or ""),
    what msbrief saw change in plain words, and when msbrief learned of it."""

    at: datetime
    note: str
    what: str
    seen: datetime


@dataclass(frozen=True)
class FeedItem:
    """A publication as feeds and the briefing show it.

    `key` is the stable identity (never changes on re-runs). `published` is the first-seen time
    when `date_estimated` (the source gives no date): show `date` instead, which is None then.
    `archive` marks an undated item found in its source's first reading: its date is unknown and
    it is not news. `changes` are its recorded changes, newest first.
    """

    id: int
    key: str
    source: str
    source_title: str
    url: str
    title: str
    kind: str
    summary: str
    topics: tuple[str, ...]
    published: datetime
    updated: datetime | None
    date_estimated: bool
    first_seen: datetime
    amended_at: datetime | None
    changes: tuple[Change, ...] = ()
    archive: bool = False
    release: ReleaseView | None = None
    parliament: ParliamentRecord | None = None  # a written question or statement

    @property
    def date(self) -> datetime | None:
        """The publication date the source gives; None when it gives none."""
        return None if self.date_estimated else self.published

    @property
    def last_changed(self) -> datetime:
        """The date a feed reader should show as <updated>: never a first-seen time as a publication date."""
        dates = [d for d in (self.date, self.updated, self.amended_at) if d is not None]
        return max(dates) if dates else self.first_seen

    @property
    def latest_change(self) -> Change | None:
        return self.changes[0] if self.changes else None


@dataclass(frozen=True)
class OfficialFigure:
    """A figure as the latest release that states it for its period says it (to compare with a quote)."""

    metric: str
    period: str
    value: Any
    release_title: str
    url: str  # the bulletin (else the release page) that states it


@dataclass(frozen=True)
class ParliamentWeek:
    """What the briefing's "In Parliament" reads: the written questions and statements around a week.

    `items` are the source's items first seen, amended or updated around the week (the briefing
    decides which steps are news); `latest` its most recently answered question before the week
    ended (where things stand in a quiet week); `official` the official figures of every period the
    answers and statements quote; `attribution` the words its licence asks for.
    """

    source: str
    items: tuple[FeedItem, ...] = ()
    latest: FeedItem | None = None
    official: tuple[OfficialFigure, ...] = ()
    attribution: str = ""


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a metric's series: the latest statement, and the earlier ones it revised."""

    period: str
    value: Any
    release_period: str
    revisions: tuple[tuple[str, Any], ...] = ()
    # Where the value was read: a data table ('Table 2' and its cell, or the cells summed), or the
    # bulletin's sentence (`evidence`).
    table: str = ""
    cell: str = ""
    evidence: str = ""

    @property
    def source(self) -> str:
        """'Table 2, cell C7' or 'the bulletin'."""
        if self.table:
            return f"{self.table}, cell{'s' if '+' in self.cell else ''} {self.cell}"
        return "the bulletin"


@dataclass(frozen=True)
class UpcomingRelease:
    """A statistics release announced on the calendar."""

    title: str
    url: str
    state: str
    release_at: datetime | None
    release_date_text: str
    previous_dates: tuple[str, ...]
    cancellation_reason: str | None
    change_note: str | None = None  # GOV.UK's reason for the latest change (a moved date)
    first_seen: datetime | None = None  # when msbrief first read the announcement
    changed_at: datetime | None = None  # when msbrief saw its date or state change

    @property
    def event(self) -> str:
        """What the calendar says of it: "cancelled", "moved" (a date it had before), "confirmed" or "provisional"."""
        if self.state == "cancelled":
            return "cancelled"
        if self.previous_dates:
            return "moved"
        return "confirmed" if self.state == "confirmed" else "provisional"


@dataclass(frozen=True)
class SourceHealth:
    """How a source fared in its latest run."""

    name: str
    title: str
    last_status: str | None
    last_error: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_strategy: str | None


@dataclass(frozen=True)
class TableView:
    """One release's data table, every observation as stored (for the open data files)."""

    release: str  # the release's period
    key: str
    title: str
    sheet: str
    headings: tuple[str, ...]
    measure: str
    workbook_url: str
    # (period, ((heading, label), ...), value, code, markers, cell), in the order the sheet has them
    observations: tuple[tuple[Any, ...], ...]

    @property
    def by_period(self) -> bool:
        return any(o[0] for o in self.observations)


@dataclass(frozen=True)
class TableRevisionView:
    """A cell a release's table states differently from the previous release's same table."""

    table: str  # the table's title
    sheet: str
    cell: str
    period: str | None
    dimensions: tuple[tuple[str, str], ...]
    was: Any
    was_code: str | None
    now: Any
    now_code: str | None
    previous_release: str


@dataclass(frozen=True)
class ReleaseTables:
    """A release's data tables and the cells it revised: the release page and the open data."""

    release: ReleaseView
    tables: tuple[TableView, ...]
    revisions: tuple[TableRevisionView, ...]
    workbooks: tuple[tuple[str, str, str], ...]  # (url, format, sha256)
def parliament_record(data: Any) -> ParliamentRecord | None:
    """The ParliamentRecord the store keeps as JSON (None for other items, or a value of another shape)."""
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(ParliamentRecord)}
    values = {k: v for k, v in data.items() if k in known}
    values["grouped_with"] = tuple(str(u) for u in values.get("grouped_with") or ())
    values["figures"] = tuple(QuotedFigure(str(f.get("metric")), f.get("value"), str(f.get("unit")), str(f.get("period")),
                                           str(f.get("quote") or "")) for f in values.get("figures") or ()
                              if isinstance(f, dict))
    try:
        return ParliamentRecord(**values)
    except TypeError:  # a required field missing: not a record this version can read
        return None
