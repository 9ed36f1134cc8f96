"""What every connector kind declares: its resources, how each record is applied, its mapping
schema, how it pulls, how it is tested and (for webhook kinds) how it handles an event.

A kind's package holds client.py (HTTP calls), mapping.py (mapping schema and payload → canonical
values), config.py (defaults and the ConnectorSpec), sync.py (the pull and the per-resource apply).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from finops.accounts.models import User
    from finops.masterdata.models import LegalEntity
    from integrations.models import Connector, InboundMessage, SyncRun
    from integrations.sync.context import RunContext


class MappingError(Exception):
    """A record cannot be mapped to the canonical model; the message names the field."""


class SkipRecord(Exception):
    """The record belongs to another of our entities: that entity's connector applies it."""

    def __init__(self, message: str, *, entity_code: str) -> None:
        super().__init__(message)
        self.entity_code = entity_code


class VersionPolicy(StrEnum):
    VERSIONED = "versioned"  # records carry `version`; older is stale, same version + other content a conflict
    IMMUTABLE = "immutable"  # booked once (bank transactions): any change of content is a conflict
    LATEST = "latest"  # snapshots (balances): the latest content wins


@dataclass(frozen=True)
class Applied:
    """What an apply function did to the canonical record."""

    obj: models.Model | None
    outcome: str  # ApplyOutcome.CREATED | UPDATED | UNCHANGED


@dataclass
class ApplyContext:
    """Everything an apply function may need about where a record came from."""

    connector: Connector
    mapping: dict[str, Any]
    source: str  # the connector's source name (integrations.connectors.source_of)
    run: SyncRun | None = None
    message: InboundMessage | None = None
    actor: User | None = None
    # (resource, key) of the connector's unresolved record failures, when a run has loaded them;
    # None means "unknown: look in the database"
    failing_keys: set[tuple[str, str]] | None = None

    @property
    def entity(self) -> LegalEntity:
        return self.connector.entity


ApplyFn = Callable[[ApplyContext, dict[str, Any]], Applied]


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    apply: ApplyFn
    policy: VersionPolicy = VersionPolicy.VERSIONED
    id_field: str = "id"


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    status: int | None = None
    elapsed_ms: int | None = None


Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class MappingField:
    check: Check
    default: Any
    help: str
    names_entities: bool = False  # value (or dict values) must be legal entity codes the admin may use


@dataclass(frozen=True)
class ConnectorSpec:
    kind: str
    default_source: str
    summary: str
    mapping_fields: Mapping[str, MappingField] = field(default_factory=dict)
    resources: tuple[Resource, ...] = ()
    pull: Callable[[RunContext], None] | None = None
    test: Callable[[Connector], TestResult] | None = None
    # webhook kinds
    handle_event: Callable[[ApplyContext, dict[str, Any]], str] | None = None
    signature_header: str = ""
    event_id_header: str = ""
    credential_fields: tuple[str, ...] = ("token",)
    notes: str = ""
    # HTTP kinds talk to base_url; a kind that reaches its system otherwise (SFTP: host and port
    # in its mapping) runs without one
    uses_base_url: bool = True

    @property
    def has_test(self) -> bool:
        # templates call callables, so they ask this instead of looking at `test`
        return self.test is not None

    @property
    def can_pull(self) -> bool:
        return self.pull is not None

    @property
    def receives_webhooks(self) -> bool:
        return self.handle_event is not None

    def resource(self, name: str) -> Resource:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(f"{self.kind} has no resource {name!r}")
