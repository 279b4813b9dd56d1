"""Issue 13's targets, measured on the real `msbrief` command in subprocesses.

- `msbrief demo`, first and second cycle, in a fresh temporary directory, then a third cycle with
  PYTHONDONTWRITEBYTECODE=1 (as in many container images: only the bytecode compiled at set-up
  is read): wall time (and the CPU time of the command, from the kernel's accounting of finished
  children);
- `msbrief --help`: the median wall time of HELP_RUNS runs;
- `msbrief serve` idle: an operator's `prefect server start` on a free loopback port (its own
  PREFECT_HOME in a temporary directory, analytics off), PREFECT_API_URL pointing at it, then
  `msbrief serve`; once its deployments are registered it idles SERVE_IDLE seconds while the
  resident memory of the serve process and all its descendants is summed every second. The
  Prefect server is the operator's, not serve's, so its memory is not counted (it is shown apart).

Every process started here is ended by its own process group id. The load average is recorded
before and after each measurement: wall times on a busy shared machine are longer than on an idle one.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MSBRIEF = Path(sys.executable).with_name("msbrief")
PREFECT = Path(sys.executable).with_name("prefect")
HELP_RUNS = 7
SERVE_IDLE = 30.0  # seconds of idling measured once the deployments are registered
SERVER_START_TIMEOUT = 300.0  # a Prefect server takes 20-90 s to start on a busy 2-core machine
REGISTER_TIMEOUT = 300.0
PAGE = os.sysconf("SC_PAGE_SIZE")


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without msbrief's or Prefect's settings (a fresh operator's shell), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSBRIEF_", "PREFECT_"))}
    return {**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(args: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run a command to its end; wall and CPU seconds, exit code, load average before and after."""
    before, load0 = resource.getrusage(resource.RUSAGE_CHILDREN), load()
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "exit": code, "load_before": load0, "load_after": load(), "log": str(log)}


def demo(work: Path) -> dict[str, Any]:
    """`msbrief demo` in a fresh directory: the first cycle (backfill), the second (all 304), and a
    third like the second where no bytecode can be written (issue 30)."""
    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=work))
    env = clean_env()
    return {"first": timed([str(MSBRIEF), "demo"], cwd=folder, env=env, log=work / "demo-1.log"),
            "second": timed([str(MSBRIEF), "demo"], cwd=folder, env=env, log=work / "demo-2.log"),
            "second_no_bytecode": timed([str(MSBRIEF), "demo"], cwd=folder,
                                        env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, log=work / "demo-3.log")}


def help_time(work: Path) -> dict[str, Any]:
    """`msbrief --help`, HELP_RUNS times: every wall time and the median."""
    runs = [timed([str(MSBRIEF), "--help"], cwd=work, env=clean_env(), log=work / "help.log") for _ in range(HELP_RUNS)]
    return {"walls": [r["wall"] for r in runs], "median": statistics.median(r["wall"] for r in runs),
            "exit": max(r["exit"] for r in runs), "load_before": runs[0]["load_before"], "load_after": runs[-1]["load_after"]}


# --- serve ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss(root: int) -> tuple[int, int]:
    """(bytes resident, processes) of process `root` and all its descendants."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total, len(tree)


def wait_until(check, *, timeout: float, what: str, proc: subprocess.Popen[Any]) -> float:
    """Poll `check()` until it is true; the seconds it took (RuntimeError after `timeout` or if `proc` ends)."""
    t0 = time.perf_counter()
    while not check():
        if proc.poll() is not None:
            raise RuntimeError(f"{what}: the process ended (exit {proc.returncode}) before it was ready")
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"{what}: not ready after {timeout:g} s")
        time.sleep(0.5)
    return time.perf_counter() - t0


def api(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"},
                                     method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def healthy(url: str) -> bool:
    try:
        return api(url, "/health") is True
    except (OSError, ValueError):
        return False


def deployments(url: str) -> int:
    try:
        return len(api(url, "/deployments/filter", {}))
    except (OSError, ValueError):
        return -1


def stop(proc: subprocess.Popen[Any] | None) -> None:
    """End a process this module started (its own process group), waiting for it."""
    if proc is None or proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def serve(work: Path) -> dict[str, Any]:
    """`msbrief serve` on an operator's Prefect server: its tree's resident memory while idle."""
    home = Path(tempfile.mkdtemp(prefix="serve-", dir=work))
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    server = served = None
    out: dict[str, Any] = {"load_before": load()}
    try:
        server = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=home, env=clean_env(PREFECT_HOME=str(home / "prefect")),
                                  stdout=(home / "server.log").open("w"), stderr=subprocess.STDOUT,
                                  start_new_session=True)
        out["server_start"] = wait_until(lambda: healthy(url), timeout=SERVER_START_TIMEOUT,
                                         what=f"prefect server on port {port}", proc=server)
        env = clean_env(PREFECT_API_URL=url, PREFECT_HOME=str(home / "prefect"),
                        MSBRIEF_DATABASE_URL=f"sqlite:///{home / 'msbrief.db'}", MSBRIEF_OUTPUT_DIR=str(home / "var"),
                        MSBRIEF_CONTACT_EMAIL="msbrief-bench@localhost")  # `serve` needs one (no default)
        t0 = time.perf_counter()
        served = subprocess.Popen([str(MSBRIEF), "serve"], cwd=home, env=env, stdout=(home / "serve.log").open("w"),
                                  stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: _announced(home / "serve.log") > 0, timeout=REGISTER_TIMEOUT, what="msbrief serve",
                   proc=served)
        expected = _announced(home / "serve.log")
        wait_until(lambda: deployments(url) >= expected, timeout=REGISTER_TIMEOUT,
                   what=f"msbrief serve registering {expected} deployments", proc=served)
        out.update(registered=time.perf_counter() - t0, deployments=deployments(url), expected=expected)
        samples = []
        end = time.perf_counter() + SERVE_IDLE
        while time.perf_counter() < end:
            samples.append(tree_rss(served.pid))
            time.sleep(1.0)
        if served.poll() is not None:
            raise RuntimeError(f"msbrief serve ended (exit {served.returncode}) while idling; see {home / 'serve.log'}")
        out.update(rss_last=samples[-1][0], rss_peak=max(s[0] for s in samples), processes=max(s[1] for s in samples),
                   server_rss=tree_rss(server.pid)[0], samples=len(samples), load_after=load())
    finally:
        stop(served)
        stop(server)
    return out


def _announced(log: Path) -> int:
    """The deployment count msbrief serve announces on starting ("serving N deployments on ..."), or 0."""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("serving ") and " deployments on " in line:
            return int(line.split()[1])
    return 0


def run_all(work: Path) -> dict[str, Any]:
    """Every command scenario; a failed one is recorded with its error, the others still run."""
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for name, scenario in (("help", help_time), ("demo", demo), ("serve", serve)):
        t0 = time.perf_counter()
        try:
            results[name] = scenario(work)
        except Exception as exc:  # noqa: BLE001 - reported as a failed target, with the reason
            results[name] = {"error": f"{exc.__class__.__name__}: {exc}"}
        print(f"  {name:<34} {time.perf_counter() - t0:6.1f}s", flush=True)
    return results
