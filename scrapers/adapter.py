"""The shape of a source adapter (docs/CONTRACTS.md): a module with SOURCE and collect().

Every adapter module (scrapers/<source>.py) implements `Adapter`; pipeline/sources.py checks each
registered one against it (statically with mypy, and at import for the keyword names) and runs
them all the same way (`SourceSpec.collect`): that is the one place the shared set-up lives.
An adapter may take more keywords after these, each with a default: the registry passes them
from the settings (`SourceSpec.options`) or from the store (`SourceSpec.stored_versions`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Protocol

from scrapers.limits import Budget, Limits
from scrapers.records import Page, SourceInfo, SourceResult


class Fetcher(Protocol):
    """What an adapter needs of its HTTP client (scrapers.http.HttpClient is the one msbrief runs)."""

    limits: Limits  # how much of the source one run reads
    budget: Budget  # the limits and the source's deadline, for the parsers

    def get(self, url: str, *, accept: str = "*/*", conditional: bool = True) -> Page:
        """The response to a GET of `url` (`not_modified` on a 304); FetchError when it cannot be read."""
        ...

    def allows(self, url: str) -> bool:
        """Whether `url` is on the source's hosts (a link elsewhere is kept, never fetched)."""
        ...


# Whether the store already has the item at a real-site URL (adapters use it to stop paging).
IsKnown = Callable[[str], bool]


@dataclass(frozen=True)
class Stored:
    """Which version of an item the store has: when it last changed and its latest change note."""

    updated: datetime | None
    change_note: str | None


# The version the store has of the item at a real-site URL (None when it has none): an adapter whose
# items change in place (a question being answered) reads again only what moved.
StoredVersion = Callable[[str], "Stored | None"]
# Topic name -> its keywords (scrapers.normalise.load_topics).
Topics = dict[str, tuple[str, ...]]

# The keywords every collect() takes, in the contract's order.
COLLECT_KEYWORDS = ("base_url", "is_known", "topics", "backfill")


class Adapter(Protocol):
    """A source adapter: who it reads (SOURCE) and how one run reads it (collect)."""

    SOURCE: SourceInfo

    def collect(self, client: Fetcher, *, base_url: str, is_known: IsKnown, topics: Topics,
                backfill: bool = False) -> SourceResult:
        """Read the source's new and changed items (all of them with `backfill`) through `client`."""
        ...


def checked(module: ModuleType) -> Adapter:
    """`module` as an Adapter; TypeError naming the module and what it lacks when it is not one.

    Extra keywords of collect() must have defaults (the registry passes them only when set).
    """
    name = module.__name__
    if not isinstance(getattr(module, "SOURCE", None), SourceInfo):
        raise TypeError(f"adapter {name}: SOURCE is not a scrapers.records.SourceInfo")
    collect = getattr(module, "collect", None)
    if not callable(collect):
        raise TypeError(f"adapter {name}: no collect() function")
    params = inspect.signature(collect).parameters
    missing = [k for k in COLLECT_KEYWORDS if k not in params or params[k].kind is not inspect.Parameter.KEYWORD_ONLY]
    if missing:
        raise TypeError(f"adapter {name}: collect() lacks the keyword-only parameters {', '.join(missing)}")
    required = [k for k, p in params.items() if k not in COLLECT_KEYWORDS and p.kind is inspect.Parameter.KEYWORD_ONLY
                and p.default is inspect.Parameter.empty]
    if required:
        raise TypeError(f"adapter {name}: collect() keywords {', '.join(required)} need defaults")
    return module  # a module matching the protocol: checked above, and by mypy
