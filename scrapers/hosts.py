"""Which hosts a source's HTTP client may contact, and which addresses they may resolve to.

A source is fetched from its own site (`SourceInfo.hosts`: its host, the www/non-www variant, a
CDN it really uses) or from a configured base URL elsewhere (the mirror, a proxy), whose host and
port are then the only ones allowed: the canonical hosts are rebased onto it
(`scrapers.normalise.rebase`). Any other host is refused for every request, redirect or not; a
link to it may be stored as a link, never fetched (SSRF: a page must not steer our requests).

Addresses that are not public (loopback, private, link-local, unspecified, multicast, reserved,
shared, and IPv6 forms embedding one: IPv4-mapped, 6to4, NAT64) are refused too, unless the
source's base URL is itself such an address (as the mirror's 127.0.0.1 is) or `localhost`.
`scrapers/connect.py` applies the address rule when it opens a connection.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapers.records import SourceInfo

DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCALHOST = "localhost"


def host_key(url: str) -> str:
    """`host` or `host:port` of an http(s) URL (the port only when not the scheme's default); "" if none.

    IPv6 hosts keep their brackets ("[::1]:8080"); names are lower-cased without a trailing dot.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in DEFAULT_PORTS or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    return host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"


def _entry_key(entry: str) -> str:
    """An allow-list entry ("www.gov.uk", "127.0.0.1:8123", "[::1]:80") in host_key's form."""
    entry = entry.strip().lower()
    return host_key(entry if "://" in entry else f"https://{entry}")


def non_public(address: str) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private"...); None if public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None:
            kind = non_public(str(embedded))
            return f"{kind} ({embedded} inside {ip})" if kind else None
    for kind, test in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if test:
            return kind
    return None if ip.is_global else "not globally reachable"


def is_address(host: str) -> bool:
    """Whether `host` is an IP address ("127.0.0.1", "::1", "[::1]") rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6), in the system resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class HostPolicy:
    """The hosts one client may contact, and whether they may be non-public addresses."""

    hosts: frozenset[str]
    private_ok: bool = False

    @classmethod
    def of(cls, hosts: Iterable[str], *, private_ok: bool = False) -> HostPolicy:
        """A policy allowing `hosts` ("www.gov.uk", "127.0.0.1:8123"); a bad entry is a ValueError."""
        keys = set()
        for entry in hosts:
            key = _entry_key(entry)
            if not key:
                raise ValueError(f"not a host name or host:port: {entry!r}")
            keys.add(key)
        return cls(frozenset(keys), private_ok)

    @classmethod
    def for_base(cls, base_url: str) -> HostPolicy:
        """Only the base URL's host and port; non-public addresses allowed if the base is one."""
        key = host_key(base_url)
        if not key:
            raise ValueError(f"not an http(s) URL with a host: {base_url!r}")
        host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
        private = host == LOCALHOST or host.endswith("." + LOCALHOST) or (
            is_address(host) and non_public(host) is not None)
        return cls(frozenset({key}), private)

    @classmethod
    def for_source(cls, info: SourceInfo, base_url: str) -> HostPolicy:
        """The source's own hosts when `base_url` is on one of them; else the base URL's host alone."""
        own = cls.of(info.hosts)
        if host_key(base_url) in own.hosts:
            return own
        return cls.for_base(base_url)

    def allows(self, url: str) -> bool:
        """Whether `url` is http(s) on one of the allowed hosts (addresses are checked on connecting)."""
        return host_key(url) in self.hosts

    def describe(self) -> str:
        """The allowed hosts for a message: "127.0.0.1:8123" or "assets.publishing.service.gov.uk, www.gov.uk"."""
        return ", ".join(sorted(self.hosts)) or "(none)"

    def address_refusal(self, host: str, addresses: Iterable[str]) -> str | None:
        """Why `host` may not be contacted at `addresses` (every one is checked); None if it may."""
        addresses = list(addresses)
        if not addresses:
            return f"{host!r} resolves to no address"
        if self.private_ok:
            return None
        for address in addresses:
            kind = non_public(address)
            if kind:
                shown = host if host == address else f"{host!r} resolves to {address}, which"
                return (f"{shown} is a {kind} address, and this source's base URL is not one: "
                        "private, loopback and link-local addresses are refused")
        return None
