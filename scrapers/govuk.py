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
   path), whose `details.body` goes to scrapers.nrm_figures.extract.
4. Statistics announcements: a second search (format statistics_announcement), then each
   announcement's Content API document (state, display date, previous date, cancellation).

A 304 on a search page means nothing changed: it is not parsed (and pagination stops). A 304 on a
release page or announcement skips that item. A release page that changed while its bulletin
answers 304 has its bulletin fetched again unconditionally, so the release keeps its figures.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from urllib.parse import urlencode, urlsplit

from scrapers import dates, nrm_figures
from scrapers.errors import ParseError
from scrapers.http import HttpClient
from scrapers.normalise import rebase, tag_topics, utc
from scrapers.records import Announcement, Attachment, Page, Publication, Release, SourceInfo, SourceResult
from vocabulary.calendar import LONDON, month_number
from vocabulary.periods import period_from_title, period_order

SOURCE = SourceInfo(
    name="govuk_nrm",
    title="GOV.UK: Home Office NRM and Duty to Notify statistics",
    home_url="https://www.gov.uk/government/collections/national-referral-mechanism-statistics",
    canonical_base="https://www.gov.uk",
    hosts=("www.gov.uk", "assets.publishing.service.gov.uk"),  # attachments (ODS, PDF) live on the assets host
    kind_hint="statistics",
)
STRATEGY = "govuk-search+content-api"
FIRST_YEAR = 2019  # the first NRM release GOV.UK holds (quarter 2 2019)
PAGE_SIZE = 10
MAX_PAGES = 50  # a guard against a search that never ends

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
JSON_ACCEPT = "application/json"


# --- URLs --------------------------------------------------------------------------------------


def search_path(*, document_types: tuple[str, ...], fields: str, order: str, start: int) -> str:
    """The Search API path (with query) for one page of results; the mirror fixtures use the same."""
    params: list[tuple[str, str]] = [("q", SEARCH_QUERY), ("filter_organisations", "home-office")]
    params += [("filter_content_store_document_type", t) for t in document_types]
    params += [("fields", fields), ("order", order), ("count", str(PAGE_SIZE)), ("start", str(start))]
    return "/api/search.json?" + urlencode(params)


def release_search_path(start: int) -> str:
    """One page of the NRM releases search (newest first)."""
    return search_path(document_types=RELEASE_TYPES, fields=RELEASE_FIELDS, order="-public_timestamp", start=start)


def announcement_search_path(start: int) -> str:
    """One page of the NRM statistics announcements search (latest release date first)."""
    return search_path(document_types=ANNOUNCEMENT_TYPES, fields=ANNOUNCEMENT_FIELDS, order="-release_timestamp", start=start)


def content_path(link: str) -> str:
    """The Content API path of a GOV.UK page: '/government/x' or 'https://www.gov.uk/government/x'."""
    path = urlsplit(link).path or "/"
    path = path.removeprefix("/api/content")
    return "/api/content" + (path if path.startswith("/") else "/" + path)


def page_url(base_path: str) -> str:
    """The canonical www.gov.uk URL of a base path."""
    return SOURCE.canonical_base + content_path(base_path).removeprefix("/api/content")


# --- fetching ----------------------------------------------------------------------------------


class _Fetcher:
    """GETs Content/Search API paths through the one HTTP client, decoding JSON documents."""

    def __init__(self, client: HttpClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def url(self, path: str) -> str:
        return rebase(SOURCE.canonical_base + path, SOURCE.canonical_base, self.base_url)

    def get(self, path: str, *, conditional: bool = True) -> tuple[Page, dict[str, Any] | None]:
        """(page, document); the document is None on a 304."""
        page = self.client.get(self.url(path), accept=JSON_ACCEPT, conditional=conditional)
        if page.not_modified:
            return page, None
        return page, _json_object(page)


def _json_object(page: Page) -> dict[str, Any]:
    try:
        data = json.loads(page.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ParseError(f"not JSON: {exc}", source=SOURCE.name, url=page.url, expected="a GOV.UK API JSON document") from exc
    if not isinstance(data, dict):
        raise ParseError(f"JSON {type(data).__name__} instead of an object", source=SOURCE.name, url=page.url,
                         expected="a GOV.UK API JSON object")
    return data


# --- search ------------------------------------------------------------------------------------


def _search(fetcher: _Fetcher, path_of: Callable[[int], str], *, stop: Callable[[list[dict[str, Any]]], bool]
            ) -> tuple[list[dict[str, Any]], bool]:
    """(every result of a paginated search, whether any page was read at all).

    Stops at a 304 (nothing new on that page, so nothing new after it), the last page, or when
    `stop(results of the page)` says so.
    """
    found: list[dict[str, Any]] = []
    read = False
    for results in _search_pages(fetcher, path_of):
        read = True
        found += results
        if stop(results):
            break
    return found, read


def _search_pages(fetcher: _Fetcher, path_of: Callable[[int], str]) -> Iterator[list[dict[str, Any]]]:
    start = 0
    for _ in range(MAX_PAGES):
        page, data = fetcher.get(path_of(start))
        if data is None:
            return
        results = data.get("results")
        if not isinstance(results, list):
            raise ParseError("search response without a results list", source=SOURCE.name, url=page.url,
                             expected="{'results': [...], 'total': N}")
        results = [r for r in results if isinstance(r, dict)]
        yield results
        total = data.get("total") if isinstance(data.get("total"), int) else 0
        start += len(results)
        if not results or start >= total:
            return
    # Said, not silent: a search this long means a filter broke or the archive outgrew the guard.
    logging.getLogger(__name__).warning("%s: stopped after %d search pages (%d results read)",
                                        SOURCE.name, MAX_PAGES, start)


def _is_nrm(result: dict[str, Any]) -> bool:
    title = result.get("title")
    if not isinstance(title, str) or not NRM_TITLE.search(title):
        return False
    period = period_from_title(title)
    return period is None or int(period[:4]) >= FIRST_YEAR


def _dedupe(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per content_id (a page moved to a new slug can be listed under both)."""
    seen: dict[str, dict[str, Any]] = {}
    for r in results:
        key = str(r.get("content_id") or r.get("link"))
        if key in seen:
            seen[key].setdefault("_other_links", []).append(r.get("link"))
        else:
            seen[key] = dict(r)
    return list(seen.values())


# --- release pages -----------------------------------------------------------------------------


def _when(value: Any) -> datetime | None:
    """A Content API timestamp in UTC; None when missing, unreadable or outside the years we accept."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dates.from_local(utc(datetime.fromisoformat(value.replace("Z", "+00:00"))))
    except (ValueError, OverflowError):
        return None


def _attachments(details: dict[str, Any]) -> list[dict[str, Any]]:
    found = details.get("attachments")
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []


def _as_attachment(raw: dict[str, Any]) -> Attachment | None:
    url = raw.get("url")
    if not isinstance(url, str) or not url:
        return None
    if url.startswith("/"):
        url = SOURCE.canonical_base + url
    kind = raw.get("attachment_type")
    size = raw.get("file_size")
    return Attachment(
        url=url,
        title=str(raw.get("title") or raw.get("filename") or url.rsplit("/", 1)[-1]),
        content_type=raw.get("content_type") or ("text/html" if kind == "html" else None),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        filename=raw.get("filename") if isinstance(raw.get("filename"), str) else None,
    )


def _bulletin_links(doc: dict[str, Any]) -> list[str]:
    """The HTML bulletin(s) of a release page: html attachments, else html_publication children."""
    links = [a["url"] for a in _attachments(doc.get("details") or {})
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
    history = details.get("change_history")
    notes = []
    for entry in history if isinstance(history, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("note"), str):
            when = _when(entry.get("public_timestamp"))
            notes.append((when.isoformat() if when else "", entry["note"].strip()))
    return tuple(sorted(notes))


def _require(doc: dict[str, Any], page: Page, *names: str) -> None:
    for name in names:
        if not isinstance(doc.get(name), str) or not doc.get(name):
            raise ParseError(f"Content API document without {name!r}", source=SOURCE.name, url=page.url,
                             expected=f"a {name} string")


def _publication(doc: dict[str, Any], result: dict[str, Any], *, bulletin_urls: list[str],
                 topics: dict[str, tuple[str, ...]]) -> Publication:
    details = doc.get("details") if isinstance(doc.get("details"), dict) else {}
    url = page_url(doc["base_path"])
    alternates = {page_url(x) for x in [result.get("link"), *result.get("_other_links", [])] if isinstance(x, str)}
    alternates |= {page_url(content_path(b)) for b in bulletin_urls}
    alternates.discard(url)
    notes = _change_notes(details)
    latest_note = notes[-1][1] if notes and notes[-1][1].lower() != "first published." else None
    summary = doc.get("description") if isinstance(doc.get("description"), str) else ""
    return Publication(
        source=SOURCE.name,
        url=url,
        title=doc["title"].strip(),
        kind="statistics",
        published=_when(doc.get("first_published_at")) or _when(details.get("first_public_at")),
        updated=_when(doc.get("public_updated_at")),
        summary=summary,
        topics=tag_topics(f"{doc['title']} {summary}", topics),
        attachments=tuple(a for a in map(_as_attachment, _attachments(details)) if a),
        external_id=doc.get("content_id") if isinstance(doc.get("content_id"), str) else None,
        alternate_urls=tuple(sorted(alternates)),
        change_note=latest_note,
    )


def _bulletin(fetcher: _Fetcher, link: str) -> tuple[str, nrm_figures.Extraction | None, list[str]]:
    """(canonical bulletin URL, its extraction or None, warnings) for one html_publication."""
    path = content_path(link)
    page, doc = fetcher.get(path)
    if doc is None:  # the release page changed, so read its bulletin again even though it did not
        page, doc = fetcher.get(path, conditional=False)
    if doc is None:
        return page_url(path), None, [f"bulletin {page_url(path)} answered 304 to an unconditional request"]
    url = page_url(doc["base_path"]) if isinstance(doc.get("base_path"), str) else page_url(path)
    try:
        return url, nrm_figures.extract(page.body, source_url=url), []
    except ParseError as exc:
        return url, None, [f"bulletin {url} could not be read: {exc.reason}"]


def _release(fetcher: _Fetcher, doc: dict[str, Any], pub: Publication, links: list[str]) -> Release:
    """The statistics release of one release page, with its bulletin's figures."""
    period = period_from_title(pub.title)
    warnings: list[str] = []
    bulletin_url, extraction = None, None
    for link in links[:1]:
        bulletin_url, extraction, problems = _bulletin(fetcher, link)
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
    figures = ()
    if extraction is not None:
        figures = extraction.figures if extraction.period == period else tuple(
            f for f in extraction.figures if f.period != extraction.period)  # never misattribute
    return Release(
        period=period,
        title=pub.title,
        page_url=pub.url,
        bulletin_url=bulletin_url,
        published=pub.published,
        updated=pub.updated,
        figures=figures,
        warnings=tuple(warnings),
        change_notes=_change_notes(doc.get("details") if isinstance(doc.get("details"), dict) else {}),
    )


class _ItemRefused(Exception):
    """One release is refused (its date is out of range): a warning, and the source goes on."""


def _read_release(fetcher: _Fetcher, result: dict[str, Any], topics: dict[str, tuple[str, ...]]
                  ) -> tuple[Publication, Release] | None:
    """A release page and its bulletin; None when the page answered 304."""
    link = result.get("link")
    if not isinstance(link, str) or not link:
        raise ParseError(f"search result without a link: {result.get('title')!r}", source=SOURCE.name,
                         url=fetcher.url("/api/search.json"), expected="a 'link' (base path)")
    page, doc = fetcher.get(content_path(link))
    if doc is None:
        return None
    _require(doc, page, "title", "base_path")
    links = _bulletin_links(doc)
    pub = _publication(doc, result, bulletin_urls=links, topics=topics)
    details = doc.get("details") if isinstance(doc.get("details"), dict) else {}
    refused = "" if pub.published else (
        dates.refused(doc.get("first_published_at")) or dates.refused(details.get("first_public_at")))
    if refused:
        raise _ItemRefused(f"[{SOURCE.name}] {pub.url}: release {pub.title!r} is dated {refused!r}, outside the "
                           f"years {dates.MIN_YEAR}-{dates.MAX_YEAR} msbrief accepts; release skipped")
    if pub.published is None:
        raise ParseError(f"release page without a publication date: {pub.title!r}", source=SOURCE.name,
                         url=page.url, expected="first_published_at")
    return pub, _release(fetcher, doc, pub, links)


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
    return local.astimezone(timezone.utc)


def _announcement(doc: dict[str, Any], page: Page) -> Announcement:
    _require(doc, page, "title", "base_path")
    details = doc.get("details") if isinstance(doc.get("details"), dict) else {}
    state = details.get("state")
    if state not in ("provisional", "confirmed", "cancelled"):
        raise ParseError(f"announcement state {state!r}", source=SOURCE.name, url=page.url,
                         expected="provisional, confirmed or cancelled")
    display = details.get("display_date") if isinstance(details.get("display_date"), str) else ""
    previous = details.get("previous_display_date")
    reason = details.get("cancellation_reason")
    return Announcement(
        url=page_url(doc["base_path"]),
        title=doc["title"].strip(),
        state=state,
        release_at=release_time(display) or _when(details.get("release_timestamp")),
        release_date_text=display,
        period=period_from_title(doc["title"]),
        previous_dates=(previous,) if isinstance(previous, str) and previous else (),
        cancellation_reason=reason if isinstance(reason, str) and reason else None,
        source=SOURCE.name,
    )


def _announcements(fetcher: _Fetcher) -> list[Announcement]:
    found = []
    results = _dedupe(_search(fetcher, announcement_search_path, stop=lambda page: False)[0])
    for result in results:
        if not _is_nrm(result) or not isinstance(result.get("link"), str):
            continue
        page, doc = fetcher.get(content_path(result["link"]))
        if doc is not None:
            found.append(_announcement(doc, page))
    return found


# --- the adapter -------------------------------------------------------------------------------


def collect(client: HttpClient, *, base_url: str, is_known: Callable[[str], bool],
            topics: dict[str, tuple[str, ...]], backfill: bool = False) -> SourceResult:
    """Every NRM release (page, attachments, bulletin figures) and announcement GOV.UK lists.

    Incremental by default: search pages are read newest first and paging stops at the first page
    whose NRM releases are all known (`backfill=True` walks the whole archive). Raises ParseError
    when the search lists no NRM release at all, FetchError when GOV.UK cannot be reached.
    """
    fetcher = _Fetcher(client, base_url)
    result = SourceResult(source=SOURCE.name, strategy=STRATEGY)

    def all_known(page: list[dict[str, Any]]) -> bool:
        nrm = [r for r in page if _is_nrm(r) and isinstance(r.get("link"), str)]
        return not backfill and bool(nrm) and all(is_known(page_url(r["link"])) for r in nrm)

    listed, searched = _search(fetcher, release_search_path, stop=all_known)
    releases = [r for r in _dedupe(listed) if _is_nrm(r)]
    if searched and not releases:
        raise ParseError("the search lists no NRM statistics release", source=SOURCE.name,
                         url=fetcher.url(release_search_path(0)),
                         expected=f"results titled like {SEARCH_QUERY!r} from {FIRST_YEAR} on")
    for r in releases:
        try:
            read = _read_release(fetcher, r, topics)
        except _ItemRefused as refused:
            logging.getLogger(__name__).warning("%s", refused)
            result.warnings.append(str(refused))
            continue
        if read is None:
            continue
        pub, rel = read
        result.publications.append(pub)
        result.releases.append(rel)
        result.warnings += [f"{rel.period}: {w}" for w in rel.warnings]
    # oldest first, so a store that checks each release against the previous one finds it stored
    order = sorted(range(len(result.releases)), key=lambda i: period_order(result.releases[i].period))
    result.releases = [result.releases[i] for i in order]
    result.publications = [result.publications[i] for i in order]
    result.announcements = _announcements(fetcher)
    return result
