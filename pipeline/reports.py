"""What a cycle reports: per-source counts, as text, JSON (DESIGN.md's contract) and markdown."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SourceReport:
    """The outcome of one source in one cycle."""

    name: str
    status: str = "ok"  # ok | failed
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    new: int = 0
    amended: int = 0
    figures: int = 0
    error: str | None = None
    strategy: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_items: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    amended_items: list[tuple[str, str]] = field(default_factory=list)
    figure_rows: list[dict[str, Any]] = field(default_factory=list)

    def contract(self) -> dict[str, Any]:
        """The fields `msbrief run --json` promises."""
        keys = ("name", "status", "requests", "not_modified", "bytes", "new", "amended", "figures", "error")
        return {k: asdict(self)[k] for k in keys}


@dataclass
class CycleReport:
    """The outcome of a cycle: each source's report, the feed files written, warnings."""

    sources: list[SourceReport] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    publish_failed: bool = False

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status != "ok"]

    @property
    def ok(self) -> bool:
        """True when every source succeeded and the feeds were published."""
        return not self.failed and not self.publish_failed

    def failure_line(self) -> str:
        """'1 of 4 sources failed — atleu: HTTP 503 at https://…' (each reason ends the line or a
        ' — ' gap, so a URL at its end stays a clean link in the Prefect UI)."""
        reasons = " — ".join(f"{s.name}: {s.error or 'failed'}" for s in self.failed)
        line = f"{len(self.failed)} of {len(self.sources)} sources failed — {reasons}" if self.failed else ""
        if self.publish_failed:
            line = " — ".join(filter(None, [line, "publishing the feeds failed"]))
        return line

    def to_json(self) -> str:
        return json.dumps(
            {"sources": [s.contract() for s in self.sources], "feeds": self.feeds, "warnings": self.warnings},
            indent=2,
        )

    def to_text(self) -> str:
        lines = [f"{'source':<20} {'status':<7} {'req':>5} {'304':>5} {'bytes':>10} {'new':>5} {'amend':>5} {'figs':>5}"]
        for s in self.sources:
            lines.append(
                f"{s.name:<20} {s.status:<7} {s.requests:>5} {s.not_modified:>5} {s.bytes:>10} "
                f"{s.new:>5} {s.amended:>5} {s.figures:>5}"
            )
            if s.error:
                lines.append(f"  error: {s.error}")
        if self.feeds:
            lines.append(f"feeds: {len(self.feeds)} files in {common_dir(self.feeds)}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def common_dir(paths: list[str]) -> str:
    import os

    return os.path.commonpath(paths) if paths else ""


def markdown_summary(report: CycleReport) -> str:
    """The run summary artifact operators read in the Prefect UI."""
    ok = len(report.sources) - len(report.failed)
    if len(report.sources) == 1:
        only = report.sources[0]
        out = [f"# msbrief ingest of {only.name}: {'ok' if only.status == 'ok' else 'FAILED'}", ""]
    else:
        out = [f"# msbrief ingest: {ok} of {len(report.sources)} sources ok", ""]
    out.append("| source | status | strategy | requests | 304s | bytes | new | amended | figures |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for s in report.sources:
        out.append(
            f"| {s.name} | {s.status} | {s.strategy or ''} | {s.requests} | {s.not_modified} | {s.bytes} "
            f"| {s.new} | {s.amended} | {s.figures} |"
        )
    for s in report.sources:
        if s.new_items or s.amended_items:
            out += ["", f"## {s.name}"]
            out += [f"- new: [{markdown_text(t)}]({u})" for t, u in s.new_items[:50]]
            out += [f"- amended: [{markdown_text(t)}]({u})" for t, u in s.amended_items[:50]]
            if len(s.new_items) > 50:
                out.append(f"- ... and {len(s.new_items) - 50} more new items")
    failures = [s for s in report.failed]
    if failures:
        out += ["", "## Failures"] + [f"- **{s.name}**: {markdown_text(s.error or 'failed')}" for s in failures]
    warnings = report.warnings + [f"{s.name}: {w}" for s in report.sources for w in s.warnings]
    if warnings:
        out += ["", "## Warnings"] + [f"- {markdown_text(w)}" for w in warnings]
    return "\n".join(out) + "\n"


def markdown_text(text: str) -> str:
    """Text safe inside markdown link text / list items."""
    return text.replace("\n", " ").replace("[", "(").replace("]", ")").replace("|", "/")
