"""robots.txt parsing and matching as RFC 9309 describes it (no I/O here).

The standard library's `urllib.robotparser` applies the first matching rule and knows no
wildcards; RFC 9309 wants the longest (most specific) match, `allow` winning a tie, `*` and `$`
in paths, and the rules of every group naming our product token merged. `scrapers/http.py`
fetches robots.txt and turns the outcome into a `RobotsPolicy`:

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
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

# RFC 9309 2.5: crawlers should parse at least 500 KiB; anything after this is ignored.
MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(frozen=True)
class Rule:
    """One `allow` or `disallow` line of a group."""

    allow: bool
    path: str
    pattern: re.Pattern[str]

    @property
    def line(self) -> str:
        return f"{'Allow' if self.allow else 'Disallow'}: {self.path}"


@dataclass(frozen=True)
class Verdict:
    """Whether a URL may be fetched, and the rule that decided it (None: no rule matched)."""

    allowed: bool
    rule: str | None
    reason: str


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules that apply to one product token on one host."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float | None = None
    disallow_all_reason: str | None = None
    source: str = "robots.txt"

    @classmethod
    def allow_all(cls, why: str) -> RobotsPolicy:
        """A policy allowing everything (no robots.txt, or a 4xx for it)."""
        return cls(source=why)

    @classmethod
    def disallow_all(cls, why: str) -> RobotsPolicy:
        """A policy refusing everything (robots.txt unreachable: 5xx, timeout, network error)."""
        return cls(disallow_all_reason=why, source=why)

    def check(self, url: str) -> Verdict:
        """Decide whether `url` may be fetched, naming the rule that decided."""
        parts = urlsplit(url)
        target = _normalise_path(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if parts.path == "/robots.txt":
            return Verdict(True, None, "robots.txt itself is always allowed")
        if self.disallow_all_reason is not None:
            return Verdict(False, None, self.disallow_all_reason)
        best: Rule | None = None
        for rule in self.rules:
            if not rule.pattern.match(target):
                continue
            if best is None or len(rule.path) > len(best.path) or (
                len(rule.path) == len(best.path) and rule.allow and not best.allow
            ):
                best = rule
        if best is None or best.allow:
            return Verdict(True, best.line if best else None, f"allowed by {self.source}")
        return Verdict(False, best.line, f"disallowed by {self.source} ({best.line!r})")


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent: 'msbrief/0.1 (+mailto:x)' -> 'msbrief'."""
    token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0]
    return token.lower()


def parse(text: str, user_agent: str, *, source: str = "robots.txt") -> RobotsPolicy:
    """Parse robots.txt `text` and keep the rules applying to `user_agent`'s product token.

    Groups naming the token (case-insensitively) are merged; if none does, the `*` groups are
    merged; if there are neither, everything is allowed.
    """
    groups = _groups(text[:MAX_ROBOTS_BYTES])
    token = product_token(user_agent)
    chosen = [g for g in groups if token in g.agents] or [g for g in groups if "*" in g.agents]
    rules = tuple(rule for g in chosen for rule in g.rules)
    delays = [g.crawl_delay for g in chosen if g.crawl_delay is not None]
    return RobotsPolicy(rules=rules, crawl_delay=max(delays) if delays else None, source=source)


def _groups(text: str) -> list[_Group]:
    """Split robots.txt into groups: consecutive user-agent lines, then their rules."""
    groups: list[_Group] = []
    current: _Group | None = None
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is None or in_rules:
                current = _Group()
                groups.append(current)
                in_rules = False
            current.agents.append(value.lower())
        elif key in ("allow", "disallow") and current is not None:
            in_rules = True
            if value:  # an empty rule matches nothing (RFC 9309 2.2.2)
                current.rules.append(_rule(key == "allow", value))
        elif key == "crawl-delay" and current is not None:
            in_rules = True
            current.crawl_delay = _float_or_none(value)
    return groups


def _rule(allow: bool, path: str) -> Rule:
    """Compile a rule path: `*` matches any run of characters, a final `$` anchors the end."""
    path = _normalise_path(path)
    anchored = path.endswith("$")
    body = path[:-1] if anchored else path
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return Rule(allow, path, re.compile(regex + ("$" if anchored else "")))


def _normalise_path(path: str) -> str:
    """Percent-encode what needs it and upper-case escapes, so the two sides compare alike."""
    encoded = quote(path, safe="/?*$=&;:@!,'()+~-._%")
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), encoded)


def _float_or_none(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 else None
