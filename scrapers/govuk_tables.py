"""A GOV.UK NRM release's data-tables workbooks: found in its Content API attachments, fetched, read.

Never a guessed URL: a workbook is an attachment of the release page whose content type or file
name says spreadsheet (ODS first; an XLSX or XLS of the same tables only when no ODS is listed).
The bytes decide how it is read (scrapers.nrm.tables), whatever the attachment claims.

A workbook that cannot be had or read for good (too big, refused, gone, not a workbook, corrupt or
truncated) is a warning: the release's text figures are stored all the same. A transient failure
(a 5xx or 429 after retries, a dropped connection, the source's deadline) fails the source like
any other request of it, so the next run reads the release again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapers.adapter import Fetcher
from scrapers.errors import DeadlineExceeded, FetchError, HostNotAllowed, RobotsDisallowed
from scrapers.nrm.tables import TYPES, WorkbookLimits, WorkbookUnreadable, read_workbook
from scrapers.records import SourceInfo, Workbook

ACCEPT = ", ".join([*TYPES.values(), "application/octet-stream", "application/zip"])
_SUFFIXES = {".ods": "ods", ".xlsx": "xlsx", ".xls": "xls"}


def _kind(attachment: dict[str, Any]) -> str | None:
    """'ods', 'xlsx' or 'xls' for a spreadsheet attachment (by content type, else file name); else None."""
    listed = str(attachment.get("content_type") or "").split(";")[0].strip().lower()
    for kind, content_type in TYPES.items():
        if listed == content_type:
            return kind
    name = str(attachment.get("filename") or attachment.get("url") or "").lower()
    return next((kind for suffix, kind in _SUFFIXES.items() if urlsplit(name).path.endswith(suffix)), None)


def spreadsheets(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The workbook attachments to read: every ODS; XLSX/XLS only when the release lists no ODS."""
    found = [a for a in attachments if isinstance(a.get("url"), str) and _kind(a)]
    ods = [a for a in found if _kind(a) == "ods"]
    return ods or found


def fetch_url(url: str, *, canonical_hosts: tuple[str, ...], base_url: str, canonical_base: str) -> str:
    """Where to fetch an attachment from: itself on the real site; on the mirror (or any other
    base URL), its path under the base URL, whichever of the source's hosts it lives on."""
    base = base_url.rstrip("/")
    parts = urlsplit(url)
    if base == canonical_base.rstrip("/") or parts.hostname not in canonical_hosts:
        return url
    return base + parts.path + (f"?{parts.query}" if parts.query else "")


def _permanent(exc: FetchError) -> bool:
    """A failure that will not mend by itself on the next run (as opposed to a 5xx, 429 or timeout)."""
    if isinstance(exc, (RobotsDisallowed, HostNotAllowed)):
        return True
    if isinstance(exc, DeadlineExceeded):
        return False
    return exc.status is not None and exc.status < 500 and exc.status != 429


def read_release_workbooks(client: Fetcher, attachments: list[dict[str, Any]], *, release: str, source: SourceInfo,
                           base_url: str, limits: WorkbookLimits) -> tuple[list[Workbook], list[str]]:
    """(the workbooks read, warnings) for one release of `source`, fetched from `base_url`."""
    books: list[Workbook] = []
    warnings: list[str] = []
    for attachment in spreadsheets(attachments):
        url = attachment["url"]
        size = attachment.get("file_size")
        if isinstance(size, int) and not isinstance(size, bool) and size > limits.max_bytes:
            warnings.append(f"release {release}: the data tables {url} are listed as {size:,} bytes, more than "
                            f"MSBRIEF_WORKBOOK_MAX_BYTES={limits.max_bytes:,}: not fetched")
            continue
        target = fetch_url(url, canonical_hosts=source.hosts, base_url=base_url, canonical_base=source.canonical_base)
        if not client.allows(target):
            warnings.append(f"release {release}: the data tables {url} are on a host this source does not fetch "
                            "from: not read")
            continue
        try:
            page = client.get(target, accept=ACCEPT, conditional=False)
        except FetchError as exc:
            if not _permanent(exc):
                raise
            warnings.append(f"release {release}: the data tables could not be fetched ({exc.reason}): {url}")
            continue
        listed = TYPES.get(_kind(attachment) or "")
        try:
            books.append(read_workbook(page.body, release=release, url=url, limits=limits, listed_type=listed,
                                       title=str(attachment.get("title") or "")))
        except WorkbookUnreadable as exc:
            warnings.append(f"release {release}: the data tables could not be read ({exc.reason}): {url}")
    return books, warnings
