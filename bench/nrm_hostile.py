"""Hostile NRM bulletins (issue 26): memory and time of a bulletin of repeated share-and-count patterns.

    .venv/bin/python -m bench.nrm_hostile      # about two minutes on 2 cores; rewrites its BENCHMARKS.md section

Each measurement runs in a fresh process, whose peak resident memory (ru_maxrss) is read when it
ends. `extract`: scrapers.nrm.extract on a GOV.UK Content API document of 0.5 MB and 5 MB (the
defaults: key results read up to MSBRIEF_NRM_MAX_KEY_RESULTS_CHARS), and on key results of 100 kB
and 400 kB read whole (the limit lifted), whose ratio shows the reading itself is linear. `msbrief
run`: the real command, `--source govuk_nrm`, against the mirror serving the recorded GOV.UK NRM
fixtures with the April to June 2023 bulletin replaced by the hostile one. Targets: under 500 MB
for `msbrief run` (issue 26), and no more than twice the linear growth (a ratio under 8 for 4x).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.mirror_proc import MirrorProcess
from bench.oneoff import MSBRIEF, clean_env

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "govuk_nrm"
BULLETIN = ("content/modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023--"
            "modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-quarter-2-2023-april-to-june.json")
TITLE = "Modern Slavery: National Referral Mechanism and Duty to Notify statistics UK, Quarter 2 2023 - April to June"
PATTERN = "45% (1,234) were male and 55% (1,510) were female, and "
RUN_TARGET_MIB = 500
START = "<!-- bench.nrm_hostile -->"
END = "<!-- /bench.nrm_hostile -->"


def body(size: int) -> str:
    """A govspeak body of about `size` characters: a real first bullet, then one of repeated patterns."""
    return ('<div class="govspeak"><h2>Key results</h2><ul><li>3,998 potential victims of modern slavery were '
            'referred to the Home Office in April to June 2023</li><li>' + PATTERN * (size // len(PATTERN))
            + "</li></ul></div>")


def _measure(args: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> dict[str, Any]:
    """Wall seconds, CPU seconds and peak resident MiB of one process."""
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{args[0]} exited {code}:\n{log.read_text(errors='replace')[-2000:]}")
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {"wall": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": peak,
            "output": log.read_text(errors="replace")[-400:]}


_EXTRACT = """
import json, sys, time
from scrapers.nrm import extract
doc = open(sys.argv[1], encoding="utf-8").read()
limits = {"max_key_results_chars": int(sys.argv[2])} if len(sys.argv) > 2 else {}
started = time.process_time()
got = extract(doc, **limits)
print(json.dumps({"reading_cpu": time.process_time() - started, "figures": len(got.figures),
                  "warnings": len(got.warnings)}))
"""


def extraction(work: Path, size: int, *, whole: bool) -> dict[str, Any]:
    """extract() on a document of `size` characters, in a fresh process."""
    doc = work / f"bulletin-{size}.json"
    doc.write_text(json.dumps({"title": TITLE, "details": {"body": body(size)}}), encoding="utf-8")
    args = [sys.executable, "-c", _EXTRACT, str(doc), *(["100000000"] if whole else [])]
    result = _measure(args, env={**clean_env(), "PYTHONPATH": str(ROOT)}, cwd=ROOT, log=work / f"extract-{size}.log")
    result.update(json.loads(result["output"].strip().splitlines()[-1]))
    return result


def msbrief_run(work: Path, size: int) -> dict[str, Any]:
    """`msbrief run --source govuk_nrm` against the mirror serving the hostile bulletin."""
    root = work / f"mirror-{size}"
    # The mirror's files only: a copy of the fixture's build_fixtures.py under bench/out would be a
    # second module of that name to mypy (whose files include bench/).
    shutil.copytree(FIXTURE, root / "govuk_nrm", ignore=shutil.ignore_patterns("*.py"))
    path = root / "govuk_nrm" / BULLETIN
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["details"]["body"] = body(size)
    path.write_text(json.dumps(doc), encoding="utf-8")
    home = work / f"run-{size}"
    home.mkdir()
    with MirrorProcess(root) as mirror:
        env = clean_env(MSBRIEF_DATABASE_URL=f"sqlite:///{home / 'msbrief.db'}", MSBRIEF_OUTPUT_DIR=str(home / "var"),
                        MSBRIEF_GOVUK_BASE_URL=f"{mirror.base_url}/govuk_nrm", MSBRIEF_RATE_LIMIT_PER_HOST="0",
                        PREFECT_HOME=str(home / "prefect"))
        result = _measure([str(MSBRIEF), "run", "--source", "govuk_nrm", "--json"], env=env, cwd=home,
                          log=home / "run.log")
    printed = (home / "run.log").read_text(encoding="utf-8", errors="replace")
    report = json.loads(printed[printed.index("{"):]) if "{" in printed else {}
    result["status"] = next((s["status"] for s in report.get("sources", []) if s["name"] == "govuk_nrm"), "?")
    return result


def run_all(work: Path) -> dict[str, Any]:
    """Every measurement of this benchmark."""
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"extract": {}, "read_whole": {}, "run": {}}
    for size in (500_000, 5_000_000):
        out["extract"][str(size)] = extraction(work, size, whole=False)
        out["run"][str(size)] = msbrief_run(work, size)
    for size in (100_000, 400_000):
        out["read_whole"][str(size)] = extraction(work, size, whole=True)
    out["load"] = os.getloadavg()[0]
    return out


def section(r: dict[str, Any]) -> list[str]:
    """The BENCHMARKS.md section of these results, between its markers."""
    lines = [START, "## Hostile NRM bulletins (issue 26)", "",
             __doc__.split("\n\n", 2)[2].strip().replace("\n", " "), ""]
    lines += ["| what | size | wall | CPU | peak memory | target | verdict |", "|---|---|---|---|---|---|---|"]
    for size, m in r["extract"].items():
        lines.append(f"| extract (key results read to the limit) | {int(size) / 1e6:.1f} MB | {m['wall']:.2f} s | "
                     f"{m['cpu']:.2f} s | {m['peak_mib']:.0f} MiB | – | – |")
    for size, m in r["run"].items():
        ok = m["peak_mib"] < RUN_TARGET_MIB and m["status"] == "ok"
        lines.append(f"| msbrief run --source govuk_nrm | {int(size) / 1e6:.1f} MB | {m['wall']:.2f} s | "
                     f"{m['cpu']:.2f} s | {m['peak_mib']:.0f} MiB | < {RUN_TARGET_MIB} MiB, source ok | "
                     f"{'PASS' if ok else 'FAIL'} |")
    (small, a), (large, b) = sorted(r["read_whole"].items(), key=lambda kv: int(kv[0]))
    growth = b["reading_cpu"] / max(a["reading_cpu"], 1e-3)
    for size, m in ((small, a), (large, b)):
        lines.append(f"| key results read whole (limit lifted) | {int(size) / 1e3:.0f} kB | {m['wall']:.2f} s | "
                     f"reading {m['reading_cpu']:.2f} s | {m['peak_mib']:.0f} MiB | – | – |")
    lines += ["", f"Reading 4× the key results took {growth:.2f}× the CPU (linear: 4; the old square: 16; "
              f"target < 8): **{'PASS' if growth < 8 else 'FAIL'}**. Load average (1 min) at the end: "
              f"{r['load']:.2f}.", END]
    return lines


def write_section(results: dict[str, Any], report: Path) -> None:
    """Put this benchmark's section into `report`, replacing the one there (or at the end)."""
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    block = "\n".join(section(results)) + "\n"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    report.write_text(text, encoding="utf-8")


def main() -> int:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with tempfile.TemporaryDirectory(prefix="msbrief-nrm-hostile-") as tmp:
        results = run_all(Path(tmp))
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "nrm_hostile.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    write_section(results, ROOT / "BENCHMARKS.md")
    print("\n".join(section(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
