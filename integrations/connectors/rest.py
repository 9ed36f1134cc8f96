"""What the REST kinds share: the connection test and the standard mapping fields."""

from __future__ import annotations

import dataclasses

from integrations.connectors.base import MappingField, TestResult
from integrations.connectors.mapping_schema import list_of_strings, one_of, string, string_map
from integrations.credentials import CredentialsUnreadable
from integrations.models import Connector
from integrations.sync.context import client_for
from integrations.sync.http import ConnectorError, HttpRefused


def rest_test(connector: Connector, path: str) -> TestResult:
    """One real GET of `path` (limit=1), one attempt, the connector's timeout and token."""
    if not connector.base_url:
        return TestResult(False, "Set the base URL first.")
    try:
        client = client_for(connector)
        client.policy = dataclasses.replace(client.policy, max_attempts=1)
        response, decoded = client.request("GET", path, params={"limit": 1})
    except HttpRefused as exc:
        hint = " — check the token." if exc.status in (401, 403) else ""
        return TestResult(False, f"{exc}{hint}", status=exc.status)
    except (ConnectorError, CredentialsUnreadable) as exc:
        return TestResult(False, str(exc))
    count = len(decoded.get("data", [])) if isinstance(decoded, dict) else 0
    return TestResult(
        True,
        f"Connected: GET {path} answered {response.status} in {response.elapsed_ms} ms "
        f"({count} record(s) on a 1-record page).",
        status=response.status,
        elapsed_ms=response.elapsed_ms,
    )


def resources_field(*names: str) -> MappingField:
    return MappingField(one_of(*names), list(names), f"Which resources to pull, in this order: {', '.join(names)}.")


PARTY_FIELDS: dict[str, MappingField] = {
    "blocked_statuses": MappingField(
        list_of_strings, ["blocked"], "Status values that mean the counterparty is blocked for payment."
    ),
    "default_entity": MappingField(
        string, "", "Entity code counterparties are linked to (blank: the connector's entity).", names_entities=True
    ),
}
ENTITY_FIELDS: dict[str, MappingField] = {
    "entities": MappingField(
        string_map,
        {},
        'Source entity codes accepted besides the connector\'s own, mapped to ours, e.g. {"1000": "DE01"}.',
        names_entities=True,
    ),
}
