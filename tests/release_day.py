"""A release published at a set moment, on the mirror: for the release-day tests and the latency benchmark.

`staged_corpus(folder)` copies the recorded GOV.UK NRM source (tests/fixtures/govuk_nrm) with one
release not yet published: the April to June 2023 release page and its bulletin are out of the
manifest, and its search result is replaced by an unrelated one (the search pages keep their
sizes, so paging is unchanged, and the search never lists the release: the watch must find it
through its announcement). `staged_release(at)` is what GOV.UK shows before and after `at`, as
mirror responses: the announcement (confirmed for the minute `at`, listed by the announcements
search) now, and from `at` on the announcement as a `redirect` item leading to the release page,
the page (first published at `at`) and its bulletin. Apply them in process
(`MirrorServer.put_response`) or over HTTP (`POST /__mirror/responses`).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.smtp_server import Handler
from vocabulary.calendar import LONDON

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FOLDER = "govuk_nrm"
RELEASE = "/government/statistics/modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-april-to-june-2023"
BULLETIN = RELEASE + "/modern-slavery-national-referral-mechanism-and-duty-to-notify-statistics-uk-quarter-2-2023-april-to-june"
ANNOUNCEMENT = "/government/statistics/announcements/modern-slavery-nrm-and-dtn-statistics-april-to-june-2023"
TITLE = "Modern Slavery: NRM and DtN statistics, April to June 2023"
PERIOD = "2023-Q2"
ANNOUNCEMENTS_SEARCH = "search/announcements-1.json"


@dataclass(frozen=True)
class Response:
    """One mirror response: its path (under the mirror's root), JSON body, and the moment it appears (None: now)."""

    path: str
    body: str
    at: float | None = None

    def put(self, mirror: Any) -> None:
        mirror.put_response(self.path, self.body, content_type="application/json", at=self.at)

    def payload(self) -> dict[str, Any]:
        """The same as the body of `POST /__mirror/responses`."""
        return {"path": self.path, "body": self.body, "content_type": "application/json", "at": self.at}


class TimedHandler(Handler):
    """An SMTP handler that records when it accepted each message (epoch seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await super().handle_DATA(server, session, envelope)
        self.times.append(time.time())
        return reply


def worker_settings(*, db_url: str, out: Path, mirror_url: str, smtp_port: int, webhook: str,
                    recipients: list[str], poll_interval: float = 30.0) -> dict[str, str]:
    """The settings of a worker that runs the release day against the mirror, SMTP and webhook on loopback."""
    return {
        "MSBRIEF_DATABASE_URL": db_url, "MSBRIEF_OUTPUT_DIR": str(out),
        "MSBRIEF_GOVUK_BASE_URL": mirror_url, "MSBRIEF_RATE_LIMIT_PER_HOST": "200",
        "MSBRIEF_RELEASE_ALERTS": "true", "MSBRIEF_RECIPIENTS": ",".join(recipients),
        "MSBRIEF_SMTP_URL": f"smtp+plain://127.0.0.1:{smtp_port}", "MSBRIEF_RELEASE_WEBHOOKS": webhook,
        "MSBRIEF_SITE_URL": "https://msbrief.example.org/", "MSBRIEF_RELEASE_POLL_INTERVAL": f"{poll_interval:g}",
        "MSBRIEF_CONTACT_EMAIL": "operators@example.org",
    }


def _entries(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "mirror.json").read_text(encoding="utf-8"))


def staged_corpus(root: Path) -> Path:
    """A mirror root holding the NRM source without the April to June 2023 release; the root."""
    folder = root / FOLDER
    shutil.copytree(FIXTURES / FOLDER, folder)
    manifest = _entries(folder)
    kept = [e for e in manifest["responses"] if e["path"] not in (f"/api/content{RELEASE}", f"/api/content{BULLETIN}")]
    assert len(kept) == len(manifest["responses"]) - 2, "the staged release is no longer in the recorded corpus"
    manifest["responses"] = kept
    (folder / "mirror.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for page in sorted((folder / "search").glob("releases-*.json")):
        data = json.loads(page.read_text(encoding="utf-8"))
        for n, result in enumerate(data["results"]):
            if result.get("link") == RELEASE:
                data["results"][n] = {**result, "link": "/government/statistics/unrelated-statistics-staged",
                                      "title": "Unrelated statistics (the staged release's slot)",
                                      "content_id": "00000000-0000-4000-8000-000000000000"}
        page.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return root


def _recorded(path: str) -> dict[str, Any]:
    entry = next(e for e in _entries(FIXTURES / FOLDER)["responses"] if e["path"] == path)
    return json.loads((FIXTURES / FOLDER / entry["file"]).read_text(encoding="utf-8"))


def display_date(at: datetime) -> str:
    """GOV.UK's display date of a release time: '6 December 2026 9:31am' (Europe/London)."""
    local = at.astimezone(LONDON)
    return f"{local.day} {local:%B %Y} {local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def staged_release(root: Path, at: datetime, *, published: float | None = None) -> list[Response]:
    """The responses that announce the release for the minute `at` (now) and publish it at `at` (or at
    the epoch second `published`, when GOV.UK is late or early; inf: never)."""
    if at.second or at.microsecond:
        raise ValueError(f"a release is announced for a whole minute, not {at.isoformat()}")
    base = f"/{FOLDER}"
    announcement = {
        "base_path": ANNOUNCEMENT, "content_id": "5a9e3d5e-2b43-4d5b-9d0e-0d2c3c4e5f60",
        "document_type": "official_statistics_announcement", "schema_name": "statistics_announcement",
        "locale": "en", "title": TITLE,
        "description": "Statistics on referrals to the National Referral Mechanism, April to June 2023.",
        "public_updated_at": at.isoformat(),
        "details": {"display_date": display_date(at), "state": "confirmed", "format_sub_type": "official"},
    }
    search = json.loads((root / FOLDER / ANNOUNCEMENTS_SEARCH).read_text(encoding="utf-8"))
    search["results"].insert(0, {
        "content_id": announcement["content_id"], "link": ANNOUNCEMENT, "title": TITLE,
        "description": announcement["description"], "public_timestamp": at.isoformat(),
        "content_store_document_type": "official_statistics_announcement", "display_date": display_date(at),
        "statistics_announcement_state": "confirmed",
    })
    search["total"] = int(search.get("total", 0)) + 1
    search_path = next(e["path"] for e in _entries(root / FOLDER)["responses"] if e.get("file") == ANNOUNCEMENTS_SEARCH)
    redirect = {"base_path": ANNOUNCEMENT, "schema_name": "redirect", "document_type": "redirect",
                "redirects": [{"path": ANNOUNCEMENT, "type": "exact", "destination": RELEASE}]}
    page = _recorded(f"/api/content{RELEASE}")
    page["first_published_at"] = page["public_updated_at"] = at.isoformat()
    if isinstance(page.get("details"), dict):
        page["details"]["first_public_at"] = at.isoformat()
        page["details"]["change_history"] = [{"public_timestamp": at.isoformat(), "note": "First published."}]
    bulletin = _recorded(f"/api/content{BULLETIN}")
    moment = at.timestamp() if published is None else published
    now = [Response(base + search_path, json.dumps(search)),
           Response(f"{base}/api/content{ANNOUNCEMENT}", json.dumps(announcement))]
    if moment == float("inf"):
        return now  # announced, never published
    return [
        *now,
        Response(f"{base}/api/content{ANNOUNCEMENT}", json.dumps(redirect), moment),
        Response(f"{base}/api/content{RELEASE}", json.dumps(page), moment),
        Response(f"{base}/api/content{BULLETIN}", json.dumps(bulletin), moment),
    ]
