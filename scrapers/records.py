"""Frozen dataclasses passed between layers: scrapers produce them, store saves them.

Datetimes are timezone-aware UTC. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

# Publication.kind values
KINDS = ("statistics", "news", "report", "guideline", "consultation", "case", "letter", "bulletin", "corporate",
         "question", "statement", "other")

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
class QuotedFigure:
    """An NRM figure that a written answer or statement quotes, as the NRM extractor reads it."""

    metric: str  # docs/FIGURES.md's name ("total_referrals")
    value: Any  # int or float, as written
    unit: str
    period: str  # the period the sentence names ("2023-year", "2024-Q2")
    quote: str  # the sentence it is written in


# ParliamentRecord.state values of a written question (a statement is "made").
QUESTION_STATES = ("tabled", "holding", "answered", "corrected")


@dataclass(frozen=True)
class ParliamentRecord:
    """What Parliament's Written Questions and Statements API says about one question or statement.

    Its life (tabled, holding answer, answered, corrected) is in the publication's change history;
    this is its present state, with the full texts as plain text.
    """

    kind: str  # "question" or "statement"
    house: str  # "Commons", "Lords", or "Commons and Lords" (a statement made in both)
    uin: str  # "143840", "HL12826", "HCWS751" (a statement in both Houses: "HCWS751, HLWS745")
    department: str  # the answering body ("Home Office")
    asked_by: str = ""  # a question's member ("Louise Haigh (Labour, Sheffield, Heeley)")
    answered_by: str = ""  # the minister who answered, or made the statement
    question: str = ""
    answer: str = ""  # the answer (the holding answer while it holds) or the statement's text
    state: str = ""  # QUESTION_STATES, or "made"
    grouped_with: tuple[str, ...] = ()  # UINs of the questions answered together with this one
    figures: tuple[QuotedFigure, ...] = ()  # NRM figures the answer or statement quotes


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
    # A written question or statement: who asked, who answered, the full texts, its state.
    parliament: ParliamentRecord | None = None
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
    # The release's data-tables workbooks as read (scrapers/nrm/tables), and its figures checked
    # against them. No workbook read (none attached, or it could not be read): () and the store
    # keeps what it had.
    workbooks: tuple[Workbook, ...] = ()
    table_checks: tuple[TableCheck, ...] = ()


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
    change_note: str | None = None  # the calendar's reason for the latest change (a moved date)


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
    # The attribution its licence asks for wherever its items are published ("" when none is asked).
    attribution: str = ""
    # What readers are told about the source when a run read it a given way: (strategy, words), e.g.
    # where its news now comes from once its own site is gone.
    strategy_notes: tuple[tuple[str, str], ...] = ()


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


# --- NRM data tables (scrapers/nrm/tables) -------------------------------------------------------


class Observation(NamedTuple):
    """One cell of a data table in long form (a NamedTuple: a big table has a quarter of a million)."""

    period: str | None  # '2023-Q2', '2023-year', or None for a table not by period
    dimensions: tuple[tuple[str, str], ...]  # (heading, label), rows first; totals labelled "Total"
    value: int | float | None  # None: no number (see code)
    code: str | None  # shorthand for no number: x c z u low (vocabulary.tables.SHORTHAND)
    markers: str  # 'r' revised, 'p' provisional, 'pr' both ('' none)
    cell: str  # 'C7' on its sheet


@dataclass(frozen=True)
class DataTable:
    """One table of a workbook, found by its title."""

    key: str  # the same table in every release (vocabulary.tables.table_key)
    title: str
    sheet: str
    headings: tuple[str, ...]  # the headings of its dimensions, rows first
    observations: tuple[Observation, ...]
    measure: str = ""  # what every number counts, when the columns say it once ("Number of referrals")
    column_dimensions: int = 0  # how many of each observation's dimensions (the last ones) are its column's


@dataclass(frozen=True)
class Workbook:
    """A release's data-tables workbook as read: its tables and the problems met (warnings name the
    release, table and cell). Its text is cleaned by its reader, not by scrapers.normalise."""

    url: str
    title: str
    format: str  # "ods" or "xlsx", as the bytes say
    sha256: str
    size: int
    tables: tuple[DataTable, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableCheck:
    """A bulletin figure compared with the same release's tables."""

    metric: str
    period: str  # the period the figure describes
    stated: Any  # what the bulletin says
    evidence: str  # the sentence it says it in
    table: str  # the table's title
    sheet: str  # 'Table_2'
    cell: str  # 'Q7', or the cells summed ('G7+L7+Q7')
    found: int | float  # what the table says
    outcome: str  # "matches", "differs" or "mislabelled" (TABLE_CHECK_OUTCOMES)
    note: str = ""  # plain words for readers and operators


TABLE_CHECK_OUTCOMES = ("matches", "differs", "mislabelled")
