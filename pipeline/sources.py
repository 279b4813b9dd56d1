"""The sources msbrief reads: each one's identity in one place.

A source's name is its key everywhere (settings, the store, the mirror's folders, deployments);
its adapter module (scrapers/<name>.py: SOURCE and collect(), see docs/CONTRACTS.md) knows the
site; its base-URL setting says where to fetch it from (the live site, or the mirror); its hooks
say what else runs after it (the release watch schedules extra runs at announced release times).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapers.adapter import Adapter, IsKnown, checked
from scrapers.normalise import load_topics

if TYPE_CHECKING:
    from scrapers.http import HttpClient
    from scrapers.records import SourceResult


@dataclass(frozen=True)
class SourceSpec:
    """One source: its name, adapter module, base-URL setting and hooks."""

    name: str
    adapter_module: str
    base_url_setting: str  # the Settings field (MSBRIEF_<FIELD>) with the URL to fetch from
    base_url_fallback: str = ""  # the Settings field used when that one is empty (one site, two sources)
    watches_releases: bool = False  # announces statistics releases: runs again just after each one
    options: tuple[tuple[str, str], ...] = ()  # (collect() keyword, Settings field) passed when set
    generalist: bool = False  # publishes on every subject: the briefing collapses its off-topic items
    guidance: bool = False  # its changes (dated notes) are the briefing's "Guidance and policy changes"
    # its items change in place: collect() is told which version of each item the store has (stored)
    # and when the source was last read (last_read), to read again only what moved
    stored_versions: bool = False
    # settings a reading of the recorded corpus needs (the demo and the tests set them): (field, value)
    corpus_settings: tuple[tuple[str, str], ...] = ()
    parliament: bool = False  # written questions and statements: the briefing's "In Parliament"

    def adapter(self) -> Adapter:
        """The adapter module (imported on first use: `msbrief --help` needs none of them), checked
        against the adapter contract (scrapers/adapter.py)."""
        return checked(importlib.import_module(self.adapter_module))

    def collect(self, client: HttpClient, settings: Any, *, is_known: IsKnown, backfill: bool,
                **extra: Any) -> SourceResult:
        """Run the adapter once: from its configured base URL, with the configured topics and its
        options from the settings (and `extra`, from the store). The one place an adapter is called."""
        return self.adapter().collect(client, base_url=self.base_url(settings), is_known=is_known,
                                      topics=load_topics(settings.topics_file), backfill=backfill,
                                      **self.adapter_options(settings), **extra)

    def base_url(self, settings: Any) -> str:
        """Where to fetch the source from, as configured."""
        value = getattr(settings, self.base_url_setting) or getattr(settings, self.base_url_fallback, "")
        return str(value).rstrip("/")

    def adapter_options(self, settings: Any) -> dict[str, Any]:
        """The adapter's collect() keywords that the settings give (only those that are set)."""
        found = {keyword: getattr(settings, field) for keyword, field in self.options}
        return {k: tuple(v) if isinstance(v, list) else v for k, v in found.items() if v}

    @property
    def env_var(self) -> str:
        """The environment variable of its base-URL setting."""
        return f"MSBRIEF_{self.base_url_setting.upper()}"

    @property
    def slug(self) -> str:
        """The name as deployments and artifact keys write it (lower case and dashes)."""
        return self.name.replace("_", "-")


SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec("govuk_nrm", "scrapers.govuk", "govuk_base_url", watches_releases=True,
                   options=(("workbook_limits", "workbook_limits"), ("max_warnings", "nrm_max_warnings"),
                            ("max_key_results_chars", "nrm_max_key_results_chars"))),
        SourceSpec("sentencing_council", "scrapers.sentencing_council", "sentencing_council_base_url",
                   generalist=True),
        SourceSpec("iasc", "scrapers.iasc", "iasc_base_url"),
        SourceSpec("atleu", "scrapers.atleu", "atleu_base_url"),
        SourceSpec("govuk_guidance", "scrapers.govuk_guidance", "govuk_guidance_base_url",
                   base_url_fallback="govuk_base_url", options=(("watch", "govuk_guidance_watch"),), guidance=True),
        SourceSpec("parliament", "scrapers.parliament", "parliament_base_url",
                   options=(("since", "parliament_reading_from"),), stored_versions=True,
                   corpus_settings=(("parliament_since", "2021-01-01"),), parliament=True),
        SourceSpec("nca", "scrapers.nca", "nca_base_url"),
        SourceSpec("glaa", "scrapers.glaa", "glaa_base_url", generalist=True),
    )
}


if TYPE_CHECKING:  # mypy checks that every adapter module implements the contract
    import scrapers.atleu
    import scrapers.glaa
    import scrapers.govuk
    import scrapers.govuk_guidance
    import scrapers.iasc
    import scrapers.nca
    import scrapers.parliament
    import scrapers.sentencing_council

    _ADAPTERS: tuple[Adapter, ...] = (scrapers.govuk, scrapers.sentencing_council, scrapers.iasc, scrapers.atleu,
                                      scrapers.govuk_guidance, scrapers.parliament, scrapers.nca, scrapers.glaa)


def pointed_at_corpus(url_for: Callable[[str], str]) -> dict[str, str]:
    """The settings (field -> value) that read every source from a recorded corpus (the mirror serves
    each source's folder at `url_for(name)`): its base URL, and what reading its recordings needs."""
    found = {spec.base_url_setting: url_for(spec.name) for spec in SOURCES.values()}
    found.update((field, value) for spec in SOURCES.values() for field, value in spec.corpus_settings)
    return found


def source(name: str) -> SourceSpec:
    """The source called `name`; ValueError naming the known ones otherwise."""
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCES)}")
    return SOURCES[name]
