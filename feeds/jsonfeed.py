"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside each RSS and Atom feed.

The same entries, ids and dates as the XML feeds (feeds/syndication.py decides them). NRM entries
carry their figures as data in an extension object, `_msbrief` (JSON Feed's rule: a key starting
with an underscore, ignored by readers that do not know it):

    "_msbrief": {"about": "<site>#json-feed", "release": "2023-Q2",
                 "figures": [{"metric", "period", "value", "unit",
                              "source": {"sentence": "..."} | {"table": "Table 2", "cell": "C7"}}]}

Metric names and units are docs/FIGURES.md's. Same items, same bytes (sorted keys, no clock).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from feeds.sanitise import plain_text, safe_url
from feeds.syndication import FeedSpec, entry_id, entry_summary_html, newest_first
from store.read import FeedItem, FigureView, ReleaseView

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def _date(at: datetime) -> str:
    return at.isoformat()  # RFC 3339: datetimes are timezone-aware UTC everywhere


def _value(value: Any) -> Any:
    """A figure's value as JSON: numbers stay numbers (exact), anything else its text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return str(value)


def figure_data(figure: FigureView) -> dict[str, Any]:
    """One figure as the extension states it: where it comes from is a table cell or a sentence."""
    source: dict[str, str] = ({"table": figure.table, "cell": figure.cell} if figure.table and figure.cell
                              else {"sentence": plain_text(figure.evidence)})
    return {"metric": figure.metric, "period": figure.period, "value": _value(figure.value), "unit": figure.unit,
            "source": source}


def release_extension(release: ReleaseView, *, site_url: str) -> dict[str, Any]:
    """The `_msbrief` object of an NRM release's entry."""
    return {"about": f"{site_url}#json-feed", "release": release.period,
            "figures": [figure_data(f) for f in release.figures]}


def _item(spec: FeedSpec, item: FeedItem, *, rights: str) -> dict[str, Any]:
    source = plain_text(item.source_title) or item.source
    entry: dict[str, Any] = {
        "id": entry_id(item.key),
        "url": safe_url(item.url) or spec.site_url,
        "title": plain_text(item.title) or "(untitled)",
        "content_html": entry_summary_html(item, site_url=spec.site_url) or plain_text(item.title) or "(untitled)",
        "date_modified": _date(item.last_changed),
        "authors": [{"name": source}],
        "tags": sorted({item.source, *item.topics}),
    }
    if item.date:
        entry["date_published"] = _date(item.date)
    if item.release is not None:
        entry["_msbrief"] = release_extension(item.release, site_url=spec.site_url)
    if rights:
        entry.setdefault("_msbrief", {"about": f"{spec.site_url}#json-feed"})["rights"] = rights
    return entry


def render_json_feed(spec: FeedSpec, items: Sequence[FeedItem], *, max_entries: int = 50,
                     attributions: Mapping[str, str] | None = None) -> bytes:
    """The feed `spec` as JSON Feed 1.1 (UTF-8 bytes), holding the newest `max_entries` items."""
    attributions = attributions or {}
    entries = newest_first(items)[: max(max_entries, 0)]
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": spec.site_url,
        "feed_url": spec.self_url,
        "description": spec.description,
        "language": "en-GB",
        "authors": [{"name": "msbrief"}],
        "items": [_item(spec, e, rights=plain_text(attributions.get(e.source, ""))) for e in entries],
    }
    if spec.hub:
        feed["hubs"] = [{"type": "WebSub", "url": spec.hub}]
    return (json.dumps(feed, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def json_entry_count(data: bytes) -> int:
    """How many items a JSON feed file has; 0 when it is not one."""
    try:
        items = json.loads(data).get("items")
    except (ValueError, AttributeError):
        return 0
    return len(items) if isinstance(items, list) else 0
