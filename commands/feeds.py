"""`msbrief feeds build`: rebuild every feed and the index page from the database."""

from __future__ import annotations

import argparse

from commands.errors import database, load_settings


def register(sub: argparse._SubParsersAction) -> None:
    feeds = sub.add_parser("feeds", help="RSS/Atom feeds and the index page")
    feedsub = feeds.add_subparsers(dest="feeds_command", metavar="FEEDS_COMMAND", required=True)
    build = feedsub.add_parser(
        "build",
        help="rebuild every feed (all, statistics, topic, per source; RSS and Atom) and index.html from "
             "MSBRIEF_DATABASE_URL into MSBRIEF_OUTPUT_DIR/public; files whose bytes did not change are not rewritten",
    )
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    from pipeline.site import publish_site  # the publish flow's own step, without Prefect

    settings = load_settings()
    with database(settings) as engine:
        paths = publish_site(settings, engine, force=True).paths
    print(f"{len(paths)} files:")
    for path in paths:
        print(f"  {path}")
    return 0
