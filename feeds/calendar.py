"""Release-calendar events as feed entries and as one line: a release date confirmed, moved (with
GOV.UK's reason) or cancelled (with its reason).

"Modern Slavery: NRM and DtN statistics, July to September 2026 — moved to 3 December 2026 9:30am
(was 5 November 2026 9:30am): Release date moved to allow for additional quality assurance."
Each event is an entry of its own (the announcement, the event and the date it names), so a feed
reader shows a confirmation, each move and a cancellation once each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from feeds.formatting import date_text
from feeds.sanitise import plain_text
from store.read import FeedItem, UpcomingRelease
from vocabulary.calendar import LONDON_TZ_NAME


def _when(event: UpcomingRelease, tz: str) -> str:
    return plain_text(event.release_date_text) or date_text(event.release_at, tz=tz, with_time=True) or "a date to come"


def event_words(event: UpcomingRelease, tz: str = LONDON_TZ_NAME) -> tuple[str, str]:
    """(what happened, why in the source's words or "") of a calendar event."""
    when = _when(event, tz)
    if event.event == "cancelled":
        return f"cancelled (was due {when})", plain_text(event.cancellation_reason or "")
    if event.event == "moved":
        was = ", ".join(plain_text(d) for d in event.previous_dates)
        return f"moved to {when} (was {was})", plain_text(event.change_note or "")
    if event.event == "confirmed":
        return f"release date confirmed: {when}", ""
    return f"provisional date: {when}", ""


def calendar_line(event: UpcomingRelease, tz: str = LONDON_TZ_NAME) -> str:
    """One line for the briefing: "<release> — moved to <date> (was <date>): <reason>"."""
    what, why = event_words(event, tz)
    line = f"{plain_text(event.title) or '(untitled)'} \N{EM DASH} {what}"
    return f"{line}: {why.rstrip('.')}." if why else line


def calendar_entries(events: Iterable[UpcomingRelease], *, source: str, source_title: str,
                     tz: str = LONDON_TZ_NAME) -> list[FeedItem]:
    """The statistics feed's calendar entries: one per confirmed, moved or cancelled release, dated
    when msbrief saw it happen."""
    entries = []
    for event in events:
        at: datetime | None = event.changed_at or event.first_seen
        if event.event == "provisional" or at is None:
            continue
        what, why = event_words(event, tz)
        named = event.release_at.isoformat() if event.release_at else plain_text(event.release_date_text)
        entries.append(FeedItem(
            id=0, key=f"calendar:{event.url}#{event.event}:{named}", source=source, source_title=source_title,
            url=event.url, title=f"{plain_text(event.title) or '(untitled)'} \N{EM DASH} {what}", kind="calendar",
            summary=why or f"GOV.UK's release calendar: {what}.", topics=(), published=at, updated=None,
            date_estimated=False, first_seen=at, amended_at=None,
        ))
    return entries
