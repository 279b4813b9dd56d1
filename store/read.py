"""Read models: plain frozen dataclasses that feeds/ renders. No SQLAlchemy in here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FigureView:
    """One figure as the latest release states it."""

    metric: str
    value: Any
    unit: str
    evidence: str
    period: str
    source_url: str


@dataclass(frozen=True)
class Statement:
    """One figure as one release stated it: what the cross-release check compares."""

    release: str  # the period of the release that stated it
    metric: str
    period: str
    value: Any


@dataclass(frozen=True)
class ReleaseView:
    """A statistics release with its figures and consistency warnings."""

    period: str
    title: str
    page_url: str
    bulletin_url: str | None
    published: datetime | None
    updated: datetime | None
    figures: tuple[FigureView, ...]
    warnings: tuple[str, ...]

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
class FeedItem:
    """A publication as feeds and the briefing show it.

    `key` is the stable identity (never changes on re-runs); `amendment_note` says what changed
    the last time the item was amended.
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
    amendment_note: str | None
    release: ReleaseView | None = None

    @property
    def last_changed(self) -> datetime:
        """The date a feed reader should show as <updated>."""
        return max(d for d in (self.published, self.updated, self.amended_at) if d is not None)


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a metric's series: the latest statement, and the earlier ones it revised."""

    period: str
    value: Any
    release_period: str
    revisions: tuple[tuple[str, Any], ...] = ()


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
