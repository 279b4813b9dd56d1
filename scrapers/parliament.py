"""UK Parliament: written questions (with their answers) and written ministerial statements on the briefing's subjects.

Strategy "questions-statements-api" (JSON only: Parliament's Written Questions and Statements API,
https://questions-statements-api.parliament.uk; the response shapes are in scrapers/parliament_api.py).

Each run asks, for each phrase of SEARCH_TERMS (the API's `searchTerm` searches the items' text):
questions tabled, answered (a holding answer is an answer) and corrected since `since`, and
statements made since then; every department, both Houses. `skip`/`take` paging, with
`totalResults`. The API's `sessionStatus` defaults to the current session only (a new session
would hide the weeks before it), so every request says `sessionStatus=Any` and bounds the dates.

- The first run reads from `since`: the briefing window before today (pipeline/settings.py), so the
  first briefing has its weeks. Later runs read from the same date, or from the day before the last
  successful reading when that is earlier (a long outage leaves no gap).
- The list views cut texts at 255 characters: each question or statement that is new, or whose
  latest step (answered, corrected...) is not the one stored, is read whole by its id. A list item
  is a candidate when its text is on the subjects (`scrapers.subjects`) or it is stored
  already; it is kept when its whole text is (never by department or heading).
- Every list request is conditional, so a steady run costs those requests (304s where the API
  sends validators) and reads by id only what moved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from scrapers import parliament_api as api
from scrapers.adapter import Fetcher, IsKnown, Stored, StoredVersion, Topics
from scrapers.errors import FetchError, ParseError
from scrapers.normalise import rebase
from scrapers.records import Page, Publication, SourceInfo, SourceResult
from scrapers.subjects import on_subject
from vocabulary.calendar import LONDON

SOURCE = SourceInfo(
    name=api.SOURCE_NAME,
    title="UK Parliament: written questions and statements",
    home_url=api.SITE + "/",
    canonical_base=api.API,
    hosts=("questions-statements-api.parliament.uk",),  # items link to the public pages' host: never fetched
    kind_hint="question",
    attribution=api.ATTRIBUTION,
)
STRATEGY = "questions-statements-api"
SEARCH_TERMS = ("slavery", "trafficking", "forced labour", "exploitation")
QUESTION_FILTERS = ("tabledWhenFrom", "answeredWhenFrom", "correctedWhenFrom")
TAKE = 1000  # per page: a few weeks of one phrase fit in one (the API answered 520 items in one page in 2021)
MAX_PAGES = 20  # per query: a guard, said in a warning when reached
DEFAULT_WINDOW_WEEKS = 4
ACCEPT = "application/json"
GONE = (404, 410)

log = logging.getLogger(__name__)


def reading_from(today: date, *, window_weeks: int = DEFAULT_WINDOW_WEEKS) -> date:
    """The first day a reading covers: the Monday `window_weeks` + 1 weeks before `today`'s week.

    A Monday, so the list URLs stay the same all week (conditional requests can answer 304); one week
    more than the briefing window, whose weeks end the Monday before a briefing is sent.
    """
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=window_weeks + 1)


def list_path(endpoint: str, term: str, date_filter: str, since: date, skip: int) -> str:
    """The path and query of one page of a list query (the mirror fixtures use the same)."""
    query = {"searchTerm": term, date_filter: since.isoformat(), "sessionStatus": "Any", "expandMember": "true",
             "take": str(TAKE), "skip": str(skip)}
    return f"{endpoint}?{urlencode(query)}"


class _Run:
    """One collect(): what the lists said, what was read by id, the publications kept."""

    def __init__(self, client: Fetcher, base_url: str, *, topics: Topics, is_known: IsKnown,
                 stored: StoredVersion | None) -> None:
        self.client, self.base_url = client, base_url.rstrip("/")
        self.topics, self.is_known, self.stored = topics, is_known, stored
        self.questions: dict[int, dict[str, Any]] = {}  # id -> list value, in the order first listed
        self.statements: dict[int, dict[str, Any]] = {}
        self.found: list[Publication] = []
        self.warnings: list[str] = []

    def url(self, path: str) -> str:
        return rebase(api.API + path, api.API, self.base_url)

    def get(self, path: str, *, conditional: bool = True) -> tuple[Page, Any]:
        """(page, decoded JSON or None on a 304)."""
        page = self.client.get(self.url(path), accept=ACCEPT, conditional=conditional)
        if page.not_modified:
            return page, None
        try:
            return page, json.loads(page.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ParseError(f"not JSON: {exc}", source=SOURCE.name, url=page.url,
                             expected="a Written Questions and Statements API JSON document") from exc

    def warn(self, message: str) -> None:
        log.warning("%s: %s", SOURCE.name, message)
        self.warnings.append(message)

    # -- lists --------------------------------------------------------------------------------

    def read_list(self, path_of: Callable[[int], str], into: dict[int, dict[str, Any]]) -> None:
        """Every page of one query into `into` (a 304 page: nothing on it changed, nor after it)."""
        skip = 0
        for _ in range(MAX_PAGES):
            page, data = self.get(path_of(skip))
            if data is None:
                return
            total, values = api.listing(data, url=page.url)
            for value in values:
                if not isinstance(value.get("id"), int) or isinstance(value.get("id"), bool):
                    raise api.error(f"an item whose id is {value.get('id')!r}", page.url, "an integer id on every item")
                into.setdefault(value["id"], value)
            skip += len(values)
            if not values or skip >= total:
                return
        self.warn(f"stopped after {MAX_PAGES} pages at {self.url(path_of(skip))}: later items were not read")

    # -- questions ----------------------------------------------------------------------------

    def wanted(self, url: str, words: str, version: Stored, *, also_known: tuple[str, ...] = ()) -> bool:
        """Whether a listed item is read by id: on the subjects or stored, and new or moved since stored."""
        urls = (url, *also_known)
        if not on_subject(words) and not any(self.is_known(u) for u in urls):
            return False
        if self.stored is None or not all(self.is_known(u) for u in urls):
            return True
        return self.stored(url) != version

    def read_questions(self) -> None:
        for qid, listed in self.questions.items():
            url = api.question_url(listed)
            if api.when(listed.get("dateTabled")) is None:
                self.refuse(url, listed.get("dateTabled"), listed.get("heading"))
                continue
            if not self.wanted(url, api.question_words(listed), api.question_version(listed)):
                continue
            whole = self.read_item(api.question_item_path(qid))
            if whole is None:
                continue
            words = api.question_words(whole)
            if on_subject(words) or self.is_known(url):
                self.found.append(api.question_publication(whole, url=self.url(api.question_item_path(qid)),
                                                           topics=self.topics))

    def read_statements(self) -> None:
        for group in api.same_statements(self.statements.values()):
            first = group[0]
            url = api.statement_url(first)
            if api.when(first.get("dateMade")) is None:
                self.refuse(url, first.get("dateMade"), first.get("title"))
                continue
            others = tuple(api.statement_url(v) for v in group[1:])
            words = " ".join(api.statement_words(v) for v in group)
            if not self.wanted(url, words, Stored(api.when(first.get("dateMade")), None), also_known=others):
                continue
            path = api.statement_item_path(first["id"])
            whole = self.read_item(path)
            if whole is None:
                continue
            if on_subject(api.statement_words(whole)) or self.is_known(url):
                self.found.append(api.statement_publication(group, whole, url=self.url(path), topics=self.topics))

    def read_item(self, path: str) -> dict[str, Any] | None:
        """One item read whole (unconditionally: it is read because it changed); None when it is gone."""
        try:
            page, data = self.get(path, conditional=False)
        except FetchError as exc:
            if exc.status in GONE:
                self.warn(f"{self.url(path)} answered HTTP {exc.status}: listed, but no longer there")
                return None
            raise
        return api.single(data, url=page.url)

    def refuse(self, url: str, written: Any, title: Any) -> None:
        self.warn(f"[{SOURCE.name}] {url}: item {api.text(title)!r} is dated {written!r}, which msbrief cannot "
                  "read as a date in the years it accepts; item skipped")


def collect(client: Fetcher, *, base_url: str, is_known: IsKnown, topics: Topics, backfill: bool = False,
            since: date | None = None, stored: StoredVersion | None = None,
            last_read: datetime | None = None) -> SourceResult:
    """Written questions and statements on the subjects, tabled, answered, corrected or made since `since`.

    `since` defaults to reading_from(today). `last_read` (the last successful reading) moves it back
    when that is earlier; `stored` says which version of each item the store has (its latest step
    and that step's date), so only what moved is read by id. `backfill` reads every listed item by id
    whatever the store has.
    """
    start = since or reading_from(datetime.now(LONDON).date())
    if last_read is not None and not backfill:
        start = min(start, last_read.astimezone(LONDON).date() - timedelta(days=1))
    run = _Run(client, base_url, topics=topics, is_known=is_known, stored=None if backfill else stored)
    for term in SEARCH_TERMS:
        for date_filter in QUESTION_FILTERS:
            run.read_list(partial(list_path, api.QUESTIONS, term, date_filter, start), run.questions)
        run.read_list(partial(list_path, api.STATEMENTS, term, "madeWhenFrom", start), run.statements)
    run.read_questions()
    run.read_statements()
    log.info("%s: %d questions and %d statements listed since %s, %d read whole", SOURCE.name, len(run.questions),
             len(run.statements), start.isoformat(), len(run.found))
    return SourceResult(source=SOURCE.name, strategy=STRATEGY, publications=sorted(run.found, key=lambda p: p.url),
                        warnings=run.warnings)
