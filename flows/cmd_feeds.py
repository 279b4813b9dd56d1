"""`msbrief feeds build`: rebuild every feed and the index page from the database."""

from __future__ import annotations

import argparse

from feeds.build import build_site
from feeds.publish import write_site
from flows.settings import get_settings
from flows.site_data import load_site_data
from store.db import make_engine, session_factory, upgrade


def register(sub: argparse._SubParsersAction) -> None:
    feeds = sub.add_parser("feeds", help="RSS/Atom feeds and the index page")
    feedsub = feeds.add_subparsers(dest="feeds_command", metavar="FEEDS_COMMAND", required=True)
    build = feedsub.add_parser(
        "build",
        help="rebuild every feed and index.html from the database into MSBRIEF_OUTPUT_DIR/public "
             "(files whose bytes did not change are left untouched)",
    )
    build.add_argument("--max-entries", type=int, default=None,
                       help="entries per feed (default: MSBRIEF_FEED_MAX_ENTRIES)")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            data = load_site_data(session)
        max_entries = args.max_entries if args.max_entries is not None else settings.feed_max_entries
        files = build_site(data, site_url=settings.site_url, max_entries=max_entries)
        changed = write_site(settings.public_dir, files)
    finally:
        engine.dispose()
    print(f"{len(files)} files in {settings.public_dir}, {len(changed)} changed")
    for rel in changed:
        print(f"  {settings.public_dir / rel}")
    return 0
