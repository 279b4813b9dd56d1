"""WebSub publisher notifications: tell the hub which feeds changed, so it pushes them to subscribers.

WebSub (W3C Recommendation, section 7 leaves the publisher's ping to the hub's own rules; every hub
in use takes `hub.mode=publish&hub.url=<topic>` as a form POST): one POST per changed feed URL.
Best effort and bounded: each POST within `timeout` seconds, and the first failure stops the rest
(a hub that is down is not asked again for every feed); the caller logs one warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import requests

USER_AGENT = "msbrief-websub/1"


@dataclass
class HubNotice:
    """What notifying the hub did: the feed URLs it accepted, and why it stopped (one line), if it did."""

    hub: str
    notified: list[str] = field(default_factory=list)
    error: str = ""


def notify_hub(hub: str, topics: Sequence[str], *, timeout: float) -> HubNotice:
    """POST `hub.mode=publish` for each of `topics` (feed URLs) to `hub`; a 2xx reply is accepted."""
    notice = HubNotice(hub)
    with requests.Session() as session:
        for topic in topics:
            try:
                reply = session.post(hub, data={"hub.mode": "publish", "hub.url": topic}, timeout=(timeout, timeout),
                                     headers={"User-Agent": USER_AGENT}, allow_redirects=False)
            except requests.RequestException as exc:
                notice.error = f"WebSub hub {hub}: {type(exc).__name__} notifying {topic}"
                return notice
            if not 200 <= reply.status_code < 300:
                notice.error = f"WebSub hub {hub} answered HTTP {reply.status_code} notifying {topic}"
                return notice
            notice.notified.append(topic)
    return notice
