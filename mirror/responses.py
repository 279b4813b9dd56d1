"""Answering a request with a recorded response: conditional requests (ETag, Last-Modified) and gzip,
the request's log entry, and the plumbing every answer shares.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from mirror.manifest import CONTROL, Key, Recorded, request_key
from mirror.state import Fault, LogEntry, State

log = logging.getLogger(__name__)

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



class Responder(BaseHTTPRequestHandler):
    """Serves recorded responses (one instance per connection); faults and the control API are
    added by mirror/faults.py and mirror/control.py."""

    protocol_version = "HTTP/1.1"
    server_version = "msbrief-mirror/1"
    timeout = 30  # idle keep-alive connections are dropped after this
    server: Any  # mirror.server._Server: its state, base URL, connections and MirrorServer

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
    def state(self) -> State:
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
        found = self.state.response(key, time.time())
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

    # hooks the other jobs fill in (mirror/faults.py, mirror/control.py)

    def _serve_fault(self, fault: Fault, recorded: Recorded) -> None:
        raise NotImplementedError

    def _control(self) -> None:
        raise NotImplementedError
