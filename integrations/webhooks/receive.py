"""Receiving one delivery: refuse what is oversized, unsigned, forged or stale; store the rest
once per event id and process it after commit."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from finops.audit.context import current_correlation_id
from integrations.connectors import spec_for
from integrations.credentials import CredentialsUnreadable, decrypt
from integrations.models import Connector, InboundMessage
from integrations.signing import SignatureError, signature_verify
from integrations.webhooks.processing import message_enqueue_on_commit

log = structlog.get_logger(__name__)
KEPT_HEADERS = ("content-type", "user-agent", "content-length")


@dataclass(frozen=True)
class Delivery:
    status: int
    outcome: str  # accepted | duplicate | refused
    reason: str = ""
    message_id: int | None = None


def _refuse(connector: Connector, status: int, reason: str) -> Delivery:
    """Count and log a refusal; never the secret, never the body."""
    Connector.objects.filter(pk=connector.pk).update(
        webhook_refusals=F("webhook_refusals") + 1, last_refusal_at=timezone.now(), last_refusal_reason=reason[:100]
    )
    log.warning("webhook.refused", connector=connector.pk, status=status, reason=reason)
    return Delivery(status=status, outcome="refused", reason=reason)


def too_large(connector: Connector, length: int) -> Delivery | None:
    if length > connector.webhook_max_body_bytes:
        return _refuse(connector, 413, f"body of {length} bytes is over {connector.webhook_max_body_bytes}")
    return None


def webhook_receive(
    *, connector: Connector, body: bytes, headers: Mapping[str, str], now: int | None = None
) -> Delivery:
    """Verify and store one delivery, and enqueue its processing after commit.

    Idempotent: InboundMessage is unique per (connector, event id), so a redelivery (or the same
    event arriving at two workers at once) stores one message; the other answers duplicate."""
    refused = too_large(connector, len(body))
    if refused:
        return refused
    spec = spec_for(connector.kind)
    try:
        credentials = decrypt(connector.credentials_encrypted)
    except CredentialsUnreadable:
        return _refuse(connector, 503, "credentials unreadable")
    secrets = [credentials.get("webhook_secret", ""), credentials.get("previous_webhook_secret", "")]
    if not any(secrets):
        return _refuse(connector, 401, "no webhook secret configured")
    header = headers.get(spec.signature_header, "")
    try:
        signed_at = signature_verify(
            header,
            body,
            secrets,
            now=int(now if now is not None else time.time()),
            tolerance=connector.webhook_tolerance_seconds,
        )
    except SignatureError as exc:
        return _refuse(connector, 401, exc.reason)
    try:
        event = json.loads(body)
    except ValueError:
        return _refuse(connector, 400, "body is not JSON")
    event_id = headers.get(spec.event_id_header, "") or (event.get("id") if isinstance(event, dict) else "")
    if not isinstance(event, dict) or not event_id or str(event.get("id", event_id)) != str(event_id):
        return _refuse(connector, 400, "event id missing or different in header and body")
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                connector=connector,
                entity=connector.entity,
                event_id=str(event_id)[:128],
                event_type=str(event.get("type", ""))[:64],
                body=body.decode("utf-8", errors="replace"),
                headers={k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS or k == spec.event_id_header},
                signed_at=dt.datetime.fromtimestamp(signed_at, tz=dt.UTC),
                correlation_id=current_correlation_id(),
            )
            message_enqueue_on_commit(message.pk)
    except IntegrityError:
        log.info("webhook.duplicate", connector=connector.pk, event_id=str(event_id))
        return Delivery(status=200, outcome="duplicate")
    log.info("webhook.accepted", connector=connector.pk, event_id=message.event_id, type=message.event_type)
    return Delivery(status=202, outcome="accepted", message_id=message.pk)
