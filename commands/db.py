"""`msbrief db upgrade`: bring the database schema up to date."""

from __future__ import annotations

import argparse

from commands.errors import database, load_settings


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema commands")
    dbsub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    up = dbsub.add_parser("upgrade", help="apply the migrations to MSBRIEF_DATABASE_URL (default: SQLite under ./var/)")
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from store.db import current_revision, shown_url

    settings = load_settings()
    with database(settings, create=True, revision=args.revision) as engine:
        print(f"database {shown_url(settings.database_url)} at revision {current_revision(engine)}")
    return 0
