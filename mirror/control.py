"""The control API over HTTP (/__mirror/log, /__mirror/faults, /__mirror/responses): what a test or a
benchmark in another process uses to set faults, change responses and read the request log.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mirror.manifest import CONTROL, MirrorError
from mirror.responses import Responder

if TYPE_CHECKING:
    from mirror.server import MirrorServer

log = logging.getLogger(__name__)

class ControlResponder(Responder):
    """Answers /__mirror/... with the control API of the MirrorServer behind it."""

    def _control(self) -> None:
        """Handle /__mirror/...; errors are a 400 with the reason as JSON."""
        route = urlsplit(self.path).path[len(CONTROL):].rstrip("/")
        try:
            payload = self._json_body()
            result = apply(self.server.mirror, self.command, route, payload)
        except MirrorError as exc:
            self._reply(400, {"error": str(exc)})
            return
        self._reply(200, result)

    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise MirrorError(f"control request body is not JSON: {raw[:200]!r}") from exc
        if not isinstance(data, dict):
            raise MirrorError(f"control request body must be a JSON object, got {data!r}")
        return data

    def _reply(self, status: int, data: Any) -> None:
        body = json.dumps(data, indent=1).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)



# the control API (also used by the HTTP handler)

def apply(mirror: MirrorServer, method: str, route: str, payload: dict[str, Any]) -> Any:
    """Apply one control request; the JSON-able result. MirrorError when it is not understood."""
    if route == "log" and method == "GET":
        return [entry.to_json() for entry in mirror.log]
    if route == "log" and method == "DELETE":
        mirror.clear_log()
        return {"ok": True}
    if route == "faults":
        return _faults(mirror, method, payload)
    if route == "responses":
        return _responses(mirror, method, payload)
    raise MirrorError(f"unknown control request {method} {CONTROL}{route}")

def _faults(mirror: MirrorServer, method: str, payload: dict[str, Any]) -> Any:
    if method == "GET":
        return mirror.faults
    if method == "DELETE":
        mirror.clear_faults(payload.get("path"))
        return {"ok": True}
    if method == "POST":
        options = {k: payload[k] for k in ("times", "retry_after", "delay", "size", "chunked", "drip",
                                           "content_type", "location") if k in payload}
        mirror.set_fault(_required(payload, "path"), str(_required(payload, "fault")), **options)
        return {"ok": True, "faults": mirror.faults}
    raise MirrorError(f"{method} {CONTROL}faults is not supported (GET, POST, DELETE)")

def _responses(mirror: MirrorServer, method: str, payload: dict[str, Any]) -> Any:
    if method == "DELETE":
        if "path" in payload:
            mirror.remove_response(payload["path"])
        else:
            mirror.reset_responses()
        return {"ok": True}
    if method == "POST":
        if "body_base64" in payload:
            body: bytes | str = base64.b64decode(payload["body_base64"])
        else:
            body = str(payload.get("body", ""))
        mirror.put_response(_required(payload, "path"), body, status=int(payload.get("status", 200)),
                          content_type=payload.get("content_type"), headers=payload.get("headers"),
                          last_modified=payload.get("last_modified"),
                          at=_moment(payload.get("at")))
        return {"ok": True}
    raise MirrorError(f"{method} {CONTROL}responses is not supported (POST, DELETE)")


def _moment(value: Any) -> float | None:
    """A staged response's moment: epoch seconds, or None for at once."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise MirrorError(f"'at' must be epoch seconds (a number), got {value!r}") from None


def _required(payload: dict[str, Any], name: str) -> Any:
    if name not in payload:
        raise MirrorError(f"control request needs {name!r}, got {payload!r}")
    return payload[name]
