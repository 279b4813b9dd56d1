"""The `govuk_nrm` adapter: Home Office NRM statistics releases and announcements from GOV.UK.

Strategy "govuk-search+content-api" (JSON only, never scraped HTML):

1. Discovery: the Search API (`/api/search.json`) filtered to the Home Office and the statistics
   document types, queried for the NRM titles, newest first, paginated with start/count. Titles
   changed over the years ("National Referral Mechanism statistics quarter 2 2019: April to June",
   "Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, ...",
   "Modern slavery: NRM and DtN statistics, April to June 2024"); results are kept when the title
   names the NRM and a period from 2019 on (GOV.UK holds nothing older: see docs/FIGURES.md).
2. Each release page: the Content API (`/api/content/<base_path>`), a `publication` document:
   title, first_published_at, public_updated_at, change history, attachments (the HTML bulletin,
   the ODS data tables with URLs and sizes).
3. Its bulletin: the Content API document of the `html_publication` attachment (slug or content-id
   path), whose `details.body` goes to scrapers.nrm.extract; its data-tables workbooks (ODS
   attachments) are fetched and read by title (scrapers/govuk_tables.py, scrapers.nrm.tables), and
   the bulletin's figures checked against them.
4. Statistics announcements: a second search (format statistics_announcement), then each
   announcement's Content API document (state, display date, previous date, cancellation).

On release day (`published_release`), an announced release is looked for through its announcement
alone: once published, GOV.UK redirects the announcement to the release page (an HTTP redirect, or
a `redirect` item in the Content API), which `collect(release_links=...)` then reads like a search
result, before the search has indexed it.

A 304 on a search page means nothing changed: it is not parsed (and pagination stops). A 304 on a
release page or announcement skips that item. A release page that changed while its bulletin
answers 304 has its bulletin fetched again unconditionally, so the release keeps its figures.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapers import dates, nrm
from scrapers.adapter import Fetcher
from scrapers.errors import ParseError
from scrapers.govuk_api import (
    CANONICAL_BASE,
    GovukApi,
    attachments,
    change_history,
    content_path,
    dedupe,
    details_of,
    page_url,
    raw_attachments,
    redirect_destination,
    require,
    search_path,
    when,
)
from scrapers.govuk_tables import read_release_workbooks
from scrapers.normalise import tag_topics
from scrapers.nrm.tables import WorkbookLimits, check_figures
from scrapers.records import Announcement, Page, Publication, Release, SourceInfo, SourceResult
from vocabulary.calendar import LONDON, month_number
from vocabulary.periods import period_from_title, period_named_in_title, period_order

SOURCE = SourceInfo(
    name="govuk_nrm",
    title="GOV.UK: Home Office NRM and Duty to Notify statistics",
    home_url="https://www.gov.uk/government/collections/national-referral-mechanism-statistics",
    canonical_base=CANONICAL_BASE,
    hosts=("www.gov.uk", "assets.publishing.service.gov.uk"),  # attachments (ODS, PDF) live on the assets host
    kind_hint="statistics",
)
STRATEGY = "govuk-search+content-api"
log = logging.getLogger(__name__)
FIRST_YEAR = 2019  # the first NRM release GOV.UK holds (quarter 2 2019)
PAGE_SIZE = 10

SEARCH_QUERY = "national referral mechanism statistics"
RELEASE_TYPES = ("official_statistics", "national_statistics")
ANNOUNCEMENT_TYPES = ("official_statistics_announcement", "national_statistics_announcement")
RELEASE_FIELDS = "content_id,link,title,description,public_timestamp,content_store_document_type"
ANNOUNCEMENT_FIELDS = (
    "content_id,link,title,description,public_timestamp,content_store_document_type,"
    "display_date,release_timestamp,statistics_announcement_state"
)
NRM_TITLE = re.compile(r"national referral mechanism|\bNRM\b", re.I)
ODS = "application/vnd.oasis.opendocument.spreadsheet"


# --- URLs --------------------------------------------------------------------------------------


def nrm_search_path(*, document_types: tuple[str, ...], fields: str, order: str, start: int) -> str:
    """The path of one page of an NRM search (Home Office, the NRM query); the mirror fixtures use the same."""
    return search_path(query=SEARCH_QUERY, organisations=("home-office",), document_types=document_types,
                       fields=fields, order=order, count=PAGE_SIZE, start=start)


def release_search_path(start: int) -> str:
    """One page of the NRM releases search (newest first)."""
    return nrm_search_path(document_types=RELEASE_TYPES, fields=RELEASE_FIELDS, order="-public_timestamp", start=start)


def announcement_search_path(start: int) -> str:
    """One page of the NRM statistics announcements search (latest release date first)."""
    return nrm_search_path(document_types=ANNOUNCEMENT_TYPES, fields=ANNOUNCEMENT_FIELDS, order="-release_timestamp",
                           start=start)


# --- search ------------------------------------------------------------------------------------


def _is_nrm(result: dict[str, Any]) -> bool:
    title = result.get("title")
    if not isinstance(title, str) or not NRM_TITLE.search(title):
        return False
    period = period_from_title(title)
    return period is None or int(period[:4]) >= FIRST_YEAR


# --- release pages -----------------------------------------------------------------------------


def _bulletin_links(doc: dict[str, Any]) -> list[str]:
    """The HTML bulletin(s) of a release page: html attachments, else html_publication children."""
    links = [a["url"] for a in raw_attachments(details_of(doc))
             if a.get("attachment_type") == "html" and isinstance(a.get("url"), str)]
    children = (doc.get("links") or {}).get("children") or []
    for child in children if isinstance(children, list) else []:
        if isinstance(child, dict) and child.get("document_type") == "html_publication":
            link = child.get("api_path") or child.get("base_path")
            if isinstance(link, str) and content_path(link) not in {content_path(x) for x in links}:
                links.append(link)
    return links


def _change_notes(details: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(UTC ISO timestamp, note) of the change history, oldest first."""
    return tuple(sorted((at.isoformat() if at else "", note) for at, note in change_history(details)))


def _publication(doc: dict[str, Any], result: dict[str, Any], *, bulletin_urls: list[str],
                 topics: dict[str, tuple[str, ...]]) -> Publication:
    details = details_of(doc)
    url = page_url(doc["base_path"])
    alternates = {page_url(x) for x in [result.get("link"), *result.get("_other_links", [])] if isinstance(x, str)}
    alternates |= {page_url(content_path(b)) for b in bulletin_urls}
    alternates.discard(url)
    notes = _change_notes(details)
    latest_note = notes[-1][1] if notes and notes[-1][1].lower() != "first published." else None
    summary = doc["description"] if isinstance(doc.get("description"), str) else ""
    return Publication(
        source=SOURCE.name,
        url=url,
        title=doc["title"].strip(),
        kind="statistics",
        published=when(doc.get("first_published_at")) or when(details.get("first_public_at")),
        updated=when(doc.get("public_updated_at")),
        summary=summary,
        topics=tag_topics(f"{doc['title']} {summary}", topics),
        attachments=attachments(details),
        external_id=doc["content_id"] if isinstance(doc.get("content_id"), str) else None,
        alternate_urls=tuple(sorted(alternates)),
        change_note=latest_note,
    )


def _bulletin(fetcher: GovukApi, link: str, *, limits: dict[str, int]) -> tuple[str, nrm.Extraction | None, list[str]]:
    """(canonical bulletin URL, its extraction or None, warnings) for one html_publication."""
    path = content_path(link)
    page, doc = fetcher.get(path)
    if doc is None:  # the release page changed, so read its bulletin again even though it did not
        page, doc = fetcher.get(path, conditional=False)
    if doc is None:
        return page_url(path), None, [f"bulletin {page_url(path)} answered 304 to an unconditional request"]
    url = page_url(doc["base_path"]) if isinstance(doc.get("base_path"), str) else page_url(path)
    try:
        return url, nrm.extract(page.body, source_url=url, **limits), []
    except ParseError as exc:
        return url, None, [f"bulletin {url} could not be read: {exc.reason}"]


def _release(fetcher: GovukApi, doc: dict[str, Any], pub: Publication, links: list[str], *,
             limits: dict[str, int], workbook_limits: WorkbookLimits) -> Release:
    """The statistics release of one release page, with its bulletin's figures and its data tables."""
    period = period_from_title(pub.title)
    if period is None and period_named_in_title(pub.title):  # "Quarter 3 9999": never a release, whatever its bulletin says
        raise _ItemRefused(f"[{SOURCE.name}] {pub.url}: release {pub.title!r} names the period "
                           f"{period_named_in_title(pub.title)}, outside the years docs/FIGURES.md allows; release skipped")
    warnings: list[str] = []
    bulletin_url, extraction = None, None
    for link in links[:1]:
        bulletin_url, extraction, problems = _bulletin(fetcher, link, limits=limits)
        warnings += problems
    if extraction is not None:
        if period and extraction.period != period:
            warnings.append(f"the bulletin is for {extraction.period} but the release page title says {period}: kept {period}")
        period = period or extraction.period
        warnings += extraction.warnings
    if not links:
        warnings.append(f"no HTML bulletin attached to {pub.url}: no figures extracted")
    if period is None:
        raise ParseError(f"no period in the release title {pub.title!r}", source=SOURCE.name, url=pub.url,
                         expected="'Quarter 2 2023', 'April to June 2024' or 'end of year summary 2022'")
    figures: tuple = ()
    withheld: tuple = ()
    if extraction is not None:
        same = extraction.period == period  # else keep only figures of other periods: never misattribute
        figures = tuple(f for f in extraction.figures if same or f.period != extraction.period)
        withheld = tuple(w for w in extraction.withheld if same or w.figure.period != extraction.period)
    books, problems = read_release_workbooks(fetcher.client, raw_attachments(details_of(doc)), release=period,
                                             source=SOURCE, base_url=fetcher.base_url, limits=workbook_limits)
    checks, disagreements = check_figures(figures, [t for book in books for t in book.tables], release=period)
    warnings += problems + [w for book in books for w in book.warnings] + disagreements
    return Release(
        period=period,
        title=pub.title,
        page_url=pub.url,
        bulletin_url=bulletin_url,
        published=pub.published,
        updated=pub.updated,
        figures=figures,
        warnings=tuple(warnings),
        change_notes=_change_notes(details_of(doc)),
        withheld=withheld,
        workbooks=tuple(books),
        table_checks=tuple(checks),
    )


class _ItemRefused(Exception):
    """One release is refused (its date is out of range): a warning, and the source goes on."""


def _read_release(fetcher: GovukApi, result: dict[str, Any], topics: dict[str, tuple[str, ...]], *,
                  limits: dict[str, int], workbook_limits: WorkbookLimits) -> tuple[Publication, Release] | None:
    """A release page and its bulletin; None when the page answered 304."""
    link = result.get("link")
    if not isinstance(link, str) or not link:
        raise ParseError(f"search result without a link: {result.get('title')!r}", source=SOURCE.name,
                         url=fetcher.url("/api/search.json"), expected="a 'link' (base path)")
    page, doc = fetcher.get(content_path(link))
    if doc is None:
        return None
    require(doc, page, "title", "base_path", source=SOURCE.name)
    links = _bulletin_links(doc)
    pub = _publication(doc, result, bulletin_urls=links, topics=topics)
    details = doc["details"] if isinstance(doc.get("details"), dict) else {}
    refused = "" if pub.published else (
        dates.refused(doc.get("first_published_at")) or dates.refused(details.get("first_public_at")))
    if refused:
        raise _ItemRefused(f"[{SOURCE.name}] {pub.url}: release {pub.title!r} is dated {refused!r}, outside the "
                           f"years {dates.MIN_YEAR}-{dates.MAX_YEAR} msbrief accepts; release skipped")
    if pub.published is None:
        raise ParseError(f"release page without a publication date: {pub.title!r}", source=SOURCE.name,
                         url=page.url, expected="first_published_at")
    return pub, _release(fetcher, doc, pub, links, limits=limits, workbook_limits=workbook_limits)


# --- announcements -----------------------------------------------------------------------------

_DISPLAY_DATE = re.compile(
    r"^\s*(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})(?:\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm))?\s*$", re.I
)


def release_time(display_date: str) -> datetime | None:
    """The UTC instant of an exact display date ('8 May 2025 9:30am', Europe/London); else None."""
    m = _DISPLAY_DATE.match(display_date or "")
    if not m:
        return None
    month = month_number(m.group(2))
    if month is None:
        return None
    hour, minute = int(m.group(4) or 0), int(m.group(5) or 0)
    if m.group(6):
        hour = hour % 12 + (12 if m.group(6).lower() == "pm" else 0)
    try:
        local = datetime(int(m.group(3)), month, int(m.group(1)), hour, minute, tzinfo=LONDON)
    except ValueError:
        return None
    return local.astimezone(UTC)


def _announcement(doc: dict[str, Any], page: Page) -> Announcement:
    require(doc, page, "title", "base_path", source=SOURCE.name)
    details = details_of(doc)
    state = details.get("state")
    if state not in ("provisional", "confirmed", "cancelled"):
        raise ParseError(f"announcement state {state!r}", source=SOURCE.name, url=page.url,
                         expected="provisional, confirmed or cancelled")
    display = details["display_date"] if isinstance(details.get("display_date"), str) else ""
    previous = details.get("previous_display_date")
    reason = details.get("cancellation_reason")
    note = details.get("latest_change_note")  # why the date moved, in GOV.UK's words
    return Announcement(
        url=page_url(doc["base_path"]),
        title=doc["title"].strip(),
        state=state,
        release_at=release_time(display) or when(details.get("release_timestamp")),
        release_date_text=display,
        period=period_from_title(doc["title"]),
        previous_dates=(previous,) if isinstance(previous, str) and previous else (),
        cancellation_reason=reason if isinstance(reason, str) and reason else None,
        source=SOURCE.name,
        change_note=note.strip() if isinstance(note, str) and note.strip() else None,
    )


def _announcements(fetcher: GovukApi, warnings: list[str]) -> list[Announcement]:
    """The NRM announcements the search lists, at most max_announcements of them (a warning says
    so); one that cannot be read is a warning, never the end of the others."""
    limit = fetcher.client.limits.max_announcements
    listed: list[dict[str, Any]] = []

    def enough(page: list[dict[str, Any]]) -> bool:
        listed.extend(r for r in page if _is_nrm(r) and isinstance(r.get("link"), str))
        return len(listed) > limit

    fetcher.search(announcement_search_path, stop=enough)
    results = dedupe(listed)
    if len(results) > limit:
        warnings.append(f"[{SOURCE.name}] the search lists more than {limit:,} NRM announcements: only the first "
                        f"{limit:,} read (MSBRIEF_MAX_ANNOUNCEMENTS)")
    found = []
    for result in results[:limit]:
        page, doc = fetcher.get(content_path(result["link"]))
        if doc is None:
            continue
        try:
            found.append(_announcement(doc, page))
        except ParseError as exc:
            log.warning("%s", exc)
            warnings.append(f"announcement not read: {exc}")
    return found


# --- release day -------------------------------------------------------------------------------

MAX_REDIRECTS = 3  # redirect items followed from an announcement


def published_release(client: Fetcher, *, base_url: str, announcement_url: str) -> str | None:
    """The release page an announced release was published as, or None while it is still an announcement.

    Reads the announcement's Content API document unconditionally (a 304 would say nothing) and
    follows where it now leads: an HTTP redirect, or `redirect` items. A ParseError when it leads
    round in circles or to no document.
    """
    fetcher = GovukApi(client, base_url, source=SOURCE.name)
    page, doc = fetcher.get(content_path(announcement_url), conditional=False)
    for _ in range(MAX_REDIRECTS + 1):
        if doc is None:
            raise ParseError("an unconditional request answered 304", source=SOURCE.name, url=page.url,
                             expected="the announcement's Content API document")
        destination = redirect_destination(doc)
        if destination is None:
            break
        page, doc = fetcher.get(content_path(destination), conditional=False)
    else:
        raise ParseError(f"more than {MAX_REDIRECTS} redirect items in a row", source=SOURCE.name, url=page.url,
                         expected="a redirect leading to the release page")
    kind = str(doc.get("document_type") or doc.get("schema_name") or "")
    if kind.endswith("announcement"):
        return None  # not published yet
    require(doc, page, "base_path", source=SOURCE.name)
    return page_url(doc["base_path"])


# --- the adapter -------------------------------------------------------------------------------


def collect(client: Fetcher, *, base_url: str, is_known: Callable[[str], bool],
            topics: dict[str, tuple[str, ...]], backfill: bool = False, max_warnings: int | None = None,
            max_key_results_chars: int | None = None, workbook_limits: WorkbookLimits | None = None,
            release_links: tuple[str, ...] = ()) -> SourceResult:
    """Every NRM release (page, attachments, bulletin figures, data tables) and announcement GOV.UK lists.

    Incremental by default: search pages are read newest first and paging stops at the first page
    whose NRM releases are all known (`backfill=True` walks the whole archive). `release_links`
    (release pages found on release day, through `published_release`) are read as well, whether or
    not the search lists them yet. Raises ParseError
    when the search lists no NRM release at all, FetchError when GOV.UK cannot be reached.
    `max_warnings` and `max_key_results_chars` bound each bulletin's reading (scrapers.nrm.extract).
    """
    fetcher = GovukApi(client, base_url, source=SOURCE.name)
    result = SourceResult(source=SOURCE.name, strategy=STRATEGY)
    limits = {k: v for k, v in (("max_warnings", max_warnings), ("max_key_results_chars", max_key_results_chars))
              if v is not None}

    def all_known(page: list[dict[str, Any]]) -> bool:
        nrm = [r for r in page if _is_nrm(r) and isinstance(r.get("link"), str)]
        return not backfill and bool(nrm) and all(is_known(page_url(r["link"])) for r in nrm)

    listed, searched = fetcher.search(release_search_path, stop=all_known)
    releases = [r for r in dedupe(listed) if _is_nrm(r)]
    listed_paths = {content_path(r["link"]) for r in releases if isinstance(r.get("link"), str)}
    releases += [{"link": content_path(link).removeprefix("/api/content")} for link in dict.fromkeys(release_links)
                 if content_path(link) not in listed_paths]
    if searched and not releases:
        raise ParseError("the search lists no NRM statistics release", source=SOURCE.name,
                         url=fetcher.url(release_search_path(0)),
                         expected=f"results titled like {SEARCH_QUERY!r} from {FIRST_YEAR} on")
    for r in releases:
        try:
            read = _read_release(fetcher, r, topics, limits=limits, workbook_limits=workbook_limits or WorkbookLimits())
        except _ItemRefused as refused:
            log.warning("%s", refused)
            result.warnings.append(str(refused))
            continue
        if read is None:
            continue
        pub, rel = read
        result.publications.append(pub)
        result.releases.append(rel)
    order = sorted(range(len(result.releases)), key=lambda i: period_order(result.releases[i].period))
    result.releases = [result.releases[i] for i in order]
    result.publications = [result.publications[i] for i in order]
    result.announcements = _announcements(fetcher, result.warnings)
    return result
