"""Atomic file writes into the public output directory.

A reader (a web server, a feed reader polling a file) never sees half a file: bytes go to a
temporary file in the same directory, are flushed to disk, then renamed over the target. A
rebuild that changes nothing touches nothing (modification times and ETags stay put). A file
that a build no longer produces is removed (`remove_unbuilt`), so nothing stale stays published.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

FILE_MODE = 0o644  # served files: world-readable (mkstemp creates 0600)
STALE_TEMP = 600.0  # seconds: a temp file this old was left by a writer that was killed


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (temp file, fsync, os.replace, fsync of the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms that cannot open directories
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files of `path` left by a killed writer (old enough not to be another writer's)."""
    if not path.parent.is_dir():
        return
    cutoff = time.time() - STALE_TEMP
    for temp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if temp.stat().st_mtime < cutoff:
                temp.unlink()
        except OSError:
            pass


def _target(out_dir: Path, relative: str) -> Path:
    rel = PurePosixPath(relative)
    if rel.is_absolute() or not rel.parts or ".." in rel.parts:
        raise ValueError(f"site file {relative!r}: expected a relative path inside the output directory")
    return out_dir.joinpath(*rel.parts)


def write_site(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write `files` (relative POSIX path -> bytes) under `out_dir`; the paths whose bytes changed, sorted."""
    out_dir = Path(out_dir)
    targets = {rel: _target(out_dir, rel) for rel in files}  # check every path before writing any
    for path in targets.values():
        _remove_stale_temps(path)
    changed = []
    for rel in sorted(files):
        path, data = targets[rel], files[rel]
        if path.is_file() and path.read_bytes() == data:
            continue
        atomic_write(path, data)
        changed.append(rel)
    return changed


def remove_unbuilt(out_dir: Path, files: Collection[str], *, pattern: str) -> list[str]:
    """Delete the files under `out_dir` matching `pattern` (a glob, `feeds/*.xml`) that `files` (the
    relative paths a build publishes) does not name: what an earlier build wrote and this one no
    longer builds. The relative paths removed."""
    out_dir = Path(out_dir)
    removed = []
    for path in sorted(out_dir.glob(pattern)):
        rel = path.relative_to(out_dir).as_posix()
        if rel not in files and path.is_file() and not path.name.startswith("."):  # .name.*.tmp: a writer's
            path.unlink()
            removed.append(rel)
    if removed:
        _fsync_dir(out_dir / PurePosixPath(pattern).parent)
    return removed
