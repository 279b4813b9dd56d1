"""What the handler threads share: responses, faults set per URL, and the request log, behind one lock.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mirror.manifest import FAULTS, Key, MirrorError, Recorded

log = logging.getLogger(__name__)

# -- faults and the log ------------------------------------------------------------------------


@dataclass
class Fault:
    """A misbehaviour served for one URL, `times` times (None: until cleared)."""

    fault: str
    times: int | None = None
    retry_after: float | str | None = None
    delay: float | None = None
    size: int | None = None
    chunked: bool = False
    drip: bool = False
    content_type: str | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise MirrorError(f"unknown fault {self.fault!r} (expected one of {', '.join(FAULTS)})")
        if self.times is not None and self.times < 1:
            raise MirrorError(f"fault times must be at least 1 (or omitted), got {self.times!r}")


@dataclass(frozen=True)
class LogEntry:
    """One request the mirror answered (`time`: when it arrived, epoch seconds)."""

    time: float
    method: str
    path: str
    status: int | None
    bytes: int
    conditional: bool
    fault: str | None = None
    user_agent: str = ""
    encoding: str | None = None
    duration: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class State:
    """Everything the handler threads share, behind one lock."""

    recorded: dict[Key, Recorded]
    folders: tuple[str, ...]
    log_file: Path | None = None
    responses: dict[Key, Recorded] = field(default_factory=dict)
    faults: dict[Key, Fault] = field(default_factory=dict)
    entries: list[LogEntry] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    gzip_cache: dict[bytes, bytes] = field(default_factory=dict)
    staged: dict[Key, tuple[float, Recorded]] = field(default_factory=dict)  # served from that epoch second on

    def __post_init__(self) -> None:
        self.responses = dict(self.recorded)

    def response(self, key: Key, now: float) -> Recorded | None:
        """The response for `key` at epoch second `now`: a staged one once its moment has come (it then
        replaces the response for good), else the current one (None: no such path)."""
        with self.lock:
            staged = self.staged.get(key)
            if staged is not None and staged[0] <= now:
                del self.staged[key]
                self.responses[key] = staged[1]
            return self.responses.get(key)

    def take_fault(self, key: Key) -> Fault | None:
        """The fault for `key`, used up by one when it has a count."""
        with self.lock:
            fault = self.faults.get(key)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    del self.faults[key]
            return fault

    def open_entry(self, entry: LogEntry) -> int:
        """Log a request as it arrives; its index, for `update_entry`."""
        with self.lock:
            self.entries.append(entry)
            return len(self.entries) - 1

    def update_entry(self, index: int, **changes: Any) -> None:
        """Record what is being sent, before it is sent (so a client never sees a stale log)."""
        with self.lock:
            if index < len(self.entries) and self.entries[index].time == changes.pop("arrived"):
                self.entries[index] = replace(self.entries[index], **changes)

    def close_entry(self, index: int, arrived: float) -> None:
        """Append the finished entry to the JSONL log file, if there is one."""
        if self.log_file is None:
            return
        with self.lock:
            entry = self.entries[index] if index < len(self.entries) else None
            if entry is not None and entry.time == arrived:
                with self.log_file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry.to_json()) + "\n")

    def gzipped(self, body: bytes) -> bytes:
        """gzip of `body`, deterministic (mtime 0) and cached by content."""
        digest = hashlib.sha1(body).digest()
        with self.lock:
            cached = self.gzip_cache.get(digest)
        if cached is None:
            cached = gzip.compress(body, mtime=0)
            with self.lock:
                self.gzip_cache[digest] = cached
        return cached
