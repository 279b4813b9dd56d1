"""Canonical URLs, UTC datetimes, dedupe keys and topic tags; the normalise step of the pipeline.

`normalise_result` is the one place an adapter's records are made ready for the store: every
datetime aware UTC, every item's identity keys filled in. The store trusts what it is given.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.records import Announcement, Publication, Release, SourceResult

# Query parameters that never change what a page is.
_NOISE_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|_ga|ref|cmp|amp)$", re.I)


def canonical_url(url: str) -> str:
    """One spelling per page: https, no www., no trailing slash, no fragment, no tracking query."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _NOISE_PARAMS.match(k))
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    if host in ("localhost", "127.0.0.1", "::1"):
        scheme = parts.scheme or "http"  # the mirror and tests run plain http on loopback
    return urlunsplit((scheme, host + port, path, urlencode(query), ""))


def utc(dt: datetime | None) -> datetime | None:
    """An aware UTC datetime; naive input is taken to be UTC already."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


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
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    else:
        data = tomllib.loads(resources.files("scrapers").joinpath("topics.toml").read_text(encoding="utf-8"))
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


def publication_key(pub: Publication) -> str:
    """Primary identity: the source's own id when it has one, else the canonical URL."""
    if pub.external_id:
        return f"{pub.source}:{pub.external_id}"
    return canonical_url(pub.url)


def normalise_publication(pub: Publication) -> Publication:
    """`pub` with UTC datetimes and its identity keys filled in."""
    published = utc(pub.published)
    variants = tuple(dict.fromkeys(canonical_url(u) for u in (pub.url, *pub.alternate_urls)))
    return replace(pub, published=published, updated=utc(pub.updated), key=publication_key(pub),
                   url_variants=variants, title_key=title_key(pub.source, pub.title, published))


def normalise_release(rel: Release) -> Release:
    """`rel` with UTC datetimes."""
    return replace(rel, published=utc(rel.published), updated=utc(rel.updated))


def normalise_announcement(ann: Announcement) -> Announcement:
    """`ann` with its canonical URL (its identity) and a UTC release time."""
    return replace(ann, url=canonical_url(ann.url), release_at=utc(ann.release_at))


def normalise_result(result: SourceResult) -> SourceResult:
    """Every record of one adapter run, ready for the store (the records themselves are not changed)."""
    return replace(
        result,
        publications=[normalise_publication(p) for p in result.publications],
        releases=[normalise_release(r) for r in result.releases],
        announcements=[normalise_announcement(a) for a in result.announcements],
        warnings=list(result.warnings),
    )
