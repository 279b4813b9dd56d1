"""`msbrief feeds build`: rebuild every feed and the index page from the database."""

from __future__ import annotations

import argparse

from commands.errors import CommandError, database, load_settings


def register(sub: argparse._SubParsersAction) -> None:
    feeds = sub.add_parser("feeds", help="RSS/Atom feeds and the index page")
    feedsub = feeds.add_subparsers(dest="feeds_command", metavar="FEEDS_COMMAND", required=True)
    build = feedsub.add_parser(
        "build",
        help="rebuild every feed (all, statistics, topic, per source; RSS and Atom) and index.html from "
             "MSBRIEF_DATABASE_URL into MSBRIEF_OUTPUT_DIR/public; files whose bytes did not change are not rewritten, "
             "feed files no longer built are removed, and a feed that has entries is never replaced with an empty "
             "one (exit 2) unless --allow-empty",
    )
    build.add_argument("--allow-empty", action="store_true",
                       help="publish even when feeds that have entries would become empty (the database really "
                            "has no items for them)")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    settings = load_settings()
    with database(settings) as engine:
        from pipeline.site import PublishRefused, publish_site  # the publish flow's own step, without Prefect

        try:
            paths = publish_site(settings, engine, force=True, allow_empty=args.allow_empty).paths
        except PublishRefused as exc:
            raise CommandError(str(exc)) from None
    print(f"{len(paths)} files:")
    for path in paths:
        print(f"  {path}")
    return 0
