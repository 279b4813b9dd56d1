"""Recorded responses: the fixture folders' manifests (mirror.json, format in docs/CONTRACTS.md),
request keys and content types.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MANIFEST = "mirror.json"
CONTROL = "/__mirror/"
DEFAULT_LAST_MODIFIED = "Thu, 10 Aug 2023 08:30:00 GMT"
ALLOW_ALL_ROBOTS = b"User-agent: *\nAllow: /\n"
FAULTS = ("429", "503", "500", "slow", "reset", "truncate", "oversize", "wrong_type", "redirect_offhost")
MANAGED_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection", "etag",
                   "last-modified", "content-type", "date", "server"}
EXTRA_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/json",
               ".ods": "application/vnd.oasis.opendocument.spreadsheet", ".xml": "application/xml"}

Key = tuple[str, tuple[tuple[str, str], ...]]


class MirrorError(ValueError):
    """A mirror folder, manifest entry or control request that cannot be used."""


def request_key(path: str) -> Key:
    """The lookup key of a path+query: decoded path, query pairs sorted (order-insensitive)."""
    parts = urlsplit(path)
    return unquote(parts.path or "/"), tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def http_date(when: float | None = None) -> str:
    """An HTTP-date (RFC 9110) for epoch seconds `when` (now by default)."""
    return formatdate(time.time() if when is None else when, usegmt=True)


# -- recorded responses ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One response the mirror can serve: status, type, headers, Last-Modified and the body."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: str = DEFAULT_LAST_MODIFIED

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest() + '"'


def guess_type(filename: str) -> str:
    """A Content-Type for a fixture file name (text types get charset=utf-8)."""
    suffix = Path(filename).suffix.lower()
    kind = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def load_folder(folder: Path) -> dict[Key, Recorded]:
    """Read a folder's mirror.json into responses keyed by `/<folder><path>`; MirrorError if unusable."""
    manifest = folder / MANIFEST
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["responses"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MirrorError(f"{manifest}: not a mirror manifest ({exc.__class__.__name__}: {exc})") from exc
    responses: dict[Key, Recorded] = {}
    for index, entry in enumerate(entries):
        key, recorded = _entry(folder, index, entry)
        if key in responses:
            raise MirrorError(f"{manifest}: responses[{index}] repeats path {entry['path']!r}")
        responses[key] = recorded
    robots = folder / "robots.txt"
    robots_key = request_key(f"/{folder.name}/robots.txt")
    if robots_key not in responses:
        body = robots.read_bytes() if robots.is_file() else ALLOW_ALL_ROBOTS
        responses[robots_key] = Recorded(200, "text/plain; charset=utf-8", body)
    return responses


def _entry(folder: Path, index: int, entry: Any) -> tuple[Key, Recorded]:
    """One manifest entry as (key, Recorded), checked."""
    where = f"{folder / MANIFEST}: responses[{index}]"
    if not isinstance(entry, dict) or not str(entry.get("path", "")).startswith("/"):
        raise MirrorError(f"{where}: needs a 'path' starting with '/', got {entry!r}")
    file = entry.get("file")
    body = b""
    if file is not None:
        path = folder / file
        if not path.is_file():
            raise MirrorError(f"{where}: file {file!r} does not exist in {folder}")
        body = path.read_bytes()
    headers = tuple((str(k), _rebase_location(folder.name, str(k), str(v)))
                    for k, v in (entry.get("headers") or {}).items() if str(k).lower() not in MANAGED_HEADERS)
    recorded = Recorded(
        status=int(entry.get("status", 200)),
        content_type=entry.get("content_type") or guess_type(file or "x.txt"),
        body=body,
        headers=headers,
        last_modified=entry.get("last_modified") or DEFAULT_LAST_MODIFIED,
    )
    return request_key(f"/{folder.name}{entry['path']}"), recorded


def _rebase_location(folder: str, name: str, value: str) -> str:
    """A recorded Location that is a path (`/x`) points into the folder (`/<folder>/x`)."""
    if name.lower() == "location" and value.startswith("/") and not value.startswith("//"):
        return f"/{folder}{value}"
    return value


def find_folders(root: Path) -> list[Path]:
    """The mirror folders under `root` (or `root` itself when it has a mirror.json)."""
    if (root / MANIFEST).is_file():
        return [root]
    if not root.is_dir():
        raise MirrorError(f"mirror root {str(root)!r} is not a directory")
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())
