"""A real SMTP server on loopback for the briefing tests: aiosmtpd with AUTH and STARTTLS (or TLS).

`smtp_server(tmp_path, ...)` starts one on a free port with a self-signed certificate made here
(the client trusts it through `cert_file`), records every message it accepts (envelope + bytes),
and can be told to refuse recipients (`refuse`) or to drop the connection instead of accepting
messages once it has accepted `accept_only` of them. `HoldingHandler` holds one message at DATA
until the test releases it: a slow server, driven by events. `KillingHandler` kills the client's
process group at one protocol point (a run killed mid-send).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import signal
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME = "briefing-bot"
PASSWORD = "s3cret-Pa55word!"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "msbrief test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None
    tls: bool

    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Handler:
    """Records accepted messages; refuses some recipients; can drop connections after N messages."""

    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 ..." reply
    accept_only: int | None = None  # after this many accepted messages, drop every connection at RCPT
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            server.transport.close()  # the connection drops mid-transaction, before any message is complete
            return "421 4.3.2 going away"
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
            self.messages.append(Received(
                envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content),
                login, session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            ))
            return f"250 2.0.0 queued as {len(self.messages)}"


class HoldingHandler(Handler):
    """Holds the first message to `recipient` at DATA (the whole message is with the server, its
    reply not yet sent) until `release` is set; `holding` is set when it arrives. The sending
    client then waits for the reply, as it would on a slow server."""

    def __init__(self, recipient: str, *, limit: float = 600.0) -> None:
        super().__init__()
        self.recipient, self.limit = recipient, limit
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.recipient in envelope.rcpt_tos and not self.holding.is_set():
            self.holding.set()
            # waited for in a thread: the server goes on answering other clients meanwhile
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, self.limit)
        return await super().handle_DATA(server, session, envelope)


class Authenticator:
    """Accepts exactly USERNAME / PASSWORD; remembers every attempt's outcome."""

    def __init__(self) -> None:
        self.attempts: list[bool] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USERNAME.encode() \
            and auth_data.password == PASSWORD.encode()
        self.attempts.append(ok)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    cert_file: Path
    handler: Handler
    authenticator: Authenticator
    scheme: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"


@contextmanager
def smtp_server(folder: Path, *, mode: str = "starttls", auth: bool = True,
                handler: Handler | None = None) -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1: mode "starttls" (smtp://), "ssl" (smtps://) or "plain" (no TLS offered).

    `handler` may be a Handler subclass that misbehaves on purpose (the crash tests kill the client from it).
    """
    cert_file, key_file = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler, authenticator = handler or Handler(), Authenticator()
    port = free_port()
    kwargs: dict[str, object] = {}
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif mode == "ssl":
        kwargs.update(ssl_context=context)
    if auth:
        # aiosmtpd only counts STARTTLS as TLS for AUTH; with implicit TLS the whole session is TLS anyway
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=mode == "starttls")
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        scheme = {"starttls": "smtp", "ssl": "smtps", "plain": "smtp"}[mode]
        yield SmtpServer(port, cert_file, handler, authenticator, scheme)
    finally:
        controller.stop()


class KillingHandler(Handler):
    """Kills the client's process group (SIGKILL, `victim`) at one protocol point of its n-th transaction:
    "rcpt" (nothing queued for it) or "data" (queued, before the client reads the 250); any other point never."""

    def __init__(self, point: str, nth: int) -> None:
        super().__init__()
        self.point, self.nth = point, nth
        self.victim: int | None = None
        self.rcpts = 0

    def _kill(self) -> None:
        if self.victim is not None:
            os.killpg(self.victim, signal.SIGKILL)
            self.victim = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        self.rcpts += 1
        if self.point == "rcpt" and self.rcpts == self.nth:
            self._kill()  # before the server answers RCPT: nothing queued
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await super().handle_DATA(server, session, envelope)  # the message is queued
        if self.point == "data" and len(self.messages) == self.nth:
            self._kill()  # ...but the client dies before it reads the 250
        return reply
