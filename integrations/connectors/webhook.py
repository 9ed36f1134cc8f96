"""What the webhook kinds share: the connection test and the event dispatch."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from integrations.connectors.base import ApplyContext, MappingError, TestResult
from integrations.credentials import CredentialsUnreadable
from integrations.models import Connector
from integrations.sync.context import client_for
from integrations.sync.http import ConnectorError, HttpRefused

Handler = Callable[[ApplyContext, dict[str, Any]], str]


def webhook_test(connector: Connector) -> TestResult:
    """Webhooks come to us; what we can check is that a secret is set and, with a base URL, that
    the platform answers (one real GET)."""
    has_secret = "webhook_secret" in (connector.credential_fields or {})
    secret_note = "a signing secret is set" if has_secret else "no signing secret is set yet: every delivery is refused"
    if not connector.base_url:
        return TestResult(has_secret, f"This connector receives events; {secret_note}.")
    try:
        client = client_for(connector)
        client.policy = dataclasses.replace(client.policy, max_attempts=1)
        response, _ = client.request("GET", "/")
        status, elapsed = response.status, response.elapsed_ms
    except HttpRefused as exc:
        status, elapsed = exc.status, None
    except (ConnectorError, CredentialsUnreadable) as exc:
        return TestResult(False, f"{exc} ({secret_note}).")
    return TestResult(
        has_secret, f"The platform answered HTTP {status}; {secret_note}.", status=status, elapsed_ms=elapsed
    )


def dispatch(handlers: Mapping[str, Handler], ctx: ApplyContext, event: dict[str, Any]) -> str:
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        raise MappingError("The event has no 'type'.")
    handler = handlers.get(kind)
    if handler is None:
        return f"ignored: {kind} is not an event this connector acts on"
    return handler(ctx, event["data"])
