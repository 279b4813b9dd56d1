"""Publications, stored in batches: one row per item however many URLs point at it, changes as amendments.

`save` takes one source's normalised records (scrapers.normalise: identity keys filled, UTC
datetimes) and writes them with a few statements per page of items, not a few per item: the rows
an item may match are read at once, new and changed rows compared in memory, and each table
written with one multi-row statement. The caller owns the transaction (one per source run).

An item is the same item when it has the same key (the source's own id, else its canonical URL),
any known URL, or the same title and date. For a known item, a changed title or update date is an
amendment; so is a new type of document (an open consultation's outcome) or a withdrawal. A source
that dates its changes itself (GOV.UK's change notes) gives one amendment per note not seen
before, at the note's own time and in its own words; its update date alone is then not a change.
An item's first sighting stores its notes as history: it is new, not amended.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scrapers.records import Attachment, ChangeNote, ParliamentRecord, Publication
from store import models as m
from store.models import now
from store.upsert import insert_many, update_many, upsert_many

Outcome = Literal["new", "amended", "unchanged"]
PAGE = 500  # items per batch: bounded IN lists and statement sizes whatever the archive


@dataclass(frozen=True)
class Saved:
    """The result of storing one item."""

    id: int
    outcome: Outcome


_ROW = (m.Publication.id, m.Publication.key, m.Publication.title_key, m.Publication.title, m.Publication.updated,
        m.Publication.published, m.Publication.date_estimated, m.Publication.summary, m.Publication.topics,
        m.Publication.change_note, m.Publication.amendment_count, m.Publication.document_type,
        m.Publication.withdrawn_at, m.Publication.withdrawn_note, m.Publication.closes_at,
        m.Publication.context_note, m.Publication.parliament)


def known_urls(session: Session, source: str) -> set[str]:
    """Every canonical URL through which some stored item of `source` is reachable."""
    return set(session.execute(
        select(m.PublicationUrl.url).join(m.Publication).join(m.Source).where(m.Source.name == source)
    ).scalars())


def known_versions(session: Session, source: str) -> dict[str, tuple[datetime | None, str | None]]:
    """Every canonical URL of a stored item of `source`, with that item's version: when it last changed
    (`updated`) and its latest change note."""
    rows = session.execute(select(m.PublicationUrl.url, m.Publication.updated, m.Publication.change_note)
                           .join(m.Publication).join(m.Source).where(m.Source.name == source))
    return {url: (updated, note) for url, updated, note in rows}


def note_identity(note: ChangeNote) -> str:
    """A dated change note's identity in the store: (its time, its words), hashed to a fixed size."""
    at, words = note.identity
    return hashlib.sha1(f"{at}\n{words}".encode()).hexdigest()


def new_row(pub: Publication, *, source_id: int, seen_at: datetime) -> dict[str, Any]:
    """The publications row of an item seen for the first time at `seen_at`."""
    return {
        "source_id": source_id, "key": pub.key, "title_key": pub.title_key, "external_id": pub.external_id,
        "url": pub.url, "title": pub.title, "kind": pub.kind, "summary": pub.summary, "topics": list(pub.topics),
        # An item without a date keeps the date it was first seen, flagged as estimated.
        "published": pub.published or seen_at, "updated": pub.updated,
        "date_estimated": pub.date_estimated or pub.published is None,
        "first_seen": seen_at, "last_seen": seen_at, "amendment_count": 0,
        "change_note": pub.change_note, "document_type": pub.document_type, "closes_at": pub.closes_at,
        "withdrawn_at": pub.withdrawn_at, "withdrawn_note": pub.withdrawn_note,
        "organisations": list(pub.organisations), "context_note": pub.context_note,
        "parliament": parliament_json(pub.parliament),
    }


def parliament_json(record: ParliamentRecord | None) -> dict[str, Any] | None:
    """A written question's or statement's record as the JSON the store keeps (None for other items)."""
    # through JSON once, so tuples are lists as the stored value is, and equal records compare equal
    return json.loads(json.dumps(asdict(record))) if record is not None else None


def attachment_row(row_id: int, a: Attachment) -> dict[str, Any]:
    """The attachments row of attachment `a` of publication `row_id`."""
    return {"publication_id": row_id, "url": a.url, "title": a.title, "content_type": a.content_type,
            "size": a.size, "filename": a.filename}


def save(session: Session, source_id: int, pubs: Sequence[Publication], *, seen_at: datetime | None = None
         ) -> list[Saved]:
    """Store `pubs` (normalised) for source `source_id`; what happened to each, in order."""
    seen_at = seen_at or now()
    saved: list[Saved] = []
    for start in range(0, len(pubs), PAGE):
        saved += _Page(session, source_id, pubs[start:start + PAGE], seen_at).save()
    return saved


class _Page:
    """One page of items: read what they may match, decide in memory, write each table once."""

    def __init__(self, session: Session, source_id: int, pubs: Sequence[Publication], seen_at: datetime) -> None:
        self.s, self.source_id, self.pubs, self.seen_at = session, source_id, pubs, seen_at
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_key: dict[str, int] = {}
        self.by_url: dict[str, int] = {}
        self.by_title: dict[str, int] = {}
        self.notes: set[tuple[int, str]] = set()  # (publication id, note identity) already stored
        self.attachments: dict[tuple[int, str], tuple[Any, ...]] = {}
        self.urls: list[dict[str, Any]] = []
        self.attachment_rows: list[dict[str, Any]] = []
        self.updates: dict[int, dict[str, Any]] = {}
        self.amendments: list[dict[str, Any]] = []

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        keys = {p.key for p in self.pubs}
        urls = {u for p in self.pubs for u in p.url_variants}
        titles = {p.title_key for p in self.pubs if p.title_key}
        url_rows = self.s.execute(
            select(m.PublicationUrl.url, m.PublicationUrl.publication_id).where(m.PublicationUrl.url.in_(urls))
        ).all() if urls else []
        self.by_url = dict(url_rows)
        matches = [m.Publication.key.in_(keys), m.Publication.id.in_({pid for _, pid in url_rows})]
        if titles:
            matches.append(m.Publication.title_key.in_(titles))
        for row in self.s.execute(select(*_ROW).where(or_(*matches)).order_by(m.Publication.id)):
            self._remember(dict(row._mapping))
        if not self.rows:
            return
        ids = list(self.rows)
        self.notes = {(pid, identity) for pid, identity in self.s.execute(
            select(m.Amendment.publication_id, m.Amendment.identity)
            .where(m.Amendment.publication_id.in_(ids), m.Amendment.identity.is_not(None))) if identity}
        for pid, url, title, content_type, size, filename in self.s.execute(
            select(m.Attachment.publication_id, m.Attachment.url, m.Attachment.title, m.Attachment.content_type,
                   m.Attachment.size, m.Attachment.filename).where(m.Attachment.publication_id.in_(ids))
        ):
            self.attachments[(pid, url)] = (title, content_type, size, filename)

    def _remember(self, row: dict[str, Any]) -> None:
        self.rows[row["id"]] = row
        self.by_key[row["key"]] = row["id"]
        if row["title_key"]:
            self.by_title.setdefault(row["title_key"], row["id"])

    def _match(self, pub: Publication) -> int | None:
        """The stored row of `pub`: by key, by any of its URLs, then by title and date."""
        found = self.by_key.get(pub.key)
        if found is None:
            found = next((self.by_url[u] for u in pub.url_variants if u in self.by_url), None)
        if found is None and pub.title_key:
            found = self.by_title.get(pub.title_key)
        return found if found in self.rows else None

    # -- deciding --------------------------------------------------------------------------------

    def save(self) -> list[Saved]:
        self._load()
        decided: list[tuple[Publication, int | str, Outcome]] = []  # (item, its row id or new key, outcome)
        fresh: dict[str, dict[str, Any]] = {}  # key -> the row to insert
        fresh_by: dict[str, str] = {}  # every identity of a new item (key, URLs, title) -> its key
        for pub in self.pubs:
            row_id = self._match(pub)
            identities = [pub.key, *pub.url_variants, *([f"title:{pub.title_key}"] if pub.title_key else [])]
            first = next((fresh_by[i] for i in identities if i in fresh_by), None)
            if row_id is not None:
                decided.append((pub, row_id, self._compare(pub, self.rows[row_id])))
            elif first is not None:
                decided.append((pub, first, "unchanged"))  # the same new item twice in this page
            else:
                fresh[pub.key] = new_row(pub, source_id=self.source_id, seen_at=self.seen_at)
                decided.append((pub, pub.key, "new"))
                first = pub.key
            if row_id is None and first is not None:
                fresh_by.update(dict.fromkeys(identities, first))
        ids = self._insert(fresh)
        saved = []
        for pub, found, outcome in decided:
            row_id = found if isinstance(found, int) else ids[found]
            if outcome == "new":
                self._new_notes(pub, row_id)  # its history, not amendments: the item itself is new
            self._links(pub, row_id)
            saved.append(Saved(row_id, outcome))
        self._write()
        return saved

    def _compare(self, pub: Publication, row: dict[str, Any]) -> Outcome:
        """Record what changed on a known item; its outcome."""
        changes: dict[str, list[str | None]] = {}
        if pub.title and pub.title != row["title"]:
            changes["title"] = [row["title"], pub.title]
        if pub.updated and pub.updated != row["updated"] and not pub.change_history:
            changes["updated"] = [_iso(row["updated"]), _iso(pub.updated)]
        if pub.document_type and row["document_type"] and pub.document_type != row["document_type"]:
            changes["document_type"] = [row["document_type"], pub.document_type]
        if pub.withdrawn_at and not row["withdrawn_at"]:
            changes["withdrawn"] = [None, _iso(pub.withdrawn_at)]
        correction = pub.published and row["date_estimated"]
        update: dict[str, Any] = {"last_seen": self.seen_at}
        if pub.summary and pub.summary != row["summary"]:
            update["summary"] = pub.summary
        if pub.topics and list(pub.topics) != row["topics"]:
            update["topics"] = list(pub.topics)
        for column in ("closes_at", "withdrawn_note", "context_note"):
            if getattr(pub, column) and getattr(pub, column) != row.get(column):
                update[column] = getattr(pub, column)
        if pub.organisations:
            update["organisations"] = list(pub.organisations)
        if pub.parliament is not None and parliament_json(pub.parliament) != row["parliament"]:
            update["parliament"] = parliament_json(pub.parliament)  # its present state; its life is in the notes
        if pub.updated and pub.updated != row["updated"]:
            update["updated"] = pub.updated
        if correction:  # a date found for a formerly undated item: a correction, not news
            update.update(published=pub.published, date_estimated=False)
        if "title" in changes:
            update.update(title=pub.title, title_key=pub.title_key)
        if "document_type" in changes or (pub.document_type and not row["document_type"]):
            update["document_type"] = pub.document_type
        if pub.withdrawn_at and not row["withdrawn_at"]:
            update["withdrawn_at"] = pub.withdrawn_at
        notes = self._new_notes(pub, row["id"])
        if changes or correction or (notes and pub.change_note):
            update["change_note"] = pub.change_note or row["change_note"]  # the latest, once a new note is in
        if changes:
            note = pub.withdrawn_note if set(changes) == {"withdrawn"} else pub.change_note
            self.amendments.append({"publication_id": row["id"], "at": self.seen_at, "changes": changes,
                                    "note": note, "identity": None, "recorded_at": self.seen_at})
        amended = len(notes) + (1 if changes else 0)
        if amended:
            times = [n.at for n in notes] + ([self.seen_at] if changes else [])
            update.update(amended_at=max(times), amendment_count=(row["amendment_count"] or 0) + amended)
        self.updates.setdefault(row["id"], {}).update(update)
        return "amended" if amended else "unchanged"

    def _new_notes(self, pub: Publication, row_id: int) -> list[ChangeNote]:
        """The change notes of `pub` not stored yet, each queued as an amendment at its own time."""
        new = []
        for note in pub.change_history:
            identity = note_identity(note)
            if (row_id, identity) in self.notes:
                continue
            self.notes.add((row_id, identity))
            new.append(note)
            self.amendments.append({"publication_id": row_id, "at": note.at, "identity": identity, "note": note.note,
                                    "changes": {"updated": [None, _iso(note.at)]}, "recorded_at": self.seen_at})
        return new

    def _links(self, pub: Publication, row_id: int) -> None:
        """Queue the item's URLs and attachments that are not stored yet (or changed)."""
        for url in pub.url_variants:
            if url not in self.by_url:
                self.urls.append({"url": url, "publication_id": row_id})
                self.by_url[url] = row_id
        for a in pub.attachments:
            values = (a.title, a.content_type, a.size, a.filename)
            if self.attachments.get((row_id, a.url)) != values:
                self.attachments[(row_id, a.url)] = values
                self.attachment_rows.append(attachment_row(row_id, a))

    # -- writing ---------------------------------------------------------------------------------

    def _insert(self, fresh: dict[str, dict[str, Any]]) -> dict[str, int]:
        """Insert the new rows; key -> id (a row another writer inserted first is read back)."""
        ids = {key: pid for pid, key in insert_many(self.s, m.Publication.__table__, list(fresh.values()),
                                                    conflict=("key",), returning=("id", "key"))}
        missing = [key for key in fresh if key not in ids]
        if missing:
            ids.update((key, pid) for pid, key in self.s.execute(
                select(m.Publication.id, m.Publication.key).where(m.Publication.key.in_(missing))))
        return ids

    def _write(self) -> None:
        insert_many(self.s, m.PublicationUrl.__table__, self.urls, conflict=("url",))
        upsert_many(self.s, m.Attachment.__table__, self.attachment_rows, conflict=("publication_id", "url"),
                    update=("title", "content_type", "size", "filename"))
        update_many(self.s, m.Publication.__table__, [{"id": pid, **values} for pid, values in self.updates.items()])
        insert_many(self.s, m.Amendment.__table__, self.amendments, conflict=("publication_id", "identity"))


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None

