"""`msbrief figures extract PATH` and `msbrief figures series METRIC`: the NRM key figures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from commands.errors import CommandError, database, load_settings
from vocabulary.periods import PERIOD_KINDS
from vocabulary.text import clip

if TYPE_CHECKING:
    from scrapers.nrm import Extraction
    from store.read import SeriesPoint



def register(sub: argparse._SubParsersAction) -> None:
    figures = sub.add_parser("figures", help="NRM key figures: extract them from a bulletin, or show a series")
    figsub = figures.add_subparsers(dest="figures_command", metavar="FIGURES_COMMAND", required=True)

    ext = figsub.add_parser(
        "extract",
        help="read an NRM bulletin (text, HTML, or GOV.UK Content API JSON) or data-tables workbook (ODS, XLSX) "
        "and print its key figures or tables",
        description="PATH is plain text, an HTML page or fragment, or a GOV.UK Content API JSON document "
        "(details.body). Figures that fail a check are withheld: printed as warnings (JSON: in 'warnings' "
        "and, with metric, value and reason, in 'withheld'), never among the figures. A data-tables workbook "
        "(ODS or XLSX, told by its bytes) prints every table it holds: {\"tables\": [{\"title\", \"sheet\", "
        "\"observations\": [{\"period\", \"dimensions\", \"value\", \"code\", \"cell\"}]}], \"warnings\"}. "
        "Unreadable input: a one-line error on stderr and exit status 2.",
    )
    ext.add_argument("path", metavar="PATH", help="the bulletin file ('-' for standard input)")
    ext.add_argument("--format", choices=("json", "table"), default="json", help="output format (default: json)")
    ext.set_defaults(handler=cmd_extract)

    ser = figsub.add_parser(
        "series",
        help="a metric by period from the database: the latest statement of each period, revisions noted",
        description="Reads MSBRIEF_DATABASE_URL (upgrading the schema first; a database that does not exist "
        "is refused). Each period shows the latest release's statement, from its data tables where a table "
        "gives the metric (every quarter since 2009 Q2), else from its bulletin's text, and says where (the "
        "table and cell, or the bulletin); earlier, different statements are noted as revisions.",
    )
    ser.add_argument("metric", metavar="METRIC", help="a metric of docs/FIGURES.md, e.g. total_referrals")
    ser.add_argument("--periods", choices=PERIOD_KINDS, default="quarter",
                     help="quarters (default), end of year summaries, or all")
    ser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    ser.set_defaults(handler=cmd_series)


# --- extract -----------------------------------------------------------------------------------


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


def extraction_json(ex: Extraction) -> dict[str, Any]:
    """DESIGN.md's JSON shape (extended with each figure's period, the update date and the withheld figures)."""
    from scrapers.nrm import figures_as_json

    return figures_as_json(ex)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def extraction_table(ex: Extraction) -> str:
    """A readable table: one figure a line, with its period and (shortened) evidence."""
    lines = [ex.title or "(no title)", f"period {ex.period}; published {ex.published or '-'}"
             + (f"; updated {ex.updated}" if ex.updated else ""), ""]
    rows = [(f.metric, _show(f.value), f.unit, f.period, clip(f.evidence, 70)) for f in ex.figures]
    header = ("metric", "value", "unit", "period", "evidence")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    lines += [f"warning: {w}" for w in ex.warnings]
    lines += [f"withheld: {w.figure.metric} = {_show(w.figure.value)} ({w.reason})" for w in ex.withheld]
    return "\n".join(lines)


def _is_workbook(path: str, data: bytes) -> bool:
    """A spreadsheet by its name or its first bytes (a zip or an old Excel file), never a bulletin."""
    return path.lower().endswith((".ods", ".xlsx", ".xls")) or data[:4] == b"PK\x03\x04" \
        or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cmd_extract_workbook(args: argparse.Namespace, data: bytes) -> int:
    """Print every table of one workbook; exit 2 with a one-line error when it cannot be read."""
    from scrapers.nrm.tables import WorkbookUnreadable, read_workbook
    from scrapers.nrm.tables.output import workbook_json, workbook_text

    try:
        book = read_workbook(data, release=args.path, url=args.path, limits=load_settings().workbook_limits)
    except WorkbookUnreadable as exc:
        print(f"msbrief figures extract: not a readable workbook: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    if args.format == "table":
        sys.stdout.write(workbook_text(book))
    else:
        print(json.dumps(workbook_json(book), ensure_ascii=False, indent=1))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the key figures of one bulletin (or the tables of one workbook); exit 2 with a one-line
    error when it cannot be read."""
    from scrapers.errors import ParseError
    from scrapers.nrm import extract

    try:
        data = _read_input(args.path)
    except OSError as exc:
        print(f"msbrief figures extract: cannot read {args.path!r}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if _is_workbook(args.path, data):
        return cmd_extract_workbook(args, data)
    try:
        ex = extract(data, source_url=args.path)
    except ParseError as exc:
        reason = " ".join(str(exc).split())
        print(f"msbrief figures extract: not an NRM bulletin: {reason}", file=sys.stderr)
        return 2
    if args.format == "table":
        print(extraction_table(ex))
    else:
        print(json.dumps(extraction_json(ex), ensure_ascii=False, indent=2))
    return 0


# --- series ------------------------------------------------------------------------------------


def revision_note(point: SeriesPoint) -> str:
    """'(revised from 4,746 in 2023-Q1 release)' for earlier statements that differ; '' if none."""
    differing = [(rp, v) for rp, v in point.revisions if v != point.value]
    if not differing:
        return ""
    return "(revised from " + "; ".join(f"{_show(v)} in {rp} release" for rp, v in reversed(differing)) + ")"


def unknown_metric(metric: str) -> str:
    """One line for a metric docs/FIGURES.md does not define: the nearest names, then every known one
    (the families per nationality and per exploitation type by their pattern)."""
    from difflib import get_close_matches

    from vocabulary.metrics import AGES, EXPLOITATION_TYPES, METRICS, NATIONALITY_PREFIXES

    families = {f"{p}_{u}" for p in NATIONALITY_PREFIXES for u in ("count", "pct")} | {
        f"{a}_{t}_{u}" for a in AGES for t in EXPLOITATION_TYPES.values() for u in ("count", "pct")}
    general = [name for name in METRICS if name not in families]
    near = get_close_matches(metric, list(METRICS), n=3, cutoff=0.75)
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    return (f"unknown metric {metric!r}{hint}; known metrics: {', '.join(general)}, "
            f"<nationality>_count and _pct (nationalities: {', '.join(NATIONALITY_PREFIXES)}), "
            f"<adult|child>_<{'|'.join(EXPLOITATION_TYPES.values())}>_count and _pct, "
            "previous_record_referrals_<year> (docs/FIGURES.md)")


def cmd_series(args: argparse.Namespace) -> int:
    """Print `metric` by period from the database; a metric nobody defines is a one-line error (never
    an empty series that looks like missing data)."""
    from store.db import read_session
    from store.series import series
    from vocabulary.metrics import metric_unit

    if metric_unit(args.metric) is None:
        raise CommandError(unknown_metric(args.metric))
    with database(load_settings()) as engine, read_session(engine) as session:
        points = series(session, args.metric, periods=args.periods)
    if args.json:
        print(json.dumps([{"period": p.period, "value": p.value, "release": p.release_period,
                           "source": ({"table": p.table, "cell": p.cell} if p.table else {"sentence": p.evidence}),
                           "revisions": [{"release": rp, "value": v} for rp, v in p.revisions]} for p in points],
                         ensure_ascii=False, indent=2))
        return 0
    if not points:
        print(f"no statements of {args.metric!r} ({args.periods} periods) in the database", file=sys.stderr)
        return 1
    print(f"{args.metric} by period (latest statement; release and where it says it in brackets)")
    for p in points:
        note = revision_note(p)
        print(f"{p.period:<10} {_show(p.value):>10}  [{p.release_period} release, {p.source}]"
              + (f"  {note}" if note else ""))
    return 0
