"""A real Prefect server on loopback, and the processes around it, for the tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll `check` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL if it has not gone after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@dataclass(frozen=True)
class LiveServer:
    env: dict[str, str]  # the environment for its clients: PREFECT_API_URL, a PREFECT_HOME of their own
    log: Path  # everything the server printed
    database: str  # "sqlite" or "postgresql"


@contextmanager
def prefect_server(home: Path, *, database_url: str, settings: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """`prefect server start` on a free loopback port with its database at `database_url`, until the block ends."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MSBRIEF_")},
        "PREFECT_HOME": str(home / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        **(settings or {}),
    }
    env.pop("PREFECT_API_KEY", None)
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)

        def healthy() -> bool:
            if server.poll() is not None:
                pytest.fail(f"prefect server exited: {log_path.read_text()[-3000:]}")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            # 20-90 s on a loaded 2-core machine
            wait_until(healthy, timeout=240, what="the Prefect server to answer /api/health")
            yield LiveServer(env=env, log=log_path, database=database_url.split(":")[0].split("+")[0])
        finally:
            stop(server)


def api(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """A synchronous client of the server whose PREFECT_API_URL is in `env`."""
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(env["PREFECT_API_URL"])


def prefect(args: list[str], env: dict[str, str], *, cwd: Path) -> subprocess.CompletedProcess:
    """Run the `prefect` command line; fail the test with its output when it fails."""
    done = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"prefect {' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict]]]:
    """A loopback HTTP endpoint for Custom Webhook blocks: its URL, and the JSON bodies posted to it."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:  # quiet
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{hook.server_port}/hook", received
    finally:
        hook.shutdown()
        hook.server_close()


def save_webhook_block(env: dict[str, str], *, url: str, name: str) -> str:
    """A Custom Webhook notification block on the server that posts {"text": "<subject>: <body>"} to `url`; its id."""
    code = (
        "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B\n"
        f"print(B(name='msbrief', url={url!r}, json_data={{'text': '{{{{subject}}}}: {{{{body}}}}'}}).save({name!r}, overwrite=True))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


def save_secret_block(env: dict[str, str], *, name: str, value: str) -> None:
    """A Prefect Secret block `name` holding `value` on the server whose PREFECT_API_URL is in `env`."""
    code = f"from prefect.blocks.system import Secret\nSecret(value={value!r}).save({name!r}, overwrite=True)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr


def pool_template(env: dict[str, str], path: Path, *, variables: dict[str, str]) -> Path:
    """A process work pool's base job template with `variables` as its runs' environment (README's pool.json)."""
    import json

    template = json.loads(prefect(["work-pool", "get-default-base-job-template", "--type", "process"], env,
                                  cwd=path.parent).stdout)
    template["variables"]["properties"]["env"]["default"] = variables
    path.write_text(json.dumps(template))
    return path
