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
replaced or removed at runtime (`put_response`, `POST /__mirror/responses`), at once or staged to
appear at a set moment (`at`: a release published at 9:30 for the release-day tests and benchmark). The control API:

    GET    /__mirror/log            the request log (JSON list)
    DELETE /__mirror/log            empty it
    GET    /__mirror/faults         the faults set
    POST   /__mirror/faults         {"path", "fault", "times", "retry_after", "delay", "size",
                                     "chunked", "drip", "content_type", "location"}
    DELETE /__mirror/faults         clear them (JSON {"path"} clears one)
    POST   /__mirror/responses      {"path", "body" | "body_base64", "status", "content_type",
                                     "headers", "last_modified", "at"}: with "at" (epoch seconds),
                                     staged: served from that moment on
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

import logging
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mirror import control
from mirror.control import ControlResponder
from mirror.faults import FaultResponder
from mirror.manifest import (
    HOST,
    Key,
    MirrorError,
    Recorded,
    find_folders,
    guess_type,
    http_date,
    load_folder,
    request_key,
)
from mirror.robots import merged_robots
from mirror.state import Fault, LogEntry, State

log = logging.getLogger(__name__)


class _Handler(FaultResponder, ControlResponder):
    """Serves recorded responses, faults and the control API (one instance per connection)."""


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 that can drop its open connections on stop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: State, mirror: MirrorServer) -> None:
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
        self._state = State(recorded=recorded, folders=tuple(f.name for f in folders),
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
                     headers: dict[str, str] | None = None, last_modified: str | None = None,
                     at: float | None = None) -> None:
        """Add or replace the response for `path` (a new item appears, an item is amended), now or,
        staged, from epoch second `at` on (a release published at a set moment: until then the
        path answers as before).

        Last-Modified defaults to that moment, so If-Modified-Since sees the change.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        recorded = Recorded(status=status, content_type=content_type or guess_type(urlsplit(path).path),
                            body=data, headers=tuple((headers or {}).items()),
                            last_modified=last_modified or http_date(at))
        key = request_key(_checked_path(path))
        with self._state.lock:
            if at is None:
                self._state.staged.pop(key, None)
                self._state.responses[key] = recorded
            else:
                self._state.staged[key] = (float(at), recorded)

    def remove_response(self, path: str) -> None:
        """Make `path` a 404 (an item is withdrawn)."""
        with self._state.lock:
            self._state.responses.pop(request_key(path), None)

    def reset_responses(self) -> None:
        """Back to the recorded responses (staged ones dropped)."""
        with self._state.lock:
            self._state.responses = dict(self._state.recorded)
            self._state.staged.clear()


    def control(self, method: str, route: str, payload: dict[str, Any]) -> Any:
        """Apply one control request (mirror/control.py); the JSON-able result. MirrorError when it is not understood."""
        return control.apply(self, method, route, payload)


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
