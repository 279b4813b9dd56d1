"""Connections that go only to checked addresses: the address half of scrapers/hosts.py's policy.

A requests adapter whose urllib3 connections resolve the host once (through an injectable
resolver), check every address it resolves to against the HostPolicy, and then connect to one of
exactly those addresses. Nothing resolves the name a second time, so there is no window for DNS
rebinding between the check and the connection (a re-check at connect time would still leave
one inside the library's own resolution). TLS still verifies the certificate against the host
name (urllib3 wraps the socket with server_hostname=the host), and pooled keep-alive connections
are reused only for the same scheme, host and port, having been checked when opened.

`Cutoff` ends one attempt at its deadline whatever the server does (a body or headers dripping a
byte at a time): when time is up it shuts down the socket of the connection the attempt is using.
"""

from __future__ import annotations

import errno
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

from scrapers.hosts import HostPolicy, is_address

Resolver = Callable[[str, int], list[str]]

_attempt = threading.local()  # the Cutoff of the attempt running in this thread, if any


class AddressRefused(Exception):
    """Raised inside a connection attempt: the host's addresses are not allowed. Never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections check and pin the addresses they connect to."""

    def __init__(self, policy: HostPolicy, resolve: Resolver, **kwargs: Any) -> None:
        self.policy = policy
        self.resolve = resolve
        super().__init__(**kwargs)  # calls init_poolmanager

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        opener = self._open

        class Guarded:
            """Checked addresses, and the running attempt's Cutoff watching the connection."""

            def _new_conn(self) -> socket.socket:
                return opener(self)  # type: ignore[arg-type]  # a mixin: self is the HTTPConnection below

            def request(self, *args: Any, **kwargs: Any) -> None:
                _watch(self)  # type: ignore[arg-type]  # a mixin: self is the HTTPConnection below
                super().request(*args, **kwargs)  # type: ignore[misc]  # HTTPConnection.request, after the mixin

        class Connection(Guarded, HTTPConnection):
            pass

        class SecureConnection(Guarded, HTTPSConnection):
            pass

        class Pool(HTTPConnectionPool):
            ConnectionCls = Connection

        class SecurePool(HTTPSConnectionPool):
            ConnectionCls = SecureConnection

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}

    def _open(self, conn: HTTPConnection) -> socket.socket:
        """Resolve, check every address, connect to the first checked one that answers."""
        host, port = conn.host, conn.port
        try:
            addresses = [host] if is_address(host) else self.resolve(host, port)
        except socket.gaierror as exc:
            raise NameResolutionError(host, conn, exc) from exc
        refusal = self.policy.address_refusal(host, addresses)
        if refusal:
            raise AddressRefused(refusal)
        error: OSError | None = None
        for address in addresses:
            try:
                return create_connection((address, port), conn.timeout, source_address=conn.source_address,
                                         socket_options=conn.socket_options)
            except OSError as exc:
                error = exc
        if isinstance(error, socket.timeout):
            raise ConnectTimeoutError(conn, f"Connection to {host} timed out. (connect timeout={conn.timeout})")
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


def _watch(conn: HTTPConnection) -> None:
    """Put `conn` under the Cutoff of the attempt running in this thread."""
    cutoff = getattr(_attempt, "cutoff", None)
    if cutoff is not None:
        cutoff.attach(conn)


class Cutoff:
    """A deadline for one attempt in this thread: at `seconds`, its connection's socket is shut down.

    Use as a context manager around the request and the reading of its body; afterwards `expired`
    says whether the attempt was cut (then a body that ended early is not complete: the caller
    must treat it as a deadline failure, never as a response).
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._conn: HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Cutoff:
        _attempt.cutoff = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _attempt.cutoff = None

    def attach(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conn = conn
            if self.expired:
                _shut(conn)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._conn is not None:
                _shut(self._conn)


def _shut(conn: HTTPConnection) -> None:
    """Unblock whoever reads `conn`: shutting the socket down ends a blocked recv at once."""
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


_ERRNO_WORDS = {errno.ECONNREFUSED: "connection refused", errno.ECONNRESET: "connection reset",
                errno.EHOSTUNREACH: "host unreachable", errno.ENETUNREACH: "network unreachable",
                errno.ETIMEDOUT: "connection timed out", errno.EPIPE: "connection closed"}


def network_reason(exc: BaseException) -> str:
    """What went wrong on the network, in a few words ("connection refused", "host name not found"),
    from the innermost cause of a requests/urllib3 error rather than its nested reprs."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) or type(current).__name__ == "NameResolutionError":
            return "host name not found"
        if isinstance(current, OSError) and current.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[current.errno]
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
        stack += [c for c in (current.__cause__, current.__context__, *current.args) if isinstance(c, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    text = str(exc).split(" (Caused by", 1)[0]
    return f"{type(exc).__name__}: {text}"[:200]
