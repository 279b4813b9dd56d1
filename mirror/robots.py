"""The host's robots.txt: each folder's rules under its own prefix, read by Protego (RFC 9309).

The mirror serves every folder on one host, so the host-level /robots.txt must keep each folder's
meaning: for every user-agent any folder names, each folder contributes the rules Protego would
apply to that agent on that folder alone (its own group, else its `*` group), prefixed with the
folder. Crawl-delay lines are not carried over (pacing is the client's setting).
"""

from __future__ import annotations

from pathlib import Path

from protego import Protego


def merged_robots(folders: list[Path]) -> bytes:
    """One host-level robots.txt keeping each folder's rules under its own prefix."""
    parsed = {f.name: Protego.parse((f / "robots.txt").read_text(encoding="utf-8", errors="replace"))
              for f in folders if (f / "robots.txt").is_file()}
    agents = sorted({agent for parser in parsed.values() for agent in _agents(parser)}, key=lambda a: (a == "*", a))
    lines = ["# merged by the msbrief mirror from each folder's robots.txt"]
    for agent in agents:
        lines.append(f"\nUser-agent: {agent}")
        for name, parser in parsed.items():
            for kind, path in _rules_for(parser, agent):
                lines.append(f"{kind}: /{name}{path}" if path.startswith("/") else f"{kind}: /{name}/{path}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _agents(parser: Protego) -> list[str]:
    """The user-agents a robots.txt names (Protego's rule sets; private names, read defensively)."""
    return list(getattr(parser, "_user_agents", {}))


def _rules_for(parser: Protego, agent: str) -> list[tuple[str, str]]:
    """(Allow|Disallow, path) of the group Protego applies to `agent` on this file, in file order."""
    rule_set = parser._get_matching_rule_set(agent)
    if rule_set is None:
        return []
    rules = sorted(rule_set._rules, key=lambda rule: rule_set._rules.index(rule))
    return [(rule.field.capitalize(), rule.value._pattern) for rule in rules]
