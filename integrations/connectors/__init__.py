"""Connector kinds: one sub-package per kind, each exposing SPEC in its config.py."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from integrations.connectors.base import ApplyContext, ConnectorSpec
from integrations.connectors.mapping_schema import mapping_effective

if TYPE_CHECKING:
    from finops.accounts.models import User
    from integrations.models import Connector, InboundMessage, SyncRun


@cache
def spec_for(kind: str) -> ConnectorSpec:
    spec: ConnectorSpec = import_module(f"integrations.connectors.{kind}.config").SPEC
    return spec


def source_of(connector: Connector) -> str:
    return connector.source or spec_for(connector.kind).default_source


def mapping_of(connector: Connector) -> dict[str, Any]:
    return mapping_effective(spec_for(connector.kind).mapping_fields, connector.mapping or {})


def apply_context(
    connector: Connector,
    *,
    run: SyncRun | None = None,
    message: InboundMessage | None = None,
    actor: User | None = None,
) -> ApplyContext:
    return ApplyContext(
        connector=connector,
        mapping=mapping_of(connector),
        source=source_of(connector),
        run=run,
        message=message,
        actor=actor,
    )
