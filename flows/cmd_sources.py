"""`msbrief sources check [NAME]` and `msbrief sources record NAME DIR`: run adapters live, record fixtures.

Both read at most about SAMPLE_ITEMS items per source (an `is_known` that calls everything after
the first SAMPLE_ITEMS "known"), so a check is a few requests, not a crawl of the archive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flows.settings import Settings, get_settings
from flows.source_registry import ADAPTERS, adapter
from scrapers.errors import ScraperError
from scrapers.hosts import HostPolicy
from scrapers.http import HttpClient
from scrapers.normalise import load_topics
from scrapers.records import Page, SourceResult

SAMPLE_ITEMS = 20
EXTENSIONS = {"json": ".json", "xml": ".xml", "rss": ".xml", "atom": ".xml", "html": ".html", "plain": ".txt"}


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="check the source adapters live, or record their responses as fixtures")
    actions = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="run each adapter against its configured base URL and report")
    check.add_argument("name", nargs="?", choices=sorted(ADAPTERS), metavar="NAME",
                       help=f"only this source (one of {', '.join(ADAPTERS)})")
    check.set_defaults(handler=run_check)

    record = actions.add_parser("record", help="save the responses one adapter run fetched as a mirror fixture folder")
    record.add_argument("name", choices=sorted(ADAPTERS), metavar="NAME", help=f"one of {', '.join(ADAPTERS)}")
    record.add_argument("dir", type=Path, metavar="DIR", help="the fixture folder to write (mirror.json, bodies, PROVENANCE.md)")
    record.set_defaults(handler=run_record)


class RecordingClient(HttpClient):
    """An HttpClient that keeps every page it received, for `sources record`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pages: list[Page] = []

    def get(self, url: str, **kwargs: object) -> Page:  # type: ignore[override]
        page = super().get(url, **kwargs)  # type: ignore[arg-type]
        self.pages.append(page)
        return page


def make_client(settings: Settings, name: str, *, cls: type[HttpClient] = HttpClient) -> HttpClient:
    """A client with the settings' User-Agent, timeouts, size cap, pacing, retries and robots rule."""
    return cls(
        settings.http_user_agent,
        name,
        hosts=HostPolicy.for_source(adapter(name).SOURCE, settings.base_url(name)),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_bytes=settings.max_response_bytes,
        rate_limit_per_host=settings.rate_limit_per_host,
        concurrency_per_host=settings.concurrency_per_host,
        request_deadline=settings.request_deadline,
        source_deadline=settings.source_deadline,
        max_retries=settings.max_retries,
        obey_robots=settings.obey_robots,
    )


def sample_is_known(limit: int = SAMPLE_ITEMS):  # type: ignore[no-untyped-def]
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
    topics = load_topics(settings.topics_file) if settings.topics_file else load_topics()
    return adapter(name).collect(client, base_url=settings.base_url(name), is_known=sample_is_known(),
                                 topics=topics, backfill=False)


def describe(result: SourceResult, client: HttpClient) -> str:
    newest = max((p.published for p in result.publications if p.published), default=None)
    undated = sum(1 for p in result.publications if p.published is None)
    parts = [f"strategy {result.strategy}", f"{len(result.publications)} items",
             f"newest {newest.date().isoformat() if newest else '-'}", f"{client.stats.requests} requests"]
    if undated:
        parts.append(f"{undated} undated")
    return ", ".join(parts)


def run_check(args: argparse.Namespace) -> int:
    """Print, per source, the strategy that worked, items found, newest date, or the problem."""
    settings = get_settings()
    names = [args.name] if args.name else list(ADAPTERS)
    failed = 0
    for name in names:
        client = make_client(settings, name)
        try:
            result = collect(settings, name, client)
        except (ScraperError, ImportError) as exc:
            failed += 1
            print(f"{name}: FAILED {exc.__class__.__name__}: {exc}")
            continue
        print(f"{name}: ok, {describe(result, client)} ({settings.base_url(name)})")
        for warning in result.warnings:
            print(f"  warning: {warning}")
    return 1 if failed else 0


def run_record(args: argparse.Namespace) -> int:
    """Run adapter NAME once and save every response it received as a mirror fixture folder."""
    settings = get_settings()
    client = make_client(settings, args.name, cls=RecordingClient)
    assert isinstance(client, RecordingClient)
    try:
        result = collect(settings, args.name, client)
        problem = ""
    except ScraperError as exc:  # record what was fetched anyway: that is what a fixture for the bug needs
        result, problem = None, f"{exc.__class__.__name__}: {exc}"
    if not client.pages:
        print(f"{args.name}: nothing was fetched ({problem or 'no responses'})", file=sys.stderr)
        return 1
    write_fixture(args.dir, client.pages, base_url=settings.base_url(args.name), name=args.name,
                  summary=describe(result, client) if result else f"the run failed: {problem}")
    print(f"{args.name}: recorded {len(client.pages)} responses in {args.dir}"
          + (f" (the run failed: {problem})" if problem else ""))
    return 1 if problem else 0


def write_fixture(folder: Path, pages: list[Page], *, base_url: str, name: str, summary: str) -> None:
    """Write `pages` as a mirror folder: bodies, mirror.json and PROVENANCE.md."""
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    base_path = urlsplit(base).path.rstrip("/")
    responses, rows, done = [], [], set()
    for page in pages:
        if page.not_modified or page.url in done:
            continue
        parts = urlsplit(page.url)
        if f"{parts.scheme}://{parts.netloc}" != f"{urlsplit(base).scheme}://{urlsplit(base).netloc}" \
                or not parts.path.startswith(base_path):
            continue  # not under the source's base URL (robots.txt of another host, a redirect away)
        done.add(page.url)
        path = parts.path[len(base_path):] or "/"
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
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (folder / "PROVENANCE.md").write_text(
        f"# {name}: recorded live by msbrief sources record\n\n"
        f"Recorded {now} from {base} by `msbrief sources record {name}` ({summary}).\n"
        "Every body is byte-for-byte what the site served (after content decoding); nothing was edited.\n\n"
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
