"""Run the mirror (mirror/server.py) in a process of its own, so its CPU is not counted as ours.

`MirrorProcess(root)` starts `python -m bench.mirror_proc ROOT`, which serves `root` on a free
loopback port until its stdin closes. The request log is read and cleared through the mirror's
control API (`/__mirror/log`), which is not itself logged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def fetch_log(base_url: str) -> list[dict[str, Any]]:
    """The mirror's request log (oldest first)."""
    with urllib.request.urlopen(f"{base_url}/__mirror/log", timeout=60) as resp:
        return json.loads(resp.read())


def clear_log(base_url: str) -> None:
    req = urllib.request.Request(f"{base_url}/__mirror/log", method="DELETE")
    with urllib.request.urlopen(req, timeout=60):
        pass


class MirrorProcess:
    """A mirror over `root` in a child process; use as a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> MirrorProcess:
        args = [sys.executable, "-m", "bench.mirror_proc", str(self.root)]
        self._proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.__exit__()
            raise RuntimeError(f"the mirror did not start over {self.root}: {line!r}")
        self.base_url = line
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def url_for(self, folder: str) -> str:
        return f"{self.base_url}/{folder}"


def _serve(root: str) -> None:
    import mirror

    server = mirror.MirrorServer(root, port=0).start()
    print(server.base_url, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    _serve(sys.argv[1])
