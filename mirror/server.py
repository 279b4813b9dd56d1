"""A loopback HTTP server over recorded source responses, with faults on demand.

`running_mirror(root)` serves every folder under `root` that contains a `mirror.json` (format in
docs/CONTRACTS.md; `root` may also be one such folder) at `http://127.0.0.1:PORT/<folder>/...`, on
127.0.0.1 only. It behaves like a careful origin server:

- query strings match whatever the parameter order; unknown paths are 404;
- ETag is the quoted sha1 of the body; Last-Modified comes from the manifest or DEFAULT_LAST_MODIFIED;
  If-None-Match (weak comparison, `*`) and, without it, If-Modified-Since give a 304 with no body;
- HEAD is answered with the GET headers; textual bodies are gzipped when the client accepts gzip;
- a recorded redirect whose Location is a path (`/x`) is rebased into its folder (`/<folder>/x`);
- `/robots.txt` (the host's) merges the folders' robots.txt files, each rule prefixed with its
  folder, so one host's rules keep each folder's meaning; `/<folder>/robots.txt` is that folder's
  file or allow-all. Crawl-delay lines are not carried over (pacing is the client's setting).

Every request is logged (`MirrorServer.log`, optionally appended to a JSONL file). Faults are set
per URL, in process (`set_fault`) or over HTTP (`POST /__mirror/faults`); responses can be added,
replaced or removed at runtime (`put_response`, `POST /__mirror/responses`). The control API:

    GET    /__mirror/log            the request log (JSON list)
    DELETE /__mirror/log            empty it
    GET    /__mirror/faults         the faults set
    POST   /__mirror/faults         {"path", "fault", "times", "retry_after", "delay", "size",
                                     "chunked", "drip", "content_type", "location"}
    DELETE /__mirror/faults         clear them (JSON {"path"} clears one)
    POST   /__mirror/responses      {"path", "body" | "body_base64", "status", "content_type",
                                     "headers", "last_modified"}
    DELETE /__mirror/responses      back to the recorded responses (JSON {"path"} removes one: 404)

Faults: 429 (Retry-After: retry_after, default 1), 503 (Retry-After if retry_after is given), 500,
slow (wait `delay` seconds, default 2, before answering; with drip, send the headers at once and
the body in pieces over `delay`), reset (TCP reset, no response), truncate (half the declared
body, then close), oversize (`size` bytes, default 21 MB, declared by Content-Length or, with
chunked, streamed without one), wrong_type (the body under `content_type`, by default a type it
is not), redirect_offhost (302 to `location`, default http://offhost.invalid<path>). A fault
applies `times` times (default: until cleared), then the URL heals.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import mimetypes
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def merged_robots(folders: list[Path]) -> bytes:
    """One host-level robots.txt keeping each folder's rules under its own prefix.

    For every user-agent named anywhere, each folder contributes the rules it has for that agent,
    or else its `*` rules, exactly what a crawler would have applied to that folder alone.
    """
    per_folder = {f.name: _robots_groups((f / "robots.txt").read_text(encoding="utf-8", errors="replace"))
                  for f in folders if (f / "robots.txt").is_file()}
    agents = sorted({agent for groups in per_folder.values() for agent in groups}, key=lambda a: (a == "*", a))
    lines = ["# merged by the msbrief mirror from each folder's robots.txt"]
    for agent in agents:
        lines.append(f"\nUser-agent: {agent}")
        for name, groups in per_folder.items():
            for kind, path in groups.get(agent, groups.get("*", [])):
                prefixed = f"/{name}{path}" if path.startswith("/") else f"/{name}/{path}"
                lines.append(f"{kind}: {prefixed}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _robots_groups(text: str) -> dict[str, list[tuple[str, str]]]:
    """A robots.txt as {agent: [(Allow|Disallow, path)]} (groups of one agent merged)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, _, value = (part.strip() for part in line.partition(":"))
        key = key.lower()
        if key == "user-agent":
            agents = [] if in_rules else agents
            in_rules = False
            agents.append(value.lower())
            groups.setdefault(value.lower(), [])
        elif key in ("allow", "disallow"):
            in_rules = True
            for agent in agents:
                if value:
                    groups[agent].append((key.capitalize(), value))
    return groups


# -- faults and the log ------------------------------------------------------------------------


@dataclass
class Fault:
    """A misbehaviour served for one URL, `times` times (None: until cleared)."""

    fault: str
    times: int | None = None
    retry_after: float | str | None = None
    delay: float | None = None
    size: int | None = None
    chunked: bool = False
    drip: bool = False
    content_type: str | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise MirrorError(f"unknown fault {self.fault!r} (expected one of {', '.join(FAULTS)})")
        if self.times is not None and self.times < 1:
            raise MirrorError(f"fault times must be at least 1 (or omitted), got {self.times!r}")


@dataclass(frozen=True)
class LogEntry:
    """One request the mirror answered (`time`: when it arrived, epoch seconds)."""

    time: float
    method: str
    path: str
    status: int | None
    bytes: int
    conditional: bool
    fault: str | None = None
    user_agent: str = ""
    encoding: str | None = None
    duration: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _State:
    """Everything the handler threads share, behind one lock."""

    recorded: dict[Key, Recorded]
    folders: tuple[str, ...]
    log_file: Path | None = None
    responses: dict[Key, Recorded] = field(default_factory=dict)
    faults: dict[Key, Fault] = field(default_factory=dict)
    entries: list[LogEntry] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    gzip_cache: dict[bytes, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.responses = dict(self.recorded)

    def take_fault(self, key: Key) -> Fault | None:
        """The fault for `key`, used up by one when it has a count."""
        with self.lock:
            fault = self.faults.get(key)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    del self.faults[key]
            return fault

    def open_entry(self, entry: LogEntry) -> int:
        """Log a request as it arrives; its index, for `update_entry`."""
        with self.lock:
            self.entries.append(entry)
            return len(self.entries) - 1

    def update_entry(self, index: int, **changes: Any) -> None:
        """Record what is being sent, before it is sent (so a client never sees a stale log)."""
        with self.lock:
            if index < len(self.entries) and self.entries[index].time == changes.pop("arrived"):
                self.entries[index] = replace(self.entries[index], **changes)

    def close_entry(self, index: int, arrived: float) -> None:
        """Append the finished entry to the JSONL log file, if there is one."""
        if self.log_file is None:
            return
        with self.lock:
            entry = self.entries[index] if index < len(self.entries) else None
            if entry is not None and entry.time == arrived:
                with self.log_file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry.to_json()) + "\n")

    def gzipped(self, body: bytes) -> bytes:
        """gzip of `body`, deterministic (mtime 0) and cached by content."""
        digest = hashlib.sha1(body).digest()
        with self.lock:
            cached = self.gzip_cache.get(digest)
        if cached is None:
            cached = gzip.compress(body, mtime=0)
            with self.lock:
                self.gzip_cache[digest] = cached
        return cached


# -- the request handler -----------------------------------------------------------------------


def _compressible(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind.endswith(("json", "xml", "javascript")) or "+xml" in kind


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (q=0 refuses it)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match weak comparison: any listed tag (W/ ignored) or `*`."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def _not_modified_since(header: str, last_modified: str) -> bool:
    """If-Modified-Since: true when the response has not changed since that date."""
    try:
        since = parsedate_to_datetime(header)
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False
    return since is not None and modified is not None and modified <= since


class _Handler(BaseHTTPRequestHandler):
    """Serves recorded responses, faults and the control API (one instance per connection)."""

    protocol_version = "HTTP/1.1"
    server_version = "msbrief-mirror/1"
    timeout = 30  # idle keep-alive connections are dropped after this
    server: _Server

    # plumbing

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK stall every response by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        log.debug("mirror: " + format, *args)

    @property
    def state(self) -> _State:
        return self.server.state

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        """Route to the control API or serve a recorded response; log what was served."""
        if self.path.startswith(CONTROL):
            self._control()
            return
        self._started, self._arrived = time.monotonic(), time.time()
        self._entry = self.state.open_entry(LogEntry(
            time=self._arrived, method=self.command, path=self.path, status=None, bytes=0,
            conditional=bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")),
            user_agent=self.headers.get("User-Agent", "")))
        try:
            self._serve()
        except (TimeoutError, ConnectionError, BrokenPipeError):
            self.close_connection = True
        finally:
            self.state.close_entry(self._entry, self._arrived)

    def _note(self, status: int | None, sent: int, fault: str | None = None, encoding: str | None = None) -> None:
        """Update this request's log entry; called before the bytes it describes are written."""
        self.state.update_entry(self._entry, arrived=self._arrived, status=status, bytes=sent, fault=fault,
                                encoding=encoding, duration=round(time.monotonic() - self._started, 4))

    # serving

    def _lookup(self, key: Key) -> Recorded:
        with self.state.lock:
            found = self.state.responses.get(key)
        if found is not None:
            return found
        if key[0] == "/":
            index = {name: f"{self.server.base_url}/{name}" for name in self.state.folders}
            return Recorded(200, "application/json", json.dumps({"folders": index}, indent=1).encode())
        return Recorded(404, "text/plain; charset=utf-8", f"not in the mirror: {self.path}\n".encode())

    def _serve(self) -> None:
        """Answer a GET/HEAD with the recorded response, a 304, or the fault set for the URL."""
        if self.command not in ("GET", "HEAD"):
            self._send(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"method not allowed\n")
            return
        key = request_key(self.path)
        recorded = self._lookup(key)
        fault = self.state.take_fault(key)
        if fault is not None:
            self._serve_fault(fault, recorded)
            return
        self._serve_recorded(recorded)

    def _serve_recorded(self, recorded: Recorded, *, fault: str | None = None) -> None:
        """The normal answer: 304 when the validators match, else the body (gzipped if accepted)."""
        headers = self._entity_headers(recorded)
        if recorded.status == 200 and self._is_not_modified(recorded):
            self._send(304, {"ETag": recorded.etag, "Last-Modified": recorded.last_modified}, b"", fault=fault)
            return
        body, encoding = self._encoded(recorded)
        if encoding:
            headers["Content-Encoding"] = encoding
        self._send(recorded.status, headers, body, fault=fault, encoding=encoding)

    def _entity_headers(self, recorded: Recorded) -> dict[str, str]:
        headers = {"Content-Type": recorded.content_type, "ETag": recorded.etag,
                   "Last-Modified": recorded.last_modified, "Vary": "Accept-Encoding"}
        headers.update(dict(recorded.headers))
        return headers

    def _is_not_modified(self, recorded: Recorded) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match:
            return _etag_matches(if_none_match, recorded.etag)
        since = self.headers.get("If-Modified-Since")
        return since is not None and _not_modified_since(since, recorded.last_modified)

    def _encoded(self, recorded: Recorded) -> tuple[bytes, str | None]:
        if (recorded.body and _compressible(recorded.content_type)
                and _accepts_gzip(self.headers.get("Accept-Encoding", ""))):
            return self.state.gzipped(recorded.body), "gzip"
        return recorded.body, None

    def _send(self, status: int, headers: dict[str, str], body: bytes, *, fault: str | None = None,
              encoding: str | None = None, declared: int | None = None) -> None:
        """Write status, headers and (unless HEAD or 304) the body; remember what was sent."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if declared is None else declared))
        with_body = self.command != "HEAD" and status != 304 and bool(body)
        self._note(status, len(body) if with_body else 0, fault, encoding)
        self.end_headers()
        if with_body:
            self.wfile.write(body)
            self.wfile.flush()

    # faults

    def _serve_fault(self, fault: Fault, recorded: Recorded) -> None:
        """Misbehave as `fault` says for this one request."""
        name = fault.fault
        self._note(None, 0, name)
        if name in ("429", "503", "500"):
            headers = {"Content-Type": "text/plain; charset=utf-8"}
            retry_after = fault.retry_after if fault.retry_after is not None else (1 if name == "429" else None)
            if retry_after is not None and name != "500":
                headers["Retry-After"] = str(int(retry_after)) if isinstance(retry_after, (int, float)) else retry_after
            self._send(int(name), headers, f"mirror fault {name}\n".encode(), fault=name)
        elif name == "slow":
            self._serve_slow(fault, recorded)
        elif name == "reset":
            self._reset()
        elif name == "truncate":
            self._serve_truncated(recorded)
        elif name == "oversize":
            self._serve_oversize(fault, recorded)
        elif name == "wrong_type":
            other = "text/html; charset=utf-8" if "html" not in recorded.content_type else "application/octet-stream"
            self._serve_recorded(replace(recorded, content_type=fault.content_type or other), fault=name)
        elif name == "redirect_offhost":
            location = fault.location or f"http://offhost.invalid{self.path}"
            self._send(302, {"Location": location, "Content-Type": "text/plain"}, b"moved\n", fault=name)

    def _serve_slow(self, fault: Fault, recorded: Recorded) -> None:
        delay = 2.0 if fault.delay is None else float(fault.delay)
        if not fault.drip:
            if self.state.stopping.wait(delay):
                return
            self._serve_recorded(recorded, fault="slow")
            return
        body = recorded.body or b"." * 64
        headers = self._entity_headers(recorded)
        self._send(recorded.status, headers, b"", fault="slow", declared=len(body))
        pieces = [body[i:i + max(1, len(body) // 10)] for i in range(0, len(body), max(1, len(body) // 10))]
        sent = 0
        for piece in pieces:
            if self.state.stopping.wait(delay / len(pieces)):
                break
            sent += len(piece)
            self._note(recorded.status, sent, "slow")
            self.wfile.write(piece)
            self.wfile.flush()

    def _reset(self) -> None:
        """Abort the connection with a TCP RST and no response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _serve_truncated(self, recorded: Recorded) -> None:
        body = recorded.body or b"." * 64
        cut = body[: max(1, len(body) // 2)]
        self._send(recorded.status, self._entity_headers(recorded), cut, fault="truncate", declared=len(body))
        self.close_connection = True

    def _serve_oversize(self, fault: Fault, recorded: Recorded) -> None:
        size = 21_000_000 if fault.size is None else int(fault.size)
        self.send_response(200)
        self.send_header("Content-Type", recorded.content_type)
        if fault.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self._note(200, 0, "oversize")
        self.end_headers()
        self.close_connection = True
        sent, block = 0, b"x" * 65536
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            sent += len(piece)
            self._note(200, sent, "oversize")
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if fault.chunked else piece)
        if fault.chunked:
            self.wfile.write(b"0\r\n\r\n")

    # the control API

    def _control(self) -> None:
        """Handle /__mirror/...; errors are a 400 with the reason as JSON."""
        route = urlsplit(self.path).path[len(CONTROL):].rstrip("/")
        try:
            payload = self._json_body()
            result = self.server.mirror.control(self.command, route, payload)
        except MirrorError as exc:
            self._reply(400, {"error": str(exc)})
            return
        self._reply(200, result)

    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise MirrorError(f"control request body is not JSON: {raw[:200]!r}") from exc
        if not isinstance(data, dict):
            raise MirrorError(f"control request body must be a JSON object, got {data!r}")
        return data

    def _reply(self, status: int, data: Any) -> None:
        body = json.dumps(data, indent=1).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 that can drop its open connections on stop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: _State, mirror: MirrorServer) -> None:
        super().__init__((HOST, port), _Handler)
        self.state = state
        self.mirror = mirror
        self.base_url = f"http://{HOST}:{self.server_address[1]}"
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (reset, broken pipe) is routine: one debug line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.debug("client %s hung up: %s", client_address, error)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]  # what the server passed in


# -- the public object -------------------------------------------------------------------------


class MirrorServer:
    """The mirror: a loopback server over `root`, started in a background thread."""

    def __init__(self, root: Path | str, *, port: int = 0, log_file: Path | str | None = None) -> None:
        self.root = Path(root)
        folders = find_folders(self.root)
        recorded: dict[Key, Recorded] = {}
        for folder in folders:
            recorded.update(load_folder(folder))
        recorded[request_key("/robots.txt")] = Recorded(200, "text/plain; charset=utf-8", merged_robots(folders))
        self._state = _State(recorded=recorded, folders=tuple(f.name for f in folders),
                             log_file=Path(log_file) if log_file else None)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> MirrorServer:
        """Bind 127.0.0.1:port (0 = a free one) and serve in a daemon thread."""
        self._server = _Server(self._requested_port, self._state, self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"mirror:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and wake any slow fault; idempotent."""
        if self._server is None:
            return
        self._state.stopping.set()
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> MirrorServer:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise MirrorError("the mirror is not running")
        return self._server.server_address[1]

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port): always 127.0.0.1."""
        if self._server is None:
            raise MirrorError("the mirror is not running")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    @property
    def folders(self) -> tuple[str, ...]:
        return self._state.folders

    def url_for(self, folder: str) -> str:
        """The base URL of a folder, to use as a source's base URL."""
        if folder not in self._state.folders:
            raise MirrorError(f"no mirror folder {folder!r} under {str(self.root)!r} (have {list(self.folders)!r})")
        return f"{self.base_url}/{folder}"

    # the log

    @property
    def log(self) -> list[LogEntry]:
        """A copy of the request log, oldest first."""
        with self._state.lock:
            return list(self._state.entries)

    def log_for(self, path: str) -> list[LogEntry]:
        """The log entries for one path (query order ignored)."""
        key = request_key(path)
        return [entry for entry in self.log if request_key(entry.path) == key]

    def clear_log(self) -> None:
        with self._state.lock:
            self._state.entries.clear()

    # faults

    def set_fault(self, path: str, fault: str, *, times: int | None = None, retry_after: float | str | None = None,
                  delay: float | None = None, size: int | None = None, chunked: bool = False, drip: bool = False,
                  content_type: str | None = None, location: str | None = None) -> None:
        """Make `path` (`/<folder>/...`, query order ignored) misbehave; see the module docstring."""
        spec = Fault(fault, times, retry_after, delay, size, chunked, drip, content_type, location)
        with self._state.lock:
            self._state.faults[request_key(_checked_path(path))] = spec

    def clear_faults(self, path: str | None = None) -> None:
        """Heal one URL, or every URL."""
        with self._state.lock:
            if path is None:
                self._state.faults.clear()
            else:
                self._state.faults.pop(request_key(path), None)

    @property
    def faults(self) -> dict[str, dict[str, Any]]:
        with self._state.lock:
            return {_key_path(k): asdict(f) for k, f in self._state.faults.items()}

    # responses

    def put_response(self, path: str, body: bytes | str, *, status: int = 200, content_type: str | None = None,
                     headers: dict[str, str] | None = None, last_modified: str | None = None) -> None:
        """Add or replace the response for `path` (a new item appears, an item is amended).

        Last-Modified defaults to now, so If-Modified-Since sees the change.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        recorded = Recorded(status=status, content_type=content_type or guess_type(urlsplit(path).path),
                            body=data, headers=tuple((headers or {}).items()),
                            last_modified=last_modified or http_date())
        with self._state.lock:
            self._state.responses[request_key(_checked_path(path))] = recorded

    def remove_response(self, path: str) -> None:
        """Make `path` a 404 (an item is withdrawn)."""
        with self._state.lock:
            self._state.responses.pop(request_key(path), None)

    def reset_responses(self) -> None:
        """Back to the recorded responses."""
        with self._state.lock:
            self._state.responses = dict(self._state.recorded)

    # the control API (also used by the HTTP handler)

    def control(self, method: str, route: str, payload: dict[str, Any]) -> Any:
        """Apply one control request; the JSON-able result. MirrorError when it is not understood."""
        if route == "log" and method == "GET":
            return [entry.to_json() for entry in self.log]
        if route == "log" and method == "DELETE":
            self.clear_log()
            return {"ok": True}
        if route == "faults":
            return self._control_faults(method, payload)
        if route == "responses":
            return self._control_responses(method, payload)
        raise MirrorError(f"unknown control request {method} {CONTROL}{route}")

    def _control_faults(self, method: str, payload: dict[str, Any]) -> Any:
        if method == "GET":
            return self.faults
        if method == "DELETE":
            self.clear_faults(payload.get("path"))
            return {"ok": True}
        if method == "POST":
            options = {k: payload[k] for k in ("times", "retry_after", "delay", "size", "chunked", "drip",
                                               "content_type", "location") if k in payload}
            self.set_fault(_required(payload, "path"), str(_required(payload, "fault")), **options)
            return {"ok": True, "faults": self.faults}
        raise MirrorError(f"{method} {CONTROL}faults is not supported (GET, POST, DELETE)")

    def _control_responses(self, method: str, payload: dict[str, Any]) -> Any:
        if method == "DELETE":
            if "path" in payload:
                self.remove_response(payload["path"])
            else:
                self.reset_responses()
            return {"ok": True}
        if method == "POST":
            if "body_base64" in payload:
                body: bytes | str = base64.b64decode(payload["body_base64"])
            else:
                body = str(payload.get("body", ""))
            self.put_response(_required(payload, "path"), body, status=int(payload.get("status", 200)),
                              content_type=payload.get("content_type"), headers=payload.get("headers"),
                              last_modified=payload.get("last_modified"))
            return {"ok": True}
        raise MirrorError(f"{method} {CONTROL}responses is not supported (POST, DELETE)")


def _required(payload: dict[str, Any], name: str) -> Any:
    if name not in payload:
        raise MirrorError(f"control request needs {name!r}, got {payload!r}")
    return payload[name]


def _checked_path(path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise MirrorError(f"a mirror path starts with '/' (/<folder>/...), got {path!r}")
    return path


def _key_path(key: Key) -> str:
    path, query = key
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


@contextmanager
def running_mirror(root: Path | str, port: int = 0, *, log_file: Path | str | None = None) -> Iterator[MirrorServer]:
    """Run a mirror over `root` on 127.0.0.1 for the duration of a `with` block."""
    server = MirrorServer(root, port=port, log_file=log_file).start()
    try:
        yield server
    finally:
        server.stop()
