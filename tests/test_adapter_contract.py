"""The adapter contract (scrapers/adapter.py): every registered source implements it, and a module
that does not is refused by name before anything runs."""

from __future__ import annotations

import types

import pytest

from pipeline.sources import SOURCES, SourceSpec
from scrapers.adapter import COLLECT_KEYWORDS, checked
from scrapers.records import SourceInfo, SourceResult

INFO = SourceInfo(name="x", title="X", home_url="https://x.example/", canonical_base="https://x.example",
                  hosts=("x.example",))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_registered_source_implements_the_adapter_contract(name):
    adapter = SOURCES[name].adapter()
    assert adapter.SOURCE.name == name
    assert callable(adapter.collect)


def _module(**attrs: object) -> types.ModuleType:
    module = types.ModuleType("scrapers.fake")
    module.__dict__.update(attrs)
    return module


def _collect(client, *, base_url, is_known, topics, backfill=False):  # type: ignore[no-untyped-def]
    return SourceResult(source="x")


def test_a_module_without_source_or_collect_is_refused_by_name():
    with pytest.raises(TypeError, match=r"adapter scrapers\.fake: SOURCE is not"):
        checked(_module(collect=_collect))
    with pytest.raises(TypeError, match=r"adapter scrapers\.fake: no collect"):
        checked(_module(SOURCE=INFO))


def test_collect_must_take_the_contract_keywords_and_give_its_own_a_default():
    def positional(client, base_url, is_known, topics, backfill=False):  # type: ignore[no-untyped-def]
        return SourceResult(source="x")

    def needs_more(client, *, base_url, is_known, topics, backfill=False, since):  # type: ignore[no-untyped-def]
        return SourceResult(source="x")

    with pytest.raises(TypeError, match="lacks the keyword-only parameters " + ", ".join(COLLECT_KEYWORDS)):
        checked(_module(SOURCE=INFO, collect=positional))
    with pytest.raises(TypeError, match="keywords since need defaults"):
        checked(_module(SOURCE=INFO, collect=needs_more))
    assert checked(_module(SOURCE=INFO, collect=_collect)).SOURCE is INFO


def test_the_registry_refuses_a_module_that_is_not_an_adapter():
    spec = SourceSpec("x", "scrapers.normalise", "govuk_base_url")
    with pytest.raises(TypeError, match=r"adapter scrapers\.normalise: SOURCE is not"):
        spec.adapter()
