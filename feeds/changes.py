"""Guidance changes as entries of their own: each publication and each change of a document.

"Modern slavery: how to identify and support victims — updated 8 October 2024: Updated information
about prioritisation of cases", linked to the page. Each entry has an identity of its own (the
document's key, what happened and when), so a feed reader shows every change once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from feeds.formatting import date_text
from feeds.sanitise import plain_text
from store.read import Change, FeedItem
from vocabulary.calendar import LONDON_TZ_NAME

_FIRST_PUBLISHED = re.compile(r"\s*first published\.?\s*", re.I)


def change_line(change: Change, tz: str = LONDON_TZ_NAME) -> str:
    """ "updated 8 October 2024: Updated information about prioritisation of cases" (the source's
    words when it gave them, else what msbrief saw change)."""
    words = plain_text(change.note) or plain_text(change.what) or "details changed"
    return f"updated {date_text(change.at, tz=tz)}: {words.rstrip('.')}"


@dataclass(frozen=True)
class ChangeEntry:
    """A document's publication or one of its changes: the document, when, and the line saying what."""

    item: FeedItem
    key: str  # the entry's own identity: the document's key, what happened, when
    at: datetime
    line: str  # "published 16 December 2024", "updated 8 October 2024: Updated information about..."
    words: str  # the change in the source's words ("" for a publication)


def changes_of(items: Iterable[FeedItem]) -> list[ChangeEntry]:
    """Each document's publication (when dated) and each of its recorded changes, newest first."""
    found = []
    for item in items:
        if item.date:
            found.append(ChangeEntry(item, f"{item.key}#published", item.date, f"published {date_text(item.date)}", ""))
        for change in item.changes:
            if _FIRST_PUBLISHED.fullmatch(plain_text(change.note)) and item.date:
                continue  # GOV.UK's oldest note is the publication itself, already an entry
            found.append(ChangeEntry(item, f"{item.key}#change:{change.at.isoformat()}", change.at,
                                     change_line(change), plain_text(change.note) or plain_text(change.what)))
    return sorted(found, key=lambda e: (-e.at.timestamp(), e.key))


def change_entries(items: Iterable[FeedItem]) -> list[FeedItem]:
    """The guidance feed's entries: one per ChangeEntry, titled "<document> — <what happened>"."""
    return [
        replace(e.item, key=e.key, title=f"{plain_text(e.item.title) or '(untitled)'} \N{EM DASH} {e.line}",
                summary=e.words or e.item.summary, published=e.at, date_estimated=False, updated=None,
                amended_at=None, changes=(), archive=False)
        for e in changes_of(items)
    ]


def amendment_entries(items: Iterable[FeedItem]) -> list[FeedItem]:
    """Each change of the items after their publication as an entry of its own ("<bulletin> —
    updated 10 May 2024: <what changed>"), for a feed whose items are themselves entries already
    (the statistics feed: a bulletin edited after publication)."""
    return [entry for entry in change_entries(items) if not entry.key.endswith("#published")]
