"""Guidance changes as entries of their own: each publication and each change of a document.

"Modern slavery: how to identify and support victims — updated 8 October 2024: Updated information
about prioritisation of cases", linked to the page. Each entry has an identity of its own (the
document's key, what happened and when), so a feed reader shows every change once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from feeds.formatting import date_text
from feeds.sanitise import plain_text
from store.read import Change, FeedItem
from vocabulary.calendar import LONDON_TZ_NAME


def change_line(change: Change, tz: str = LONDON_TZ_NAME) -> str:
    """ "updated 8 October 2024: Updated information about prioritisation of cases" (the source's
    words when it gave them, else what msbrief saw change)."""
    words = plain_text(change.note) or plain_text(change.what) or "details changed"
    return f"updated {date_text(change.at, tz=tz)}: {words.rstrip('.')}"


def change_entries(items: Iterable[FeedItem]) -> list[FeedItem]:
    """One entry per document's publication (when dated) and per recorded change, newest first."""
    entries = []
    for item in items:
        title = plain_text(item.title) or "(untitled)"
        if item.date:
            entries.append(replace(item, key=f"{item.key}#published", title=f"{title} \N{EM DASH} published "
                                   f"{date_text(item.date)}", updated=None, amended_at=None, changes=()))
        for change in item.changes:
            words = plain_text(change.note) or plain_text(change.what)
            entries.append(replace(
                item, key=f"{item.key}#change:{change.at.isoformat()}", title=f"{title} \N{EM DASH} {change_line(change)}",
                summary=words, published=change.at, date_estimated=False, updated=None, amended_at=None, changes=(),
            ))
    return sorted(entries, key=lambda e: (-e.last_changed.timestamp(), e.key))
