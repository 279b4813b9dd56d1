"""Canonical URLs, UTC datetimes, dedupe keys and topic tags; the normalise step of the pipeline.

`normalise_result` (and `normalise_fetch_log`) are the one place an adapter's records are made
ready for the store: text without control or bidirectional-override characters and cut to the
limits of scrapers.records, URLs with those characters percent-encoded (clean_url), every
datetime aware UTC, every item's identity keys filled in. A record whose URL is longer than the
store keeps is dropped with a warning (so is an oversized validator). The store trusts what it
is given, and PostgreSQL accepts all of it as SQLite does.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, overload
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import vocabulary.text
from scrapers import dates
from scrapers.limits import DEFAULT_LIMITS, Limits
from scrapers.records import (
    MAX_ETAG_LENGTH,
    MAX_LAST_MODIFIED_LENGTH,
    MAX_SUMMARY_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_URL_LENGTH,
    Announcement,
    FetchRecord,
    Publication,
    Release,
    SourceResult,
)
from vocabulary.text import LONE_SURROGATES, UNWANTED_CHARS, URL_UNSAFE_CHARS, clip

# Query parameters that never change what a page is.
_NOISE_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|_ga|ref|cmp|amp)$", re.I)


def canonical_url(url: str) -> str:
    """One spelling per page: https, no www., no trailing slash, no fragment, no tracking query.

    Cleaned first (clean_url). A link too broken to split (an unclosed IPv6 bracket) is its own
    spelling; a port that is not a number, or out of range, is kept as written (the link is
    broken, the run is not).
    """
    url = clean_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    except ValueError:
        port = ":" + parts.netloc.rpartition(":")[2]
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _NOISE_PARAMS.match(k))
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    if host in ("localhost", "127.0.0.1", "::1"):
        scheme = parts.scheme or "http"  # the mirror and tests run plain http on loopback
    return urlunsplit((scheme, host + port, path, urlencode(query), ""))


@overload
def utc(dt: datetime) -> datetime: ...
@overload
def utc(dt: None) -> None: ...
def utc(dt: datetime | None) -> datetime | None:
    """An aware UTC datetime; naive input is taken to be UTC already."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def normalise_title(title: str) -> str:
    """Lower-case ASCII words only, for comparing titles across slug changes."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def title_key(source: str, title: str, published: datetime | None) -> str | None:
    """Second identity of an item: source + normalised title + publication date."""
    if published is None or not normalise_title(title):
        return None
    return f"{source}|{normalise_title(title)}|{utc(published).date().isoformat()}"


def load_topics(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """Topic name -> keywords, from a TOML file (default: the packaged scrapers/topics.toml)."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("scrapers").joinpath("topics.toml").read_text(encoding="utf-8")
    return dict(_parse_topics(text))


@lru_cache(maxsize=8)
def _parse_topics(text: str) -> dict[str, tuple[str, ...]]:
    # Parsed once per text: every source of every run reads the same file (an edit is a new text).
    data = tomllib.loads(text)
    return {name: tuple(k.lower() for k in words) for name, words in data.get("topics", {}).items()}


def tag_topics(text: str, topics: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The topics whose keywords appear in `text` as whole words, in the order of the topic list."""
    haystack = " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "
    found = []
    for name, words in topics.items():
        if any(f" {' '.join(re.findall(r'[a-z0-9]+', w))} " in haystack for w in words):
            found.append(name)
    return tuple(found)


def rebase(url: str, canonical_base: str, base_url: str) -> str:
    """Where to fetch `url` from: a link to the real site moved onto the configured base URL."""
    canon, base = canonical_base.rstrip("/"), base_url.rstrip("/")
    if canon == base:
        return url
    parts = urlsplit(url)
    canon_parts = urlsplit(canon)
    same_site = (parts.hostname or "").removeprefix("www.") == (canon_parts.hostname or "").removeprefix("www.")
    if not parts.scheme or not same_site:
        return url if parts.scheme else base + "/" + url.lstrip("/")
    rest = urlunsplit(("", "", parts.path, parts.query, ""))
    return base + (rest if rest.startswith("/") else "/" + rest)


def unbase(url: str, canonical_base: str, base_url: str) -> str:
    """The real-site URL of something fetched from the configured base URL (the inverse of rebase)."""
    canon, base = canonical_base.rstrip("/"), base_url.rstrip("/")
    if canon == base or not url.startswith(base):
        return url
    rest = url[len(base):]
    return canon + (rest if rest.startswith("/") or not rest else "/" + rest)


# --- clean text ----------------------------------------------------------------------------------

_LIMITS = {"title": MAX_TITLE_LENGTH, "summary": MAX_SUMMARY_LENGTH,
           "cache_body": 500_000}  # robots.txt: RFC 9309 asks crawlers to read at least 500 KiB
_ONE_LINE = {"title", "kind", "document_type", "metric", "unit", "period", "state", "release_date_text", "note"}
_URLS = {"url", "page_url", "bulletin_url", "final_url", "alternate_urls"}
# In a URL: C0 controls and space at either end (trimmed), tab and newlines (removed, as browsers
# do), and inside it the other controls, the byte-order mark and the bidirectional characters
# (percent-encoded, so the link still leads where it led, visibly).
_URL_ENDS = "".join(map(chr, range(0x21)))


def clean_text(text: str, *, limit: int = MAX_TEXT_LENGTH, one_line: bool = False) -> str:
    """`text` without unwanted characters (on one line if asked), at most `limit` characters."""
    text = UNWANTED_CHARS.sub("", text)
    return clip(vocabulary.text.one_line(text) if one_line else text, limit)


def clean_url(url: str) -> str:
    """`url` as a browser sends it: no control or bidirectional character left raw (URL_UNSAFE_CHARS),
    no lone surrogate; otherwise unchanged (its length is checked by normalise_result)."""
    url = LONE_SURROGATES.sub("", url).strip(_URL_ENDS).replace("\t", "").replace("\n", "").replace("\r", "")
    return URL_UNSAFE_CHARS.sub(lambda found: quote(found[0], safe=""), url)


def _cleaned(value: Any, name: str = "") -> Any:
    """A record (or value) with every string in it cleaned: URLs by clean_url, other text by clean_text."""
    if isinstance(value, str):
        return clean_url(value) if name in _URLS else clean_text(value, limit=_LIMITS.get(name, MAX_TEXT_LENGTH),
                                                                   one_line=name in _ONE_LINE)
    if isinstance(value, (tuple, list)):
        return type(value)(_cleaned(v, name) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: _cleaned(getattr(value, f.name), f.name) for f in fields(value)}
        return replace(value, **changed)
    return value


def _too_long(url: str | None) -> bool:
    """True when `url`, cleaned or made canonical (both may percent-encode), is longer than the store keeps."""
    if url is None:
        return False
    cleaned = clean_url(url)
    return len(cleaned) > MAX_URL_LENGTH or len(canonical_url(cleaned)) > MAX_URL_LENGTH


# --- the normalise step ---------------------------------------------------------------------------


def publication_key(pub: Publication) -> str:
    """Primary identity: the source's own id when it has one, else the canonical URL."""
    if pub.external_id:
        return f"{pub.source}:{pub.external_id}"
    return canonical_url(pub.url)


def normalise_publication(pub: Publication) -> Publication:
    """`pub` with clean text, UTC datetimes and its identity keys filled in (its URL must fit: see
    normalise_result)."""
    pub = _cleaned(replace(pub, alternate_urls=tuple(u for u in pub.alternate_urls
                                                      if not _too_long(u) and not has_userinfo(u)),
                           attachments=tuple(a for a in pub.attachments if not _too_long(a.url))))
    published = utc(pub.published)
    variants = tuple(dict.fromkeys(canonical_url(u) for u in (pub.url, *pub.alternate_urls)))
    return replace(pub, published=published, updated=utc(pub.updated), key=publication_key(pub),
                   url_variants=variants, title_key=title_key(pub.source, pub.title, published))


def normalise_release(rel: Release) -> Release:
    """`rel` with clean text and UTC datetimes. Its workbooks are left as their reader cleaned them
    (scrapers.nrm.tables: a table may hold a quarter of a million cells)."""
    books = rel.workbooks
    rel = _cleaned(replace(rel, workbooks=()) if not _too_long(rel.bulletin_url)
                   else replace(rel, bulletin_url=None, workbooks=()))
    return replace(rel, published=utc(rel.published), updated=utc(rel.updated), workbooks=books)


def normalise_announcement(ann: Announcement) -> Announcement:
    """`ann` with clean text, its canonical URL (its identity) and a UTC release time."""
    ann = _cleaned(ann)
    return replace(ann, url=canonical_url(ann.url), release_at=utc(ann.release_at))


def has_userinfo(url: str) -> bool:
    """True when `url` carries user information (`https://www.sentencingcouncil.org.uk@evil.example/`
    leads to evil.example, whatever it looks like): such a link is never stored or published."""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return False


def plausible_release_time(ann: Announcement) -> bool:
    """Whether an announcement's date falls in the years msbrief accepts (9999 and 0001 do not)."""
    if ann.release_at is not None and not dates.year_in_range(ann.release_at.year):
        return False
    return not dates.refused(ann.release_date_text)


def normalise_result(result: SourceResult, *, limits: Limits = DEFAULT_LIMITS) -> SourceResult:
    """Every record of one adapter run, ready for the store (the records themselves are not changed).

    Dropped, each with a warning naming the source and the start of the URL: a publication, release
    or announcement whose URL is longer than the store keeps or carries user information; an
    announcement dated outside the years msbrief accepts; publications past max_items_per_source
    and announcements past max_announcements (one warning for each limit).
    """
    warnings = [clean_text(w) for w in result.warnings]

    def fits(url: str, what: str) -> bool:
        if _too_long(url):
            warnings.append(f"[{result.source}] {what} with a URL of {len(url):,} characters (more than "
                            f"{MAX_URL_LENGTH:,}) not stored: {clean_text(url, limit=120)}")
            return False
        if has_userinfo(url):
            warnings.append(f"[{result.source}] {what} linking to {clean_text(url, limit=120)!r} not stored: "
                            "a link with user information ('name@' before the host) leads elsewhere than it reads")
            return False
        return True

    def dated(ann: Announcement) -> bool:
        if plausible_release_time(ann):
            return True
        warnings.append(f"[{result.source}] announcement {clean_text(ann.title, limit=120)!r} dated "
                        f"{clean_text(ann.release_date_text or str(ann.release_at), limit=60)!r}, outside the years "
                        f"{dates.MIN_YEAR}-{dates.MAX_YEAR}: not stored ({ann.url})")
        return False

    def first(records: list[Any], limit: int, what: str, setting: str) -> list[Any]:
        if len(records) > limit:
            warnings.append(f"[{result.source}] {len(records):,} {what} in one run: only the first {limit:,} "
                            f"read ({setting}); the rest were not stored")
        return records[:limit]

    publications = first([p for p in result.publications if fits(p.url, "item")],
                         limits.max_items_per_source, "items", "MSBRIEF_MAX_ITEMS_PER_SOURCE")
    announcements = first([a for a in result.announcements if fits(a.url, "announcement") and dated(a)],
                          limits.max_announcements, "announcements", "MSBRIEF_MAX_ANNOUNCEMENTS")
    return replace(
        result,
        publications=[normalise_publication(p) for p in publications],
        releases=[normalise_release(r) for r in result.releases if fits(r.page_url, "release")],
        announcements=[normalise_announcement(a) for a in announcements],
        warnings=warnings,
    )


def normalise_fetch_log(records: Iterable[FetchRecord]) -> tuple[list[FetchRecord], list[str]]:
    """The fetch log ready for the store, and warnings: an oversized validator is dropped (the next
    request is then unconditional), a URL longer than the store keeps is not remembered."""
    kept, warnings = [], []
    for rec in records:
        rec = replace(rec, url=clean_url(rec.url))
        if _too_long(rec.url):
            warnings.append(f"fetch state of a URL of {len(rec.url):,} characters not kept: {clean_text(rec.url, limit=120)}")
            continue
        etag, last_modified = rec.etag, rec.last_modified
        if etag and len(etag) > MAX_ETAG_LENGTH:
            warnings.append(f"{rec.url}: an ETag of {len(etag):,} characters (more than {MAX_ETAG_LENGTH:,}) ignored")
            etag = None
        if last_modified and len(last_modified) > MAX_LAST_MODIFIED_LENGTH:
            warnings.append(f"{rec.url}: a Last-Modified of {len(last_modified):,} characters ignored")
            last_modified = None
        kept.append(_cleaned(replace(rec, etag=etag, last_modified=last_modified)))
    return kept, warnings
