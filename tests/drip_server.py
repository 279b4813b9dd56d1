"""A loopback HTTP server that answers one byte at a time, for the deadline tests.

`DripServer(part="body")` sends the status line and headers at once, then the body one byte every
`interval` seconds; `part="headers"` drips the status line and headers themselves. It stops
dripping after `limit` seconds, when the client goes away, or when the server is closed. Paths in
`answers` (such as /robots.txt) are answered at once instead. Each dripping connection is recorded
(`connections`), with its path, an event set when it ended and the bytes it got.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

BODY_SIZE = 1_000_000  # declared, never reached: the drip is the point


@dataclass
class Connection:
    """One client connection: when it started, how many bytes it got, and when it ended."""

    started: float
    path: str = ""
    sent: int = 0
    ended_at: float | None = None
    ended: threading.Event = field(default_factory=threading.Event)


class DripServer:
    """Serve every request by dripping bytes; use as a context manager."""

    def __init__(self, *, part: str = "body", interval: float = 0.1, limit: float = 120.0,
                 answers: dict[str, bytes] | None = None) -> None:
        assert part in ("body", "headers")
        self.part, self.interval, self.limit = part, interval, limit
        self.answers = answers or {}
        self.connections: list[Connection] = []
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so that the accept loop sees `_stopping`
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            threading.Thread(target=self._serve, args=(sock, time.monotonic()), daemon=True).start()

    def _serve(self, sock: socket.socket, started: float) -> None:
        with sock:
            try:
                request = sock.recv(65536).split(b"\r\n", 1)[0].split()  # GET /path HTTP/1.1
            except OSError:
                return
            path = request[1].decode("latin-1") if len(request) > 1 else ""
            if path in self.answers:
                body = self.answers[path]
                head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                sock.sendall((head + "Connection: close\r\n\r\n").encode() + body)
                return
            conn = Connection(started=started, path=path)
            self.connections.append(conn)
            self._drip(sock, conn)

    def _drip(self, sock: socket.socket, conn: Connection) -> None:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {BODY_SIZE}\r\n"
                "X-Padding: " + "x" * 4000 + "\r\n\r\n").encode()
        try:
            if self.part == "body":
                sock.sendall(head)
                drip = b"." * BODY_SIZE
            else:
                drip = head
            deadline = time.monotonic() + self.limit
            for i in range(len(drip)):
                if self._stopping.wait(self.interval) or time.monotonic() > deadline:
                    break
                sock.sendall(drip[i:i + 1])
                conn.sent += 1
        except OSError:
            pass  # the client went away: that is what the tests wait for
        finally:
            conn.ended_at = time.monotonic()
            conn.ended.set()
