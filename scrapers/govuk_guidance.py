"""The `govuk_guidance` adapter: modern-slavery guidance and policy on GOV.UK, each change in GOV.UK's words.

Strategy "govuk-search+content-api" (JSON only, through scrapers.govuk_api, like `govuk_nrm`):

1. Discovery, the safety net: the Search API (`/api/search.json`), newest first
   (`order=-public_timestamp`), filtered to the guidance, policy, consultation and report
   document types: one search per phrase in QUERIES for the Home Office (a result is kept when
   its title or description is about modern slavery), and one search without a query for the
   bodies that exist for the subject (the Independent Anti-Slavery Commissioner, the Gangmasters
   and Labour Abuse Authority), all of whose results are kept.
2. The watch list (DEFAULT_WATCH, or the configured one): key documents fetched on every run, so
   a search that misses one still finds it.
3. Each document: the Content API (`/api/content/<base_path>`) for its title, description,
   type, dates, organisations, attachments, `details.change_history` (GOV.UK's "Updates to this
   page": each dated note becomes, downstream, one amendment of the document in the note's own
   words), its withdrawn notice, and history mode ("This was published under the ... government").

Incremental: every request is conditional. A 304 on a search page ends that search (nothing on it
changed, so nothing older did: a document with a new change note moves to the top); a 304 on a
document means it has no new note. A search also stops at a page whose documents are all known
and answered 304 (`backfill=True` walks every page). A path that leads elsewhere (an HTTP
redirect, a `redirect` item, or a document whose base_path is not the path asked for) is read as
the document it leads to, with the old URL kept as an alternate URL and a warning to say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from scrapers.adapter import Fetcher
from scrapers.errors import FetchError, ParseError
from scrapers.govuk_api import (
    CANONICAL_BASE,
    GovukApi,
    Result,
    attachments,
    change_history,
    content_path,
    details_of,
    history_mode,
    page_url,
    redirect_destination,
    require,
    search_path,
    when,
    withdrawn,
)
from scrapers.normalise import tag_topics
from scrapers.records import ChangeNote, Page, Publication, SourceInfo, SourceResult

SOURCE = SourceInfo(
    name="govuk_guidance",
    title="GOV.UK: modern slavery guidance and policy",
    home_url="https://www.gov.uk/government/collections/modern-slavery",
    canonical_base=CANONICAL_BASE,
    hosts=("www.gov.uk",),  # the Content and Search APIs; attachments are links, never fetched
    kind_hint="guideline",
)
STRATEGY = "govuk-search+content-api"
PAGE_SIZE = 10
MAX_REDIRECTS = 3  # redirect items followed from one path

HOME_OFFICE = "home-office"
# Every document these bodies publish on GOV.UK is about the subject.
BODIES = ("independent-anti-slavery-commissioner", "gangmasters-and-labour-abuse-authority")
QUERIES = ("modern slavery", "human trafficking", "national referral mechanism", "duty to notify",
           "transparency in supply chains")
# GOV.UK document types (govuk_document_types' supergroups guidance_and_regulation and
# policy_and_engagement, and the corporate and independent reports and correspondence that carry the
# subject's policy). Kept short: every one lengthens each search URL, which the store keeps as a key.
DOCUMENT_TYPES = (
    "statutory_guidance", "guidance", "detailed_guide", "form",
    "policy_paper", "open_consultation", "closed_consultation", "consultation_outcome",
    "corporate_report", "independent_report", "correspondence",
)
# A Home Office result is kept when its title or description says what it is about.
ON_TOPIC = re.compile(
    r"slavery|traffick|servitude|forced labour|national referral mechanism|\bNRM\b|duty to notify|"
    r"supply chains?\b|labour (?:abuse|exploitation)|gangmaster|anti-slavery", re.I)

# Key documents followed on every run, whatever the search says (real base paths).
DEFAULT_WATCH = (
    "/government/publications/modern-slavery-how-to-identify-and-support-victims",  # statutory guidance (s49)
    "/government/publications/human-trafficking-victims-referral-and-assessment-forms",  # NRM guidance and forms
    "/government/publications/modern-slavery-duty-to-notify",  # Duty to Notify factsheet and posters
    "/guidance/publish-an-annual-modern-slavery-statement",  # transparency in supply chains (s54)
    "/government/collections/modern-slavery",  # the Home Office's modern slavery collection
)

# Publication.kind by GOV.UK document type; anything else is "other".
KINDS = {
    "statutory_guidance": "guideline", "guidance": "guideline", "detailed_guide": "guideline",
    "regulation": "guideline", "form": "guideline",
    "open_consultation": "consultation", "closed_consultation": "consultation",
    "consultation_outcome": "consultation", "consultation": "consultation",
    "open_call_for_evidence": "consultation", "closed_call_for_evidence": "consultation",
    "call_for_evidence_outcome": "consultation", "call_for_evidence": "consultation",
    "policy_paper": "report", "independent_report": "report",
    "corporate_report": "corporate",
    "correspondence": "letter",
}
FIRST_PUBLISHED = "first published."
GONE = (404, 410)  # a page GOV.UK removed: said, and the rest of the run goes on


@dataclass(frozen=True)
class Search:
    """One of the searches: a free-text query (or none) within some organisations."""

    query: str | None
    organisations: tuple[str, ...]
    keep_all: bool  # every result is on topic; else ON_TOPIC must match its title or description

    def path(self, start: int) -> str:
        """The Search API path of the page at `start`; the mirror fixtures use the same."""
        # no `fields`: the default ones (link, title, description, public_timestamp...) are all it reads
        return search_path(query=self.query, organisations=self.organisations, document_types=DOCUMENT_TYPES,
                           fields=None, order="-public_timestamp", count=PAGE_SIZE, start=start)

    def keeps(self, result: Result) -> bool:
        """Whether a result of this search is a document to read."""
        if not isinstance(result.get("link"), str) or not result["link"].startswith("/"):
            return False
        if self.keep_all:
            return True
        words = " ".join(str(result.get(k) or "") for k in ("title", "description"))
        return bool(ON_TOPIC.search(words))


SEARCHES = tuple(Search(q, (HOME_OFFICE,), keep_all=False) for q in QUERIES) + (Search(None, BODIES, keep_all=True),)


# --- one document ------------------------------------------------------------------------------


def _notes(doc: dict[str, Any], page: Page, warnings: list[str]) -> tuple[ChangeNote, ...]:
    """The change history, newest first; a note without a readable date is left out, with a warning."""
    details = details_of(doc)
    if "change_history" in details and not isinstance(details["change_history"], list):
        raise ParseError(f"change_history is a {type(details['change_history']).__name__}", source=SOURCE.name,
                         url=page.url, expected="details.change_history as a list of {public_timestamp, note}")
    notes = []
    for at, note in change_history(details):
        if at is None:
            warnings.append(f"{page_url(doc['base_path'])}: change note {note[:60]!r} has no readable date: left out")
        elif note:
            notes.append(ChangeNote(at=at, note=note))
    return tuple(sorted(notes, key=lambda n: n.at, reverse=True))  # stable: GOV.UK's order within a time


def _organisations(doc: dict[str, Any]) -> tuple[str, ...]:
    links = doc["links"] if isinstance(doc.get("links"), dict) else {}
    found = links.get("organisations")
    return tuple(o["title"].strip() for o in found if isinstance(o, dict) and isinstance(o.get("title"), str)
                 and o["title"].strip()) if isinstance(found, list) else ()


def publication(doc: dict[str, Any], page: Page, *, topics: dict[str, tuple[str, ...]],
                warnings: list[str] | None = None) -> Publication:
    """The Publication of one Content API document; ParseError when it lacks a title, base path or date."""
    warnings = warnings if warnings is not None else []
    require(doc, page, "title", "base_path", source=SOURCE.name)
    details = details_of(doc)
    notes = _notes(doc, page, warnings)
    published = when(doc.get("first_published_at")) or when(details.get("first_public_at"))
    published = published or (notes[-1].at if notes else None)
    if published is None:
        raise ParseError(f"document without a publication date: {doc['title']!r}", source=SOURCE.name, url=page.url,
                         expected="first_published_at")
    url = page_url(doc["base_path"])
    document_type = doc["document_type"] if isinstance(doc.get("document_type"), str) else None
    summary = doc["description"].strip() if isinstance(doc.get("description"), str) else ""
    withdrawn_at, withdrawn_note = withdrawn(doc)
    latest = next((n.note for n in notes if n.note.lower() != FIRST_PUBLISHED), None)
    return Publication(
        source=SOURCE.name,
        url=url,
        title=doc["title"].strip(),
        kind=KINDS.get(document_type or "", "other"),
        published=published,
        updated=when(doc.get("public_updated_at")) or (notes[0].at if notes else None),
        summary=summary,
        topics=tag_topics(f"{doc['title']} {summary}", topics),
        attachments=attachments(details),
        external_id=doc["content_id"] if isinstance(doc.get("content_id"), str) and doc["content_id"] else None,
        change_note=latest,
        change_history=notes,
        document_type=document_type,
        closes_at=when(details.get("closing_date")),
        withdrawn_at=withdrawn_at,
        withdrawn_note=withdrawn_note,
        context_note=history_mode(details),
        organisations=_organisations(doc),
    )


# --- a run -------------------------------------------------------------------------------------


class _Run:
    """One collect(): the documents read so far, by content path and by identity."""

    def __init__(self, api: GovukApi, topics: dict[str, tuple[str, ...]]) -> None:
        self.api = api
        self.topics = topics
        self.outcome: dict[str, bool] = {}  # content path asked for -> it changed (was read)
        self.found: dict[str, Publication] = {}  # content_id (or URL) -> publication
        self.warnings: list[str] = []

    def read(self, link: str) -> bool:
        """Read the document at `link` unless this run already did; True when it changed (no 304)."""
        path = content_path(link)
        if path not in self.outcome:
            self.outcome[path] = self._read(path)
        return self.outcome[path]

    def _read(self, path: str) -> bool:
        try:
            page, doc = self.api.get(path)
        except FetchError as exc:
            if exc.status not in GONE:
                raise
            self.warnings.append(f"{page_url(path)} answered HTTP {exc.status}: GOV.UK no longer has it")
            return False
        if doc is None:
            return False
        moved_from: list[str] = []
        while (destination := redirect_destination(doc)) is not None:
            if len(moved_from) == MAX_REDIRECTS:
                raise ParseError(f"more than {MAX_REDIRECTS} redirect items in a row", source=SOURCE.name,
                                 url=page.url, expected="a redirect leading to a document")
            moved_from.append(page_url(doc["base_path"] if isinstance(doc.get("base_path"), str) else path))
            page, doc = self.api.get(content_path(destination), conditional=False)
            if doc is None:  # a 304 to a request without validators: nothing to read
                return False
        pub = publication(doc, page, topics=self.topics, warnings=self.warnings)
        asked = page_url(path)
        if asked != pub.url and asked not in moved_from:
            moved_from.append(asked)  # an HTTP redirect, or the document moved to a new base path
        for old in moved_from:
            self.warnings.append(f"{old} now leads to {pub.url} ({pub.title!r}): read as that document "
                                 "(if the watch list names the old path, name the new one)")
        self._keep(replace(pub, alternate_urls=tuple(sorted(set(moved_from)))))
        self.outcome.setdefault(content_path(pub.url), True)  # read: not again under its own path
        return True

    def _keep(self, pub: Publication) -> None:
        key = pub.external_id or pub.url
        if key in self.found:  # read twice (an old slug and its page): one document, every URL
            urls = set(self.found[key].alternate_urls) | set(pub.alternate_urls) | {pub.url}
            pub = replace(pub, alternate_urls=tuple(sorted(urls - {pub.url})))
        self.found[key] = pub

    def search(self, search: Search, *, is_known: Callable[[str], bool], backfill: bool) -> tuple[int, bool]:
        """Read the documents a search lists, newest first: (results kept, whether any page was read)."""
        kept = 0

        def page_done(results: list[Result]) -> bool:
            nonlocal kept
            wanted = [r for r in results if search.keeps(r)]
            kept += len(wanted)
            unchanged = [not self.read(r["link"]) and is_known(page_url(r["link"])) for r in wanted]
            return not backfill and bool(wanted) and all(unchanged)

        _, read = self.api.search(search.path, stop=page_done)
        return kept, read


def collect(client: Fetcher, *, base_url: str, is_known: Callable[[str], bool],
            topics: dict[str, tuple[str, ...]], backfill: bool = False,
            watch: Iterable[str] | None = None) -> SourceResult:
    """Every modern-slavery guidance and policy document the searches list or the watch list names.

    `watch` is the list of key documents (base paths or www.gov.uk URLs; default DEFAULT_WATCH)
    read on every run. Raises ParseError when every search was read and none listed anything on
    the subject, or a document is unreadable; FetchError when GOV.UK cannot be reached.
    """
    run = _Run(GovukApi(client, base_url, source=SOURCE.name), topics)
    searched = [run.search(search, is_known=is_known, backfill=backfill) for search in SEARCHES]
    if all(read for _, read in searched) and not any(kept for kept, _ in searched):
        raise ParseError("the searches list no modern-slavery guidance or policy document", source=SOURCE.name,
                         url=run.api.url(SEARCHES[0].path(0)),
                         expected=f"results about {' / '.join(QUERIES)} from {HOME_OFFICE} or {', '.join(BODIES)}")
    for link in DEFAULT_WATCH if watch is None else watch:
        run.read(link)
    return SourceResult(source=SOURCE.name, strategy=STRATEGY,
                        publications=sorted(run.found.values(), key=lambda p: p.url), warnings=run.warnings)
