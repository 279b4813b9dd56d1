"""`msbrief sources check [NAME]` and `msbrief sources record NAME DIR`: run adapters live, record fixtures.

Both read at most about SAMPLE_ITEMS items per source (an `is_known` that calls everything after
the first SAMPLE_ITEMS "known"), so a check is a few requests, not a crawl of the archive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from commands.errors import load_settings, require_contact
from pipeline.sources import SOURCES, source

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from scrapers.http import HttpClient
    from scrapers.records import Page, SourceResult

SAMPLE_ITEMS = 20
EXTENSIONS = {"opendocument.spreadsheet": ".ods", "spreadsheetml": ".xlsx", "ms-excel": ".xls", "json": ".json", "xml": ".xml", "rss": ".xml", "atom": ".xml", "html": ".html", "plain": ".txt"}


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="check the source adapters live, or record their responses as fixtures")
    actions = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="run each adapter against its configured base URL and report")
    check.add_argument("name", nargs="?", choices=sorted(SOURCES), metavar="NAME",
                       help=f"only this source (one of {', '.join(SOURCES)})")
    check.set_defaults(handler=run_check)

    record = actions.add_parser("record", help="save the responses one adapter run fetched as a mirror fixture folder")
    record.add_argument("name", choices=sorted(SOURCES), metavar="NAME", help=f"one of {', '.join(SOURCES)}")
    record.add_argument("dir", type=Path, metavar="DIR", help="the fixture folder to write (mirror.json, bodies, PROVENANCE.md)")
    record.set_defaults(handler=run_record)


def recording_client(settings: Settings, name: str) -> tuple[HttpClient, list[Page]]:
    """The source's client as the ingest builds it, and the list it adds every page it receives to."""
    from pipeline.ingest import make_client
    from scrapers.http import HttpClient

    class RecordingClient(HttpClient):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # passed through unchanged
            self.pages: list[Page] = []

        def get(self, url: str, **kwargs: object) -> Page:
            page = super().get(url, **kwargs)  # type: ignore[arg-type]  # passed through unchanged
            self.pages.append(page)
            return page

    client = make_client(settings, source(name), cls=RecordingClient)
    assert isinstance(client, RecordingClient)
    return client, client.pages


def sample_is_known(limit: int = SAMPLE_ITEMS):
    """An is_known that treats the first `limit` distinct URLs as new and the rest as known."""
    seen: set[str] = set()

    def is_known(url: str) -> bool:
        if url in seen:
            return False
        if len(seen) < limit:
            seen.add(url)
            return False
        return True

    return is_known


def collect(settings: Settings, name: str, client: HttpClient) -> SourceResult:
    """One sampled run of adapter `name` against its configured base URL."""
    return source(name).collect(client, settings, is_known=sample_is_known(), backfill=False)


def describe(result: SourceResult, client: HttpClient) -> str:
    newest = max((p.published for p in result.publications if p.published), default=None)
    undated = sum(1 for p in result.publications if p.published is None)
    parts = [f"strategy {result.strategy}", f"{len(result.publications)} items",
             f"newest {newest.date().isoformat() if newest else '-'}", f"{client.stats.requests} requests"]
    if undated:
        parts.append(f"{undated} undated")
    return ", ".join(parts)


def run_check(args: argparse.Namespace) -> int:
    """Print, per source, the strategy that worked, items found, newest date, or the problem (once),
    then "N of M sources OK"."""
    import logging

    from pipeline.ingest import make_client
    from scrapers.errors import RobotsUnreachable, ScraperError

    settings = load_settings()
    names = [args.name] if args.name else list(SOURCES)
    require_contact(settings, sources=names)
    logging.getLogger("scrapers").setLevel(logging.CRITICAL)  # each problem is printed below, once
    failed = 0
    for name in names:
        client = make_client(settings, source(name))
        try:
            result = collect(settings, name, client)
        except RobotsUnreachable as exc:  # the site did not refuse msbrief: it could not be reached
            failed += 1
            print(f"{name}: FAILED {exc.plain}")
            continue
        except (ScraperError, ImportError) as exc:
            failed += 1
            print(f"{name}: FAILED {exc.__class__.__name__}: {exc}")
            continue
        print(f"{name}: ok, {describe(result, client)} ({source(name).base_url(settings)})")
        warnings = [*result.warnings, *(f"{r.period}: {w}" for r in result.releases for w in r.warnings)]
        for warning in warnings:
            print(f"  warning: {warning}")
    print(f"{len(names) - failed} of {len(names)} sources OK")
    return 1 if failed else 0


def run_record(args: argparse.Namespace) -> int:
    """Run adapter NAME once and save every response it received as a mirror fixture folder."""
    from scrapers.errors import ScraperError

    settings = load_settings()
    require_contact(settings, sources=[args.name])
    client, pages = recording_client(settings, args.name)
    try:
        result = collect(settings, args.name, client)
        problem = ""
    except ScraperError as exc:  # record what was fetched anyway: that is what a fixture for the bug needs
        result, problem = None, f"{exc.__class__.__name__}: {exc}"
    if not pages:
        print(f"{args.name}: nothing was fetched ({problem or 'no responses'})", file=sys.stderr)
        return 1
    options = ", ".join(f"{k}={v}" for k, v in source(args.name).adapter_options(settings).items())
    write_fixture(args.dir, pages, base_url=source(args.name).base_url(settings), name=args.name,
                  summary=describe(result, client) if result else f"the run failed: {problem}", options=options)
    print(f"{args.name}: recorded {len(pages)} responses in {args.dir}"
          + (f" (the run failed: {problem})" if problem else ""))
    return 1 if problem else 0


def write_fixture(folder: Path, pages: list[Page], *, base_url: str, name: str, summary: str, options: str = "") -> None:
    """Write `pages` as a mirror folder: bodies, mirror.json and PROVENANCE.md (saying the adapter
    options the run had: a replay needs the settings that give the same, as the request paths may hold them)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    base_path = urlsplit(base).path.rstrip("/")
    info = source(name).adapter().SOURCE
    # On the real site, the source's other hosts (GOV.UK's assets host: the data-tables workbooks)
    # are recorded too, at their own paths: the mirror serves every host of a source from one folder.
    other_hosts = set(info.hosts) if base == info.canonical_base.rstrip("/") else set()
    responses: list[dict[str, Any]] = []
    rows: list[Any] = []
    done: set[str] = set()
    for page in pages:
        if page.not_modified or page.url in done:
            continue
        parts = urlsplit(page.url)
        on_base = f"{parts.scheme}://{parts.netloc}" == f"{urlsplit(base).scheme}://{urlsplit(base).netloc}" \
            and parts.path.startswith(base_path)
        if not on_base and (parts.hostname not in other_hosts or parts.path == "/robots.txt"):
            continue  # not under the source's base URL (robots.txt of another host, a redirect away)
        done.add(page.url)
        path = (parts.path[len(base_path):] if on_base else parts.path) or "/"
        path += f"?{parts.query}" if parts.query else ""
        file = f"responses/{len(responses) + 1:03d}-{_slug(path)}{_extension(page.content_type)}"
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(page.body)
        entry: dict[str, object] = {"path": path, "file": file, "status": page.status,
                                    "content_type": page.headers.get("content-type", page.content_type)}
        if page.last_modified:
            entry["last_modified"] = page.last_modified
        responses.append(entry)
        rows.append(f"| `{path}` | {page.status} | {page.content_type} | {len(page.body)} |")
    (folder / "mirror.json").write_text(json.dumps({"responses": responses}, indent=2) + "\n", encoding="utf-8")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    (folder / "PROVENANCE.md").write_text(
        f"# {name}: recorded live by msbrief sources record\n\n"
        f"Recorded {now} from {base} by `msbrief sources record {name}` ({summary}).\n"
        "Every body is byte-for-byte what the site served (after content decoding); nothing was edited.\n"
        + (f"The adapter's options from the settings were: {options} (replay it with settings that give the "
           "same: the request paths depend on them).\n" if options else "") + "\n"
        "| path | status | content type | bytes |\n|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60] or "root"


def _extension(content_type: str) -> str:
    for key, ext in EXTENSIONS.items():
        if key in content_type:
            return ext
    return ".bin"
