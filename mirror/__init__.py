"""The mirror: recorded source responses served over loopback HTTP, with faults on demand.

A tool of its own (it imports nothing of msbrief's): `msbrief demo` and `msbrief mirror serve`
point the sources at it, the tests replay the sources through it, the benchmarks serve their
corpus with it. The fixture format and the control API are in docs/CONTRACTS.md.

One job per module: `manifest` (the folders' recorded responses), `robots` (the host's merged
robots.txt, through Protego), `state` (faults and the request log), `responses` (conditional
responses and gzip), `faults`, `control` (the control API), `server` (the server and MirrorServer).
"""

from mirror.manifest import DEFAULT_LAST_MODIFIED, MirrorError, http_date, request_key
from mirror.server import MirrorServer, running_mirror

__all__ = ["DEFAULT_LAST_MODIFIED", "MirrorError", "MirrorServer", "http_date", "request_key", "running_mirror"]
