"""The sources msbrief reads: each one's identity in one place.

A source's name is its key everywhere (settings, the store, the mirror's folders, deployments);
its adapter module (scrapers/<name>.py: SOURCE and collect(), see docs/CONTRACTS.md) knows the
site; its base-URL setting says where to fetch it from (the live site, or the mirror); its hooks
say what else runs after it (the release watch schedules extra runs at announced release times).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any


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

    def adapter(self) -> ModuleType:
        """The adapter module (imported on first use: `msbrief --help` needs none of them)."""
        return importlib.import_module(self.adapter_module)

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
                   options=(("max_warnings", "nrm_max_warnings"), ("max_key_results_chars", "nrm_max_key_results_chars"))),
        SourceSpec("sentencing_council", "scrapers.sentencing_council", "sentencing_council_base_url",
                   generalist=True),
        SourceSpec("iasc", "scrapers.iasc", "iasc_base_url"),
        SourceSpec("atleu", "scrapers.atleu", "atleu_base_url"),
        SourceSpec("govuk_guidance", "scrapers.govuk_guidance", "govuk_guidance_base_url",
                   base_url_fallback="govuk_base_url", options=(("watch", "govuk_guidance_watch"),), guidance=True),
    )
}


def source(name: str) -> SourceSpec:
    """The source called `name`; ValueError naming the known ones otherwise."""
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCES)}")
    return SOURCES[name]
