"""The source adapters msbrief runs, by name."""

from __future__ import annotations

import importlib
from types import ModuleType

# name -> adapter module (each exposes SOURCE and collect(); see docs/CONTRACTS.md)
ADAPTERS: dict[str, str] = {
    "govuk_nrm": "scrapers.govuk",
    "sentencing_council": "scrapers.sentencing_council",
    "iasc": "scrapers.iasc",
    "atleu": "scrapers.atleu",
    "govuk_guidance": "scrapers.govuk_guidance",
}


def adapter(name: str) -> ModuleType:
    """The adapter module of source `name`."""
    if name not in ADAPTERS:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(ADAPTERS)}")
    return importlib.import_module(ADAPTERS[name])
