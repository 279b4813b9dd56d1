"""The mirror: recorded source responses served over loopback HTTP, with faults on demand.

A tool of its own (it imports nothing of msbrief's): `msbrief demo` and `msbrief mirror serve`
point the sources at it, the tests replay the sources through it, the benchmarks serve their
corpus with it. The fixture format and the control API are in docs/CONTRACTS.md.
"""

from mirror.server import (
    DEFAULT_LAST_MODIFIED,
    MirrorError,
    MirrorServer,
    http_date,
    request_key,
    running_mirror,
)

__all__ = ["DEFAULT_LAST_MODIFIED", "MirrorError", "MirrorServer", "http_date", "request_key", "running_mirror"]
