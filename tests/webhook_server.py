"""A real webhook receiver on loopback for the release-day tests: HTTP (json://) or HTTPS (workflows://, Teams).

`webhook_server(...)` starts one on a free port and records every POST it received (path, headers,
JSON body). It can be told to answer a status (`statuses`: one per request, then 200), to drop the
connection once the request is read and before any reply (`drop`), or to kill a process group
(SIGKILL) once the request is read (`victim`): a client that dies after its request went out.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Posted:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0  # when it arrived (epoch seconds)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    drop: int = 0  # this many requests are read and then dropped without a reply
    victim: int | None = None  # a process group killed once the next request is read
    posts: list[Posted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        b = self.server.behaviour
        with b.lock:
            b.posts.append(Posted(self.path, dict(self.headers.items()), body, time.time()))
            status = b.statuses.pop(0) if b.statuses else 200
            drop = b.drop > 0
            b.drop -= drop
            victim, b.victim = b.victim, None
        b.received.set()
        if victim is not None:
            os.killpg(victim, signal.SIGKILL)  # the request is here; its sender dies before the reply
        if drop or victim is not None:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.behaviour = behaviour


@dataclass
class Receiver:
    port: int
    behaviour: Behaviour
    cert_file: Path | None = None  # the HTTPS receiver's certificate, for the client to trust

    @property
    def posts(self) -> list[Posted]:
        with self.behaviour.lock:
            return list(self.behaviour.posts)

    def apprise_url(self, path: str = "hook") -> str:
        """A generic JSON POST to this receiver (json://, or jsons:// over HTTPS)."""
        return f"json{'s' if self.cert_file else ''}://127.0.0.1:{self.port}/{path}"

    def teams_url(self) -> str:
        """Microsoft Teams (a Power Automate workflow, Apprise's workflows://) at this HTTPS receiver."""
        assert self.cert_file, "Teams workflows are HTTPS only"
        return f"workflows://127.0.0.1:{self.port}/workflow0123/signature4567/"


@contextmanager
def webhook_server(tmp_path: Path | None = None, *, tls: bool = False, port: int = 0) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (`port` 0: a free one); with `tls`, HTTPS with a certificate made here (in `tmp_path`)."""
    behaviour = Behaviour()
    server = _Server(behaviour, port)
    cert = None
    if tls:
        from tests.smtp_server import make_certificate

        assert tmp_path is not None, "an HTTPS receiver needs a folder for its certificate"
        folder = tmp_path / f"webhook-tls-{id(behaviour)}"  # apart from the SMTP server's certificate
        folder.mkdir()
        cert, key = make_certificate(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Receiver(server.server_address[1], behaviour, cert)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
