"""Validation of a connector's field mapping (the JSON admins edit): every error names its key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from integrations.connectors.base import MappingField


def list_of_strings(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return "must be a list of non-empty strings"
    return None


def string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def string_map(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return 'must be an object of strings, e.g. {"DE01": "DE01"}'
    return None


def one_of(*choices: str) -> Any:
    def check(value: Any) -> str | None:
        error = list_of_strings(value)
        if error:
            return error
        unknown = [v for v in value if v not in choices]
        return f"has unknown value(s) {', '.join(unknown)} (allowed: {', '.join(choices)})" if unknown else None

    return check


def mapping_validate(
    fields: Mapping[str, MappingField], mapping: Any, *, entity_codes: Iterable[str]
) -> dict[str, Any]:
    """The mapping as stored (only the keys given), or ValidationError naming the bad key."""
    if not isinstance(mapping, dict):
        raise ValidationError("The mapping must be a JSON object.")
    codes = set(entity_codes)
    errors: list[str] = []
    for key, value in mapping.items():
        spec = fields.get(key)
        if spec is None:
            errors.append(f"Unknown key '{key}' (allowed: {', '.join(sorted(fields))}).")
            continue
        problem = spec.check(value)
        if problem:
            errors.append(f"'{key}' {problem}.")
            continue
        if spec.names_entities:
            named = list(value.values()) if isinstance(value, dict) else [value]
            unknown = [code for code in named if code and code not in codes]
            if unknown:
                errors.append(f"'{key}' names entity {', '.join(unknown)}, which you do not administer.")
    if errors:
        raise ValidationError(errors)
    return dict(mapping)


def mapping_effective(fields: Mapping[str, MappingField], mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with what the admin set."""
    return {key: mapping.get(key, spec.default) for key, spec in fields.items()}
