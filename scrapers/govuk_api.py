"""GOV.UK's Content API and Search API, shared by the GOV.UK sources (`govuk_nrm`, `govuk_guidance`).

JSON only, through the one HTTP client. Everything here is generic GOV.UK: paths and page URLs,
decoding a document (a ParseError names the source and URL), paginated searches, and reading the
parts of a Content API document every GOV.UK page has (dates, change history, withdrawn notice,
history mode, redirects). What to search for and what to make of a document is the adapters' job.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from scrapers import dates
from scrapers.adapter import Fetcher
from scrapers.errors import ParseError
from scrapers.htmltext import visible_text
from scrapers.normalise import rebase, utc
from scrapers.records import Attachment, Page

CANONICAL_BASE = "https://www.gov.uk"
JSON_ACCEPT = "application/json"
MAX_PAGES = 50  # a guard against a search that never ends

log = logging.getLogger(__name__)

Result = dict[str, Any]  # one Search API result


# --- paths and URLs ----------------------------------------------------------------------------


def content_path(link: str) -> str:
    """The Content API path of a GOV.UK page: '/government/x' or 'https://www.gov.uk/government/x'."""
    path = urlsplit(link).path or "/"
    path = path.removeprefix("/api/content")
    return "/api/content" + (path if path.startswith("/") else "/" + path)


def page_url(base_path: str) -> str:
    """The canonical www.gov.uk URL of a base path (or of a Content API path)."""
    return CANONICAL_BASE + content_path(base_path).removeprefix("/api/content")


def search_path(*, query: str | None, organisations: tuple[str, ...], document_types: tuple[str, ...],
                fields: str | None, order: str, count: int, start: int) -> str:
    """The Search API path (with query string) of one page of results; `fields=None` asks for the default fields."""
    params: list[tuple[str, str]] = [("q", query)] if query else []
    params += [("filter_organisations", o) for o in organisations]
    params += [("filter_content_store_document_type", t) for t in document_types]
    params += [("fields", fields)] if fields else []
    params += [("order", order), ("count", str(count)), ("start", str(start))]
    return "/api/search.json?" + urlencode(params)


# --- fetching ----------------------------------------------------------------------------------


class GovukApi:
    """GETs Content/Search API paths of one source through the one HTTP client, decoding JSON."""

    def __init__(self, client: Fetcher, base_url: str, *, source: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.source = source

    def url(self, path: str) -> str:
        """Where to fetch a GOV.UK path from (the real site or the mirror)."""
        return rebase(CANONICAL_BASE + path, CANONICAL_BASE, self.base_url)

    def get(self, path: str, *, conditional: bool = True) -> tuple[Page, dict[str, Any] | None]:
        """(page, document); the document is None on a 304."""
        page = self.client.get(self.url(path), accept=JSON_ACCEPT, conditional=conditional)
        if page.not_modified:
            return page, None
        return page, self.json_object(page)

    def json_object(self, page: Page) -> dict[str, Any]:
        """The JSON object of a response, or a ParseError naming the source and URL."""
        try:
            data = json.loads(page.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise ParseError(f"not JSON: {exc}", source=self.source, url=page.url,
                             expected="a GOV.UK API JSON document") from exc
        if not isinstance(data, dict):
            raise ParseError(f"JSON {type(data).__name__} instead of an object", source=self.source, url=page.url,
                             expected="a GOV.UK API JSON object")
        return data

    # --- search --------------------------------------------------------------------------------

    def search(self, path_of: Callable[[int], str], *, stop: Callable[[list[Result]], bool]
               ) -> tuple[list[Result], bool]:
        """(every result of a paginated search, whether any page was read at all).

        Stops at a 304 (nothing new on that page, so nothing new after it), the last page, or when
        `stop(results of the page)` says so.
        """
        found: list[Result] = []
        read = False
        for results in self.search_pages(path_of):
            read = True
            found += results
            if stop(results):
                break
        return found, read

    def search_pages(self, path_of: Callable[[int], str]) -> Iterator[list[Result]]:
        """The results of each page of a search, `path_of(start)` being the path of the page at `start`."""
        start = 0
        for _ in range(MAX_PAGES):
            page, data = self.get(path_of(start))
            if data is None:
                return
            results = data.get("results")
            if not isinstance(results, list):
                raise ParseError("search response without a results list", source=self.source, url=page.url,
                                 expected="{'results': [...], 'total': N}")
            results = [r for r in results if isinstance(r, dict)]
            yield results
            total = data["total"] if isinstance(data.get("total"), int) else 0
            start += len(results)
            if not results or start >= total:
                return
        # Said, not silent: a search this long means a filter broke or the archive outgrew the guard.
        log.warning("%s: stopped after %d search pages (%d results read)", self.source, MAX_PAGES, start)


def require(doc: dict[str, Any], page: Page, *names: str, source: str) -> None:
    """A ParseError naming the source, URL and field when `doc` lacks one of the string fields `names`."""
    for name in names:
        if not isinstance(doc.get(name), str) or not doc.get(name):
            raise ParseError(f"Content API document without {name!r}", source=source, url=page.url,
                             expected=f"a {name} string")


def dedupe(results: list[Result]) -> list[Result]:
    """One result per content_id (a page moved to a new slug can be listed under both).

    The other links of a page are kept under `_other_links`.
    """
    seen: dict[str, Result] = {}
    for r in results:
        key = str(r.get("content_id") or r.get("link"))
        if key in seen:
            seen[key].setdefault("_other_links", []).append(r.get("link"))
        else:
            seen[key] = dict(r)
    return list(seen.values())


# --- reading a Content API document ------------------------------------------------------------


def when(value: Any) -> datetime | None:
    """The UTC datetime of a GOV.UK ISO 8601 timestamp; None when absent, unreadable or outside the
    years msbrief accepts (scrapers.dates.refused tells those apart)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dates.from_local(utc(datetime.fromisoformat(value.replace("Z", "+00:00"))))
    except (ValueError, OverflowError):
        return None


def details_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The document's `details` object ({} when absent or not an object)."""
    found = doc.get("details")
    return found if isinstance(found, dict) else {}


def raw_attachments(details: dict[str, Any]) -> list[dict[str, Any]]:
    """The `details.attachments` objects of a document, as GOV.UK gives them."""
    found = details.get("attachments")
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []


def attachments(details: dict[str, Any]) -> tuple[Attachment, ...]:
    """The document's attachments (HTML versions, PDFs, ODS tables) that have a URL."""
    return tuple(a for a in map(_attachment, raw_attachments(details)) if a)


def _attachment(raw: dict[str, Any]) -> Attachment | None:
    url = raw.get("url")
    if not isinstance(url, str) or not url:
        return None
    if url.startswith("/"):
        url = CANONICAL_BASE + url
    kind = raw.get("attachment_type")
    size = raw.get("file_size")
    return Attachment(
        url=url,
        title=str(raw.get("title") or raw.get("filename") or url.rsplit("/", 1)[-1]),
        content_type=raw.get("content_type") or ("text/html" if kind == "html" else None),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        filename=raw["filename"] if isinstance(raw.get("filename"), str) else None,
    )


def change_history(details: dict[str, Any]) -> list[tuple[datetime | None, str]]:
    """(UTC time or None when unreadable, note) of each `details.change_history` entry, as GOV.UK orders them.

    GOV.UK lists the newest first. Entries without a note string are left out.
    """
    history = details.get("change_history")
    entries = []
    for entry in history if isinstance(history, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("note"), str):
            entries.append((when(entry.get("public_timestamp")), entry["note"].strip()))
    return entries


def withdrawn(doc: dict[str, Any]) -> tuple[datetime | None, str | None]:
    """(when, explanation as plain text) of GOV.UK's withdrawn notice; (None, None) for a live page.

    Live pages carry an empty `withdrawn_notice` ({}) or none at all.
    """
    notice = doc.get("withdrawn_notice")
    if not isinstance(notice, dict) or not notice:
        return None, None
    at = when(notice.get("withdrawn_at"))
    # no space before punctuation that followed a link in the markup
    explanation = re.sub(r"\s+([.,;:!?])", r"\1", visible_text(notice.get("explanation"), limit=1000)) or None
    if at is None and explanation is None:
        return None, None
    return at, explanation


def history_mode(details: dict[str, Any]) -> str | None:
    """GOV.UK's history-mode banner, "This was published under the <government>", or None.

    GOV.UK shows it on political content published under a government that is no longer in office.
    """
    government = details.get("government")
    if details.get("political") is not True or not isinstance(government, dict) or government.get("current") is not False:
        return None
    title = government.get("title")
    return f"This was published under the {title.strip()}" if isinstance(title, str) and title.strip() else None


def redirect_destination(doc: dict[str, Any]) -> str | None:
    """The path a `redirect` item leads to (its route for its own base path first), or None for other items."""
    if doc.get("schema_name") != "redirect" and doc.get("document_type") != "redirect":
        return None
    routes = [r for r in doc.get("redirects") or [] if isinstance(r, dict) and isinstance(r.get("destination"), str)]
    routes.sort(key=lambda r: r.get("path") != doc.get("base_path"))
    for route in routes:
        target = urlsplit(route["destination"])
        if target.netloc and (target.hostname or "").removeprefix("www.") != "gov.uk":
            continue  # a redirect off GOV.UK has no Content API document to follow
        if target.path.startswith("/"):
            return target.path
    return None
