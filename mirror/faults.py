"""Faults on demand: 429/503/500, slow or dripping answers, resets, truncated and oversized bodies,
wrong types and redirects off the host (the module doc of mirror/server.py lists them).
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import replace

from mirror.manifest import Recorded
from mirror.responses import Responder
from mirror.state import Fault

log = logging.getLogger(__name__)

class FaultResponder(Responder):
    """Misbehaves for a URL as the fault set for it says."""

    def _serve_fault(self, fault: Fault, recorded: Recorded) -> None:
        """Misbehave as `fault` says for this one request."""
        name = fault.fault
        self._note(None, 0, name)
        if name in ("429", "503", "500"):
            headers = {"Content-Type": "text/plain; charset=utf-8"}
            retry_after = fault.retry_after if fault.retry_after is not None else (1 if name == "429" else None)
            if retry_after is not None and name != "500":
                headers["Retry-After"] = str(int(retry_after)) if isinstance(retry_after, (int, float)) else retry_after
            self._send(int(name), headers, f"mirror fault {name}\n".encode(), fault=name)
        elif name == "slow":
            self._serve_slow(fault, recorded)
        elif name == "reset":
            self._reset()
        elif name == "truncate":
            self._serve_truncated(recorded)
        elif name == "oversize":
            self._serve_oversize(fault, recorded)
        elif name == "wrong_type":
            other = "text/html; charset=utf-8" if "html" not in recorded.content_type else "application/octet-stream"
            self._serve_recorded(replace(recorded, content_type=fault.content_type or other), fault=name)
        elif name == "redirect_offhost":
            location = fault.location or f"http://offhost.invalid{self.path}"
            self._send(302, {"Location": location, "Content-Type": "text/plain"}, b"moved\n", fault=name)

    def _serve_slow(self, fault: Fault, recorded: Recorded) -> None:
        delay = 2.0 if fault.delay is None else float(fault.delay)
        if not fault.drip:
            if self.state.stopping.wait(delay):
                return
            self._serve_recorded(recorded, fault="slow")
            return
        body = recorded.body or b"." * 64
        headers = self._entity_headers(recorded)
        self._send(recorded.status, headers, b"", fault="slow", declared=len(body))
        pieces = [body[i:i + max(1, len(body) // 10)] for i in range(0, len(body), max(1, len(body) // 10))]
        sent = 0
        for piece in pieces:
            if self.state.stopping.wait(delay / len(pieces)):
                break
            sent += len(piece)
            self._note(recorded.status, sent, "slow")
            self.wfile.write(piece)
            self.wfile.flush()

    def _reset(self) -> None:
        """Abort the connection with a TCP RST and no response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _serve_truncated(self, recorded: Recorded) -> None:
        body = recorded.body or b"." * 64
        cut = body[: max(1, len(body) // 2)]
        self._send(recorded.status, self._entity_headers(recorded), cut, fault="truncate", declared=len(body))
        self.close_connection = True

    def _serve_oversize(self, fault: Fault, recorded: Recorded) -> None:
        size = 21_000_000 if fault.size is None else int(fault.size)
        self.send_response(200)
        self.send_header("Content-Type", recorded.content_type)
        if fault.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self._note(200, 0, "oversize")
        self.end_headers()
        self.close_connection = True
        sent, block = 0, b"x" * 65536
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            sent += len(piece)
            self._note(200, sent, "oversize")
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if fault.chunked else piece)
        if fault.chunked:
            self.wfile.write(b"0\r\n\r\n")

    # the control API
