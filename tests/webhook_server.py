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


# -- a service whose host Apprise fixes (Slack): reached through a proxy on loopback -------------


def _certificate_for(host: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for `host`: (cert.pem, key.pem) in `folder`."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / f"{host}-cert.pem", folder / f"{host}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Intercepted:
    """What the intercepting proxy received: the CONNECT targets and the requests inside them."""

    proxy_url: str
    ca_file: Path
    connects: list[str] = field(default_factory=list)
    posts: list[Posted] = field(default_factory=list)


@contextmanager
def intercepting_proxy(host: str, folder: Path, *, reply: bytes = b"ok") -> Iterator[Intercepted]:
    """An HTTPS proxy on 127.0.0.1 that answers CONNECT to `host` itself: it never connects anywhere,
    ends the TLS with a certificate of its own for `host` (trust `ca_file`), records each request and
    answers 200 with `reply`. A CONNECT to any other host is refused (403)."""
    import socketserver

    cert, key = _certificate_for(host, folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen = Intercepted("", cert)

    class Tunnel(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(8192).decode("latin-1")
            while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                pass
            method, target = (line.split() + ["", ""])[:2]
            seen.connects.append(target)
            if method != "CONNECT" or target.split(":")[0] != host:
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            with context.wrap_socket(self.connection, server_side=True) as tls:
                stream = tls.makefile("rb")
                request = stream.readline(8192).decode("latin-1").split()
                headers: dict[str, str] = {}
                while (raw := stream.readline(8192)) not in (b"\r\n", b"\n", b""):
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip()] = value.strip()
                body = stream.read(int(headers.get("Content-Length") or 0))
                seen.posts.append(Posted(request[1] if len(request) > 1 else "", headers, body, time.time()))
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                            + str(len(reply)).encode() + b"\r\n\r\n" + reply)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Tunnel)
    seen.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
