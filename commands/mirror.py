"""`msbrief mirror serve`: the offline mirror of the sources on a loopback port."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from commands.run import DEMO_CORPUS as DEFAULT_ROOT

DEFAULT_PORT = 8765


def register(sub: argparse._SubParsersAction) -> None:
    """Add `mirror serve` to the `msbrief` command."""
    mirror = sub.add_parser("mirror", help="the offline mirror of the sources (recorded pages over loopback HTTP)")
    actions = mirror.add_subparsers(dest="mirror_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the recorded responses on 127.0.0.1 until Ctrl-C",
        description=(
            "Serve every folder under ROOT that has a mirror.json at http://127.0.0.1:PORT/<folder>/ "
            "(format in docs/CONTRACTS.md), with ETag/Last-Modified, 304s, gzip, a request log and "
            "faults on demand (POST /__mirror/faults). Point a source at it with "
            "MSBRIEF_<SOURCE>_BASE_URL=http://127.0.0.1:PORT/<folder>."
        ),
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one and prints it)")
    serve.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                       help="folder of mirror folders, or one mirror folder (default: the repository's tests/fixtures)")
    serve.add_argument("--log", type=Path, default=None, metavar="FILE",
                       help="also append every request to FILE as JSON lines")
    serve.set_defaults(handler=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    """Run the mirror in the foreground; exit 0 on Ctrl-C or SIGTERM, 2 if it cannot start."""
    from mirror import MirrorError, MirrorServer

    try:
        server = MirrorServer(args.root, port=args.port, log_file=args.log).start()
    except (MirrorError, OSError) as exc:
        print(f"msbrief mirror: cannot serve {str(args.root)!r} on port {args.port!r}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"mirror of {args.root} at {server.base_url}/ (Ctrl-C to stop)")
        for folder in server.folders:
            print(f"  {folder:<24} {server.url_for(folder)}")
        sys.stdout.flush()
        _wait(stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    print("mirror stopped")
    return 0


def _wait(stop: threading.Event) -> None:
    """Block until SIGTERM sets `stop` or Ctrl-C interrupts."""
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
