"""The states of a dispatch (one thing sent: a kind and a key) and of each of its deliveries.

A dispatch is what msbrief sends once: ("briefing", "2026-W47"), ("release-alert", "2026-Q3").
Each of its deliveries is that thing to one address on one channel ("email" to
"staff@org.example", "webhook" to "https://hooks.org.example/..."). The store keeps these states
(store/deliveries.py); pipeline/dispatch.py drives them; readers and operators see them as words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one delivery stands. The commit point is the moment the receiver is told to take the
    message (SMTP: the final "." of DATA; a webhook: the request sent): past it, a crash or a lost
    reply leaves the delivery in doubt."""

    PENDING = "pending"  # to send
    SENDING = "sending"  # an owner holds it; the message is not complete yet (a crash here delivered nothing)
    COMMITTING = "committing"  # an owner passed the commit point and awaits the receiver's reply
    ACCEPTED = "accepted"  # the receiver took it (SMTP 2xx, HTTP 2xx)
    DEFERRED = "deferred"  # a transient refusal (SMTP 4xx, HTTP 429/5xx): tried again on the next run
    FAILED = "failed"  # not delivered (no connection, refused before the commit point): tried again
    REFUSED = "refused"  # a permanent refusal (SMTP 5xx): not tried again unless forced
    UNCONFIRMED = "unconfirmed"  # past the commit point with no reply: probably delivered; resent only if forced
    WITHDRAWN = "withdrawn"  # the address is no longer configured: never sent to (again)

    @property
    def terminal(self) -> bool:
        """True when no run sends this delivery again unless forced."""
        return self in TERMINAL

    @property
    def in_flight(self) -> bool:
        """True while an owner holds the delivery."""
        return self in (DeliveryState.SENDING, DeliveryState.COMMITTING)


TERMINAL = frozenset({DeliveryState.ACCEPTED, DeliveryState.REFUSED, DeliveryState.UNCONFIRMED,
                      DeliveryState.WITHDRAWN})
RETRYABLE = frozenset({DeliveryState.PENDING, DeliveryState.DEFERRED, DeliveryState.FAILED})


class DispatchState(StrEnum):
    """Where one dispatch stands, from its deliveries."""

    SENDING = "sending"  # some delivery is still to send or in flight
    SENT = "sent"  # every delivery accepted
    PARTIAL = "partial"  # every delivery settled, some not accepted (refused, unconfirmed, left to retry)
    EMPTY = "empty"  # recorded as having nothing to send (a briefing week with nothing new, not sent)


class Channel(StrEnum):
    """How a delivery reaches its address."""

    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Reply:
    """What the receiver said: a status code (SMTP or HTTP; None when there was no reply) and text."""

    code: int | None
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}" if self.code is not None else self.text
