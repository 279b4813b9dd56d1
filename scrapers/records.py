"""Frozen dataclasses passed between layers: scrapers produce them, store saves them.

Datetimes are timezone-aware UTC. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Publication.kind values
KINDS = ("statistics", "news", "report", "guideline", "consultation", "case", "letter", "bulletin", "corporate", "other")

# Announcement.state values
ANNOUNCEMENT_STATES = ("provisional", "confirmed", "cancelled")

# What the store keeps of what the web sends (scrapers.normalise enforces them; store.models sizes
# its columns by them). A URL or validator longer than its limit is not stored; text is cut.
MAX_URL_LENGTH = 2048  # characters; browsers and servers commonly stop near here
MAX_ETAG_LENGTH = 1024
MAX_LAST_MODIFIED_LENGTH = 100  # an HTTP date is 29 characters
MAX_TITLE_LENGTH = 500
MAX_SUMMARY_LENGTH = 20_000
MAX_TEXT_LENGTH = 10_000  # any other text field (notes, evidence, captions, errors)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a publication (an ODS data table, a PDF, an HTML bulletin)."""

    url: str
    title: str
    content_type: str | None = None
    size: int | None = None
    filename: str | None = None


@dataclass(frozen=True)
class ChangeNote:
    """One dated entry of a page's change history ("Updates to this page"), in the source's own words.

    A change is identified by the pair (`at`, `note`), never by the page's update date: a page can
    be re-dated without a new note, and two notes can share a day.
    """

    at: datetime  # UTC, GOV.UK's public_timestamp of the change
    note: str

    @property
    def identity(self) -> tuple[str, str]:
        """(UTC ISO timestamp, note with its whitespace collapsed): what makes two notes the same change."""
        return self.at.isoformat(), " ".join(self.note.split())


@dataclass(frozen=True)
class Publication:
    """One item of a source: a news story, report, guideline, statistics release page..."""

    source: str
    url: str
    title: str
    kind: str
    published: datetime | None
    updated: datetime | None = None
    summary: str = ""
    topics: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # True when no date could be read: the store keeps the first-seen date and flags it.
    date_estimated: bool = False
    # A stable id the source gives (GOV.UK content_id, WordPress post id), when there is one.
    external_id: str | None = None
    # Other URLs known to point at the same item (content-id URLs, old slugs).
    alternate_urls: tuple[str, ...] = ()
    change_note: str | None = None  # the latest change note, when the source gives one
    # The whole change history, newest first (GOV.UK's order). Each note not seen before is, for the
    # store, one dated amendment of this publication with the note's own words; never a new item.
    change_history: tuple[ChangeNote, ...] = ()
    # The source's own type of document, finer than `kind` ("statutory_guidance", "open_consultation",
    # "consultation_outcome"...): a consultation moving from open to outcome keeps its identity and
    # changes this.
    document_type: str | None = None
    # When an open consultation or call for evidence closes (UTC).
    closes_at: datetime | None = None
    # Withdrawn by the source (GOV.UK's withdrawn notice): when, and its explanation as plain text.
    withdrawn_at: datetime | None = None
    withdrawn_note: str | None = None
    # Who published it (GOV.UK's organisations), for display.
    organisations: tuple[str, ...] = ()
    # Context to say alongside the item, in the source's words: "This was published under the 2016
    # to 2019 May Conservative government" (GOV.UK's history mode).
    context_note: str | None = None
    # Identity, filled by scrapers.normalise.normalise_result before the store sees the item: the
    # primary key (source:external id, else the canonical URL), every canonical URL of the item,
    # and the second identity (source + normalised title + date; None without a date).
    key: str = ""
    url_variants: tuple[str, ...] = ()
    title_key: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure stated by a bulletin, with the sentence it came from.

    `period` is the period the figure describes ("2023-Q1" for the previous quarter restated
    in the 2023-Q2 release); `value` is int/float for count/pct, str for date/approx, list for list.
    """

    metric: str
    value: Any
    unit: str
    evidence: str
    period: str
    # The clause of the evidence that states this value ("77% (9,790) were male"); "" if unknown.
    quote: str = ""


# Notice.kind values: a check withheld a figure; something in the text could not be read;
# an earlier period's figure was revised (routine: a note, not a problem); a number was read but
# is not a UK figure of the period (another nation, area, group or period: named, never published).
NOTICE_KINDS = ("check", "reading", "revision", "scope")


@dataclass(frozen=True)
class Notice:
    """A warning or note in plain words for staff; the metric names are kept for operators.

    `str(notice)` is the text, so lists of notices print and serialise as the plain strings the
    JSON contract promises ("warnings": [...]).
    """

    text: str
    metrics: tuple[str, ...] = ()
    kind: str = "check"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Withheld:
    """A figure the text states that a check held back, and why (plain words)."""

    figure: Figure
    reason: str


@dataclass(frozen=True)
class Release:
    """A statistics release (NRM quarterly bulletin or end-of-year summary)."""

    period: str  # "2023-Q2" or "2023-year"
    title: str
    page_url: str
    bulletin_url: str | None
    published: datetime | None
    updated: datetime | None
    figures: tuple[Figure, ...] = ()  # only figures that passed every check: these are published
    warnings: tuple[str, ...] = ()
    change_notes: tuple[tuple[str, str], ...] = ()  # (ISO timestamp, note)
    withheld: tuple[Withheld, ...] = ()  # stated figures a check held back (never published)


@dataclass(frozen=True)
class Announcement:
    """An upcoming statistics release announced on the release calendar."""

    url: str
    title: str
    state: str  # provisional / confirmed / cancelled
    release_at: datetime | None  # the announced date and time (UTC)
    release_date_text: str = ""  # as written, e.g. "8 May 2025 9:30am" or "May to June 2025 (provisional)"
    period: str | None = None
    previous_dates: tuple[str, ...] = ()
    cancellation_reason: str | None = None
    source: str = "govuk_nrm"


@dataclass(frozen=True)
class Page:
    """One HTTP response as the scrapers see it."""

    url: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class SourceResult:
    """What one adapter found in one run. `strategy` says which way of reading the site worked."""

    source: str
    strategy: str = ""
    publications: list[Publication] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceInfo:
    """A source's identity: its name in settings and the store, and the site it mirrors.

    `canonical_base` is the real site (links are stored against it); the adapter fetches from
    the configured base URL, which may be the mirror. `hosts` are the only hosts the source's
    client may contact when it reads the real site: its own host, the www/non-www variant, a CDN
    it really fetches from (a base URL elsewhere allows only its own host: scrapers/hosts.py).
    """

    name: str
    title: str
    home_url: str
    canonical_base: str
    hosts: tuple[str, ...]
    kind_hint: str = "news"


@dataclass(frozen=True)
class FetchRecord:
    """The outcome of one request, for the fetch state in the store."""

    url: str
    status: int | None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    bytes: int = 0
    error: str | None = None
    # robots.txt only: its text ("" when the site has none), kept by the store for 24 hours
    cache_body: str | None = None
