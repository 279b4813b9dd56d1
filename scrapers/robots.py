"""robots.txt as RFC 9309 says, through Protego (Scrapy's parser), behind a thin wrapper (no I/O here).

Protego decides: the longest (most specific) match wins, `allow` wins a tie, `*` and `$` work in
paths, groups naming our product token are merged, `*` is the fallback, percent-encoding is
compared alike and /robots.txt itself is always allowed. The wrapper adds what a message needs
(the rule that decided) and what the client needs (the Crawl-delay). `scrapers/http.py` fetches
robots.txt and turns the outcome into a `RobotsPolicy`:

- 2xx: the rules in the file;
- 4xx (404, 401, 403, 410...): "unavailable", everything is allowed (RFC 9309 2.3.1.3);
- 5xx, network failure, timeout, an oversized file: "unreachable", everything is disallowed for
  this client (RFC 9309 2.3.1.4). A client lives for one run of one source, so the source is
  reported failed and tried again next run.
- a redirect off the source's hosts (or a host resolving to a private address) is not followed:
  the request that needed robots.txt fails with HostNotAllowed, as it would itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from protego import Protego

# RFC 9309 2.5: crawlers should parse at least 500 KiB; anything after this is ignored.
MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(frozen=True)
class Verdict:
    """Whether a URL may be fetched, and the rule that decided it (None: no rule matched)."""

    allowed: bool
    rule: str | None
    reason: str


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules of one host's robots.txt as they apply to one product token."""

    parser: Any = None  # a Protego; None: no rules
    token: str = "*"
    crawl_delay: float | None = None
    disallow_all_reason: str | None = None
    source: str = "robots.txt"
    unreachable: tuple[int | None, str] | None = None  # robots.txt unreachable: (its HTTP status, the cause)

    @classmethod
    def allow_all(cls, why: str) -> RobotsPolicy:
        """A policy allowing everything (no robots.txt, or a 4xx for it)."""
        return cls(source=why)

    @classmethod
    def disallow_all(cls, why: str, *, status: int | None = None, cause: str = "") -> RobotsPolicy:
        """A policy refusing everything (robots.txt unreachable: 5xx, timeout, network error)."""
        return cls(disallow_all_reason=why, source=why, unreachable=(status, cause or why))

    def check(self, url: str) -> Verdict:
        """Decide whether `url` may be fetched, naming the rule that decided."""
        if re.match(r"^[a-z][a-z0-9+.-]*://[^/?#]*/robots\.txt$", url, re.I):
            return Verdict(True, None, "robots.txt itself is always allowed")
        if self.disallow_all_reason is not None:
            return Verdict(False, None, self.disallow_all_reason)
        if self.parser is None or self.parser.can_fetch(url, self.token):
            return Verdict(True, None, f"allowed by {self.source}")
        rule = _deciding_rule(self.parser, self.token, url)
        return Verdict(False, rule, f"disallowed by {self.source}" + (f" ({rule!r})" if rule else ""))


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent: 'msbrief/0.1 (+mailto:x)' -> 'msbrief'."""
    token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0]
    return token.lower()


def parse(text: str, user_agent: str, *, source: str = "robots.txt") -> RobotsPolicy:
    """The rules of robots.txt `text` that apply to `user_agent`'s product token (Protego parses)."""
    parser = Protego.parse(text[:MAX_ROBOTS_BYTES])
    token = product_token(user_agent)
    delay = parser.crawl_delay(token)
    return RobotsPolicy(parser=parser, token=token, crawl_delay=delay if delay is None or delay >= 0 else None,
                        source=source)


def _deciding_rule(parser: Protego, token: str, url: str) -> str | None:
    """The `Disallow: ...` line that refused `url`, for the message.

    Protego exposes only the verdict; the rule comes from its matched rule set (private names,
    read defensively: a Protego without them gives a message without the rule, never an error).
    """
    try:
        rule_set = parser._get_matching_rule_set(token)
        from protego._utils import _quote_path  # the form Protego matches in

        path = _quote_path(url)
        for rule in rule_set._rules if rule_set is not None else ():
            if rule.value.match(path):
                return f"{rule.field.capitalize()}: {rule.value._pattern}"
    except (AttributeError, ImportError, TypeError):
        return None
    return None
