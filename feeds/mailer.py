"""SMTP delivery with the standard library: one message per recipient, one result per recipient.

URLs: ``smtps://host:465`` (TLS from the start), ``smtp://host:587`` (STARTTLS, required: a
server that does not offer it is an error, never a fallback to clear text), ``smtp+plain://host:25``
(no TLS; loopback hosts only, for tests). AUTH (LOGIN/PLAIN, as smtplib picks) when a username is
set. Each recipient gets its own SMTP transaction (MAIL/RCPT/DATA) on a shared connection, so one
refusal does not affect the others; a dropped connection is re-opened for the next recipient.

Replies follow RFC 5321: any 2xx is success, 4xx a transient refusal (deferred: tried again on
the next run), 5xx a permanent one (refused). The final "." of DATA is the commit point: the reply
to it is awaited for `reply_timeout` (RFC 5321 4.5.3.2.6 suggests 10 minutes: servers scan content
first); a reply that never comes (the connection dropped or the wait ran out) or that is no
standard reply (251 is 2xx; garbage, 1xx, 3xx) leaves the delivery "unconfirmed", never refused.

The password never appears in a log line, an exception or a result: every error text is scrubbed
of the username and password (and their base64 forms, as AUTH sends them) before it leaves here.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlsplit

from vocabulary.deliveries import DeliveryState, Reply

log = logging.getLogger(__name__)

Mode = Literal["ssl", "starttls", "plain"]
_SCHEMES: dict[str, tuple[Mode, int]] = {"smtps": ("ssl", 465), "smtp": ("starttls", 587), "smtp+plain": ("plain", 25)}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")  # SMTP dot-stuffing (RFC 5321 4.5.2)


class MailerError(Exception):
    """The SMTP settings are unusable (bad URL, no STARTTLS, ...). Never carries credentials."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. `password` is left out of repr; `ssl_context` overrides `ca_file`."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    reply_timeout: float = 600.0  # seconds to wait for the reply to the final "." of DATA
    ca_file: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def endpoint(self) -> tuple[Mode, str, int]:
        """(mode, host, port) from the URL; MailerError naming what is wrong."""
        return parse_smtp_url(self.url)


def parse_smtp_url(url: str) -> tuple[Mode, str, int]:
    """(mode, host, port) of an smtp://, smtps:// or smtp+plain:// URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MailerError(f"SMTP URL {_redact_url(url)!r} is not a URL: {exc}") from None
    if parts.scheme not in _SCHEMES:
        raise MailerError(
            f"SMTP URL scheme {parts.scheme!r} is not supported: expected smtps://host:465, "
            "smtp://host:587 (STARTTLS) or smtp+plain://127.0.0.1:PORT (loopback tests only)"
        )
    if parts.username or parts.password:
        raise MailerError(
            "SMTP URL contains credentials: put them in MSBRIEF_SMTP_USERNAME / MSBRIEF_SMTP_PASSWORD "
            "(or a Prefect Secret block) instead"
        )
    host = parts.hostname or ""
    if not host:
        raise MailerError(f"SMTP URL {url!r} has no host")
    mode, default_port = _SCHEMES[parts.scheme]
    if mode == "plain" and host not in _LOOPBACK:
        raise MailerError(f"smtp+plain:// sends in clear text and is allowed on loopback only, not {host!r}")
    return mode, host, port or default_port


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password or parts.username:
        return parts._replace(netloc=f"***@{parts.hostname or ''}").geturl()
    return url


@dataclass(frozen=True)
class SendResult:
    """What became of one message to one recipient: a delivery state, the SMTP code (None when the
    server gave none) and the reply or what went wrong (never credentials)."""

    recipient: str
    status: DeliveryState
    code: int | None
    text: str

    @property
    def reply(self) -> Reply:
        return Reply(self.code, self.text)

    @property
    def response(self) -> str:
        """The reply as one line: "250 2.0.0 queued as 1"."""
        return str(self.reply)

    @property
    def permanent(self) -> bool:
        """True for a 5xx refusal: sending again will not help."""
        return self.status == DeliveryState.REFUSED


def verdict(code: int) -> DeliveryState:
    """The state a reply code gives a delivery (RFC 5321 4.2.1): 2xx accepted, 4xx deferred, 5xx refused."""
    if 200 <= code < 300:
        return DeliveryState.ACCEPTED
    if 400 <= code < 500:
        return DeliveryState.DEFERRED
    if 500 <= code < 600:
        return DeliveryState.REFUSED
    return DeliveryState.FAILED  # no standard reply before the commit point: nothing was delivered


class _Unconfirmed(Exception):
    """The message was committed and no standard reply came back: (code or None, what happened)."""


class _Abandoned(Exception):
    """The run no longer holds the delivery: the transaction stops before the final "."."""


class _Rejected(Exception):
    def __init__(self, code: int, text: str, stage: str):
        super().__init__(code, text)
        self.code, self.text, self.stage = code, text, stage


class Mailer:
    """One SMTP session used for many messages. Use as a context manager."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self.mode, self.host, self.port = config.endpoint()
        self._smtp: smtplib.SMTP | None = None
        self._connect_error: str | None = None  # a failed connect/TLS/AUTH: not retried this session

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """QUIT and drop the connection (quietly: the messages are already sent or recorded)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, message: EmailMessage, recipient: str, *,
             commit: Callable[[], bool] | None = None) -> SendResult:
        """Send `message` to `recipient` alone (envelope RCPT TO), in its own SMTP transaction.

        `commit` is called once the whole message has been sent, just before the final "." that
        makes the server take it (after that point a crash leaves the delivery in doubt); when it
        returns False the transaction is abandoned without the "." (nothing is delivered).
        """
        if self._connect_error:
            return SendResult(recipient, DeliveryState.FAILED, None, self._connect_error)
        try:
            smtp = self._session()
        except (smtplib.SMTPException, OSError, MailerError) as exc:
            self._connect_error = f"could not open an SMTP session with {self.host}:{self.port}: {self._describe(exc)}"
            return self._log(SendResult(recipient, DeliveryState.FAILED, None, self._connect_error))
        sender = parseaddr(str(message.get("From", "")))[1]
        try:
            code, text = self._transaction(smtp, message, sender, recipient, commit)
        except _Rejected as exc:
            text = self._scrub(f"{exc.text} (at {exc.stage})")
            state = verdict(exc.code) if exc.stage != "MAIL FROM" else DeliveryState.FAILED
            if exc.code == 421 or exc.stage in ("MAIL FROM", "end of DATA"):
                # the server is closing, or refuses our sender (not about this recipient), or the
                # transaction is over: start the next one on a fresh connection
                self._drop()
            else:
                self._reset(smtp)
            result = SendResult(recipient, state, exc.code, text)
        except _Unconfirmed as exc:
            self._drop()
            result = SendResult(recipient, DeliveryState.UNCONFIRMED, exc.args[0], self._scrub(exc.args[1]))
        except _Abandoned:
            self._drop()  # without the final ".": the server discards the message
            result = SendResult(recipient, DeliveryState.FAILED, None,
                                "not sent: this run no longer holds the delivery (another run took it over)")
        except (smtplib.SMTPException, OSError) as exc:
            result = SendResult(recipient, DeliveryState.FAILED, None, self._describe(exc))  # the code is in the text
            self._drop()
        else:
            result = SendResult(recipient, DeliveryState.ACCEPTED, code, self._scrub(text))
        return self._log(result)

    # -- internals --------------------------------------------------------------------------

    def _session(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        cfg = self.config
        context = cfg.ssl_context or ssl.create_default_context(cafile=cfg.ca_file or None)
        if self.mode == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if self.mode == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailerError(
                        f"the server at {self.host}:{self.port} does not offer STARTTLS; refusing to send "
                        "in clear text (smtp:// requires STARTTLS)"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                if not smtp.has_extn("auth"):
                    raise MailerError(f"the server at {self.host}:{self.port} does not offer AUTH, but a username is set")
                smtp.login(cfg.username, cfg.password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _transaction(self, smtp: smtplib.SMTP, message: EmailMessage, sender: str, recipient: str,
                     commit: Callable[[], bool] | None = None) -> tuple[int, str]:
        payload = message.as_bytes(policy=policy.SMTP)
        code, resp = smtp.mail(sender)
        if not 200 <= code < 300:
            raise _Rejected(code, resp.decode(errors="replace"), "MAIL FROM")
        code, resp = smtp.rcpt(recipient)
        if not 200 <= code < 300:
            raise _Rejected(code, resp.decode(errors="replace"), "RCPT TO")
        # smtplib's data(), split so that `commit` runs between the body and the final ".".
        smtp.putcmd("data")
        code, resp = smtp.getreply()
        if code != 354:
            raise _Rejected(code, resp.decode(errors="replace"), "DATA")
        body = _DOT_AT_LINE_START.sub(b"..", payload)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)
        if commit is not None and not commit():
            raise _Abandoned()
        smtp.send(b".\r\n")
        return self._final_reply(smtp)

    def _final_reply(self, smtp: smtplib.SMTP) -> tuple[int, str]:
        """The reply to the final ".": past the commit point, anything but a standard reply is unconfirmed."""
        if smtp.sock is not None:
            smtp.sock.settimeout(self.config.reply_timeout)
        try:
            code, resp = smtp.getreply()
        except smtplib.SMTPServerDisconnected as exc:  # smtplib's word for a dropped connection and a timeout
            raise _Unconfirmed(None, f"no reply to the end of the message ({exc}): it was probably delivered, "
                                     "so it is not sent again (use --force to resend)") from None
        finally:
            if smtp.sock is not None:
                smtp.sock.settimeout(self.config.timeout)
        text = resp.decode(errors="replace")
        if 200 <= code < 300:
            return code, text
        if 400 <= code < 600:
            raise _Rejected(code, text, "end of DATA")
        shown = f"{code} {text}" if code >= 0 else repr(text[:200])
        raise _Unconfirmed(code if code >= 0 else None,
                           f"the server's reply to the end of the message is no standard reply ({shown}): it was "
                           "probably delivered, so it is not sent again (use --force to resend)")

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, smtplib.SMTPResponseException):
            err = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            text = f"{type(exc).__name__}: {exc.smtp_code} {err}"
        else:
            text = f"{type(exc).__name__}: {exc}"
        return self._scrub(text)

    def _scrub(self, text: str) -> str:
        """`text` with the username, the password and their AUTH encodings replaced by ***."""
        user, password = self.config.username, self.config.password
        secrets = []
        if password:
            secrets += [password, _b64(password), _b64(f"\0{user}\0{password}"), _b64(f"{user}\0{user}\0{password}")]
        if len(user) >= 3:
            secrets += [user, _b64(user)]
        for secret in sorted(set(secrets), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def _log(result: SendResult) -> SendResult:
        level = logging.INFO if result.status == DeliveryState.ACCEPTED else logging.WARNING
        log.log(level, "mail to %s: %s (%s)", result.recipient, result.status, result.response)
        return result


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
