"""The HTTP client's options for tests, written flat (`rate_limit_per_host=0, max_retries=2`) and
sorted into the value objects HttpClient takes (scrapers/httpconfig.py, retry.py, limits.py)."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from scrapers.http import Deadlines, Limits, Politeness, RetryPolicy

VALUE_OBJECTS = {"deadlines": Deadlines(), "politeness": Politeness(), "retry": RetryPolicy(), "limits": Limits()}
RENAMED = {"max_bytes": "max_response_bytes"}


def grouped(**flat: Any) -> dict[str, Any]:
    """HttpClient keywords from flat options: each option goes to the value object with that field;
    options of no value object (hosts, validators, sleep...) pass through as they are."""
    changes: dict[str, dict[str, Any]] = {name: {} for name in VALUE_OBJECTS}
    passed: dict[str, Any] = {}
    for option, value in flat.items():
        field = RENAMED.get(option, option)
        owner = next((name for name, obj in VALUE_OBJECTS.items() if field in {f.name for f in fields(obj)}), None)
        if owner is None:
            passed[option] = value
        else:
            changes[owner][field] = value
    return {**passed, **{name: replace(VALUE_OBJECTS[name], **changes[name])
                         for name in VALUE_OBJECTS if changes[name]}}
