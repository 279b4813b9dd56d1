"""A tiny loopback HTTP server over mirror-format fixture folders (until flows/mirror.py lands).

Serves every folder under `root` that has a mirror.json at http://127.0.0.1:PORT/<folder>/...,
following docs/HELPERS.md: query strings match regardless of parameter order, unknown paths are
404, ETag is the sha1 of the body and If-None-Match answers 304, robots.txt allows everything
unless the folder has one. `requests` records every (path, status) served, for assertions.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlsplit

DEFAULT_LAST_MODIFIED = "Thu, 10 Aug 2023 08:30:00 GMT"
TYPES = {".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
         ".json": "application/json", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


def route_key(path_and_query: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A request's identity: its path and its query parameters in sorted order."""
    parts = urlsplit(path_and_query)
    return parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass
class Loopback:
    """A running server: `url(folder)` is a source's base URL; `requests` what was asked for."""

    port: int
    requests: list[tuple[str, int]] = field(default_factory=list)

    def url(self, folder: str) -> str:
        return f"http://127.0.0.1:{self.port}/{folder}"

    def paths(self, folder: str) -> list[str]:
        prefix = f"/{folder}"
        return [p[len(prefix):] for p, _ in self.requests if p.startswith(prefix + "/")]


def load_routes(root: Path) -> dict[tuple[str, tuple[str, str]], dict]:
    """Every response of every mirror.json folder under `root`, by (path, sorted query)."""
    routes = {}
    for manifest in sorted(root.glob("*/mirror.json")):
        folder = manifest.parent
        for spec in json.loads(manifest.read_text(encoding="utf-8"))["responses"]:
            path, query = route_key(spec["path"])
            routes[(f"/{folder.name}{path}", query)] = {**spec, "_folder": folder}
    return routes


def _handler(routes: dict, server_state: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path, query = route_key(self.path)
            spec = routes.get((path, query))
            if spec is None and path.endswith("/robots.txt"):
                self._send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
                return
            if spec is None:
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            file = spec["_folder"] / spec["file"]
            body = file.read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            headers = {
                "Content-Type": spec.get("content_type") or TYPES.get(file.suffix)
                or mimetypes.guess_type(file.name)[0] or "application/octet-stream",
                "ETag": etag,
                "Last-Modified": spec.get("last_modified", DEFAULT_LAST_MODIFIED),
                **spec.get("headers", {}),
            }
            status = int(spec.get("status", 200))
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self._send(304, b"", {"ETag": etag})
                return
            self._send(status, body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            server_state.requests.append((self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    return Handler


@contextmanager
def serve(root: Path) -> Iterator[Loopback]:
    """Serve the fixture folders under `root` on a free loopback port for the `with` block."""
    state = Loopback(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(load_routes(root), state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
