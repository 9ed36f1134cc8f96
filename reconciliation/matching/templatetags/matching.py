from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def count_rows(counts: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """A run's counts as (label, value) rows; a nested mapping (counts by reason) one row each."""
    rows: list[tuple[str, Any]] = []
    for key, value in (counts or {}).items():
        label = key.replace("_", " ")
        if isinstance(value, Mapping):
            rows.extend((f"{label}: {sub.replace('_', ' ')}", n) for sub, n in value.items())
        else:
            rows.append((label, value))
    return rows
