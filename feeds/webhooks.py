"""Webhooks through Apprise: one message (a title and a Markdown body) to Slack, Teams, a JSON POST, ...

Apprise (one well-kept library for about a hundred services) turns an Apprise URL into the
service's request: `slack://TokenA/TokenB/TokenC/#channel`, `workflows://HOST/WORKFLOW/SIGNATURE`
(Microsoft Teams through Power Automate), `json://host:port/path` (a generic JSON POST:
{"version", "title", "message", "type"}), `jsons://` for HTTPS. Its URLs hold the services'
secrets, so a webhook is stored and shown by its `address`: Apprise's private form of the URL
(tokens masked) and a short hash of the whole URL, never the URL itself.

The commit point of a webhook is the request sent: Apprise sends it in one call, so the caller's
`commit()` runs just before that call. What came of it is read from Apprise's own log lines for
this thread (Apprise returns only True or False): an HTTP status (2xx accepted, 429 and 5xx
deferred, other 4xx refused), a connection never made (failed: nothing was sent, tried again), or
a connection lost after the request went out (unconfirmed: probably delivered, never resent).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import apprise
from apprise.plugins.slack import NotifySlack

from vocabulary.deliveries import DeliveryState, Reply

log = logging.getLogger(__name__)

_STATUS = re.compile(r"error=(\d{3})\b")
# requests' words for a connection that was never made: nothing reached the receiver
_NOT_CONNECTED = re.compile(r"NewConnectionError|Failed to establish a new connection|ConnectTimeout|"
                            r"Connection refused|Name or service not known|No route to host|nodename nor servname")


class WebhookError(ValueError):
    """A webhook setting Apprise cannot use; one line naming it by its private form."""


@dataclass(frozen=True)
class Webhook:
    """One configured webhook: its Apprise URL (secret) and the address stored and shown for it."""

    url: str = field(repr=False)
    address: str


def webhook(url: str) -> Webhook:
    """A configured Apprise URL as a Webhook; WebhookError when Apprise does not know it."""
    plugin = apprise.Apprise.instantiate(url.strip())
    if not plugin:
        scheme = url.strip().partition("://")[0]
        raise WebhookError(f"MSBRIEF_RELEASE_WEBHOOKS: {scheme + '://…'!r} is not an Apprise URL Apprise can use "
                           "(expected e.g. slack://…, workflows://… for Teams, json://host/path or jsons://host/path)")
    digest = hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:12]
    return Webhook(url.strip(), f"{plugin.url(privacy=True)} #{digest}")


def webhooks(urls: list[str]) -> list[Webhook]:
    """Every configured webhook, each once (the first spelling kept)."""
    found: dict[str, Webhook] = {}
    for url in urls:
        hook = webhook(url)
        found.setdefault(hook.address, hook)
    return list(found.values())


# -- what Apprise said, for this thread -----------------------------------------------------------


class _Capture(logging.Filter):
    """On Apprise's logger: hands each record to the capture of the thread that logged it, and keeps
    the records this module turned on (DEBUG, INFO) out of the application's log."""

    def __init__(self, passes: int) -> None:
        super().__init__()
        self.passes = passes  # the level Apprise's records had to reach before this module lowered it
        self.lines: dict[int, list[str]] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self.lock:
            lines = self.lines.get(record.thread or 0)
        if lines is not None:
            lines.append(record.getMessage())
        return record.levelno >= self.passes


_capture: _Capture | None = None
_install = threading.Lock()


def _captured() -> _Capture:
    """The one capture on Apprise's logger, installed on first use."""
    global _capture
    with _install:
        if _capture is None:
            logger = logging.getLogger(apprise.logger.name)
            _capture = _Capture(logger.getEffectiveLevel())
            logger.addFilter(_capture)
            logger.setLevel(logging.DEBUG)  # its socket errors are DEBUG lines: they tell sent from not sent
        return _capture


def verdict(sent: bool, lines: list[str]) -> tuple[DeliveryState, Reply]:
    """The state of a delivery from Apprise's answer and its log lines for the attempt."""
    said = " ".join(lines)
    if sent:
        return DeliveryState.ACCEPTED, Reply(None, "accepted (HTTP 2xx)")
    status = _STATUS.search(said)
    last = next((line for line in reversed(lines) if line.strip()), "no reason given")[:300]
    if status:
        code = int(status[1])
        state = DeliveryState.DEFERRED if code == 429 or code >= 500 else DeliveryState.REFUSED
        return state, Reply(code, _warning(lines) or last)
    if "Socket Exception" in said or "Connection error" in said:
        if _NOT_CONNECTED.search(said):
            return DeliveryState.FAILED, Reply(None, f"no connection: {last}")
        return DeliveryState.UNCONFIRMED, Reply(None, f"the request went out and no reply came back ({last}): it was "
                                                      "probably delivered, so it is not sent again (msbrief release-alert --force resends)")
    return DeliveryState.FAILED, Reply(None, f"not sent: {last}")


def _warning(lines: list[str]) -> str:
    return next((line for line in lines if "error=" in line), "")[:300]


@dataclass
class WebhookSender:
    """Sends one message to webhooks, each within `timeout` seconds to connect and to read the reply:
    `body` in Markdown, or `slack_body` in Slack's own mrkdwn to Slack (Apprise passes it on as it is)."""

    title: str
    body: str
    slack_body: str = ""
    timeout: float = 10.0
    app_id: str = "msbrief"

    def send(self, hook: Webhook, *, commit: Callable[[], bool]) -> tuple[DeliveryState, Reply]:
        """Send to `hook`; `commit()` just before the request (a False stops it: nothing is sent)."""
        asset = apprise.AppriseAsset(app_id=self.app_id, app_desc="msbrief release-day message")
        plugin = apprise.Apprise.instantiate(hook.url, asset=asset)
        if not plugin:
            return DeliveryState.REFUSED, Reply(None, "not an Apprise URL Apprise can use")
        plugin.socket_connect_timeout = plugin.socket_read_timeout = self.timeout
        capture = _captured()
        me = threading.get_ident()
        lines: list[str] = []
        with capture.lock:
            capture.lines[me] = lines
        try:
            if not commit():
                return DeliveryState.FAILED, Reply(None, "not sent: this run no longer holds the delivery")
            slack = isinstance(plugin, NotifySlack) and bool(self.slack_body)
            sent = bool(plugin.notify(body=self.slack_body if slack else self.body, title=self.title,
                                      body_format=apprise.NotifyFormat.MARKDOWN))
        finally:
            with capture.lock:
                capture.lines.pop(me, None)
        state, reply = verdict(sent, lines)
        level = logging.INFO if state == DeliveryState.ACCEPTED else logging.WARNING
        log.log(level, "webhook %s: %s (%s)", hook.address, state, reply)
        return state, reply
