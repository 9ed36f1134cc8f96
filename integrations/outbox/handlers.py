"""What the relay does with each topic: the handler registry, the ERP posters, the CRM activity
poster and the webhook fan-out.

Registering a handler (from a module your AppConfig.ready() loads, see integrations.outbox.registrations):

    from integrations.outbox.handlers import handler_register

    handler_register(
        "erp.cash_receipt",
        deliver=post_cash_receipt,          # (OutboxMessage) -> Mapping: does the I/O, writes nothing of ours
        on_delivered=record_receipt_posted,  # (OutboxMessage, result) -> None: runs in the transaction that
                                             #   marks the message delivered, so both commit or neither
        on_dead=record_receipt_failed,       # (OutboxMessage) -> None: runs in the transaction that marks it dead
    )

A topic ending in ".*" matches every topic with that prefix ("event.*"); an exact topic wins
over a prefix. `deliver` raises DeliveryError for a failure worth retrying (timeouts, 5xx, 429)
and PermanentDeliveryError for one that retrying cannot fix (the receiver refused the body);
any other exception counts as a retryable failure too. `deliver` must send message.idempotency_key
with every request, so a redelivery (at-least-once) has its effect once at the receiver.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from finops.ledger.services import journal_entry_record_failure, journal_entry_record_posting
from finops.masterdata.models import Counterparty, ExternalRef
from finops.outbox.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from finops.receivables.models import CollectionNote
from finops.receivables.services import collection_note_record_delivery, collection_note_record_failure
from integrations.connectors import source_of
from integrations.connectors.crm_rest.client import CrmClient
from integrations.connectors.erp_rest.client import ErpClient, Posted, PostingRejected
from integrations.credentials import CredentialsUnreadable
from integrations.models import Connector, ConnectorKind
from integrations.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from integrations.sync.http import ConnectorError, HttpRefused

HTTP_TIMEOUT_SECONDS = 10.0
USER_AGENT = "FinanceControlTower-Outbox/1"
MAX_REPLY_BYTES = 64 * 1024  # we keep an excerpt for last_error, nothing more

Deliver = Callable[[OutboxMessage], Mapping[str, Any]]
OnDelivered = Callable[[OutboxMessage, Mapping[str, Any]], None]
OnDead = Callable[[OutboxMessage], None]


class DeliveryError(Exception):
    """This attempt failed; try again later."""


class PermanentDeliveryError(DeliveryError):
    """The receiver refused the message itself; retrying the same body cannot succeed."""


@dataclass(frozen=True)
class Handler:
    topic: str
    deliver: Deliver
    on_delivered: OnDelivered | None = None
    on_dead: OnDead | None = None


_HANDLERS: dict[str, Handler] = {}


def handler_register(
    topic: str,
    *,
    deliver: Deliver,
    on_delivered: OnDelivered | None = None,
    on_dead: OnDead | None = None,
    replace: bool = False,
) -> Handler:
    """Register the handler of `topic` (or of a prefix, "event.*"). A second registration of the
    same topic is a programming error unless replace=True."""
    if topic in _HANDLERS and not replace:
        raise ValueError(f"A handler for {topic!r} is already registered ({_HANDLERS[topic].deliver.__qualname__}).")
    handler = Handler(topic=topic, deliver=deliver, on_delivered=on_delivered, on_dead=on_dead)
    _HANDLERS[topic] = handler
    return handler


def handler_for(topic: str) -> Handler | None:
    if topic in _HANDLERS:
        return _HANDLERS[topic]
    prefixes = [key for key in _HANDLERS if key.endswith(".*") and topic.startswith(key[:-1])]
    return _HANDLERS[max(prefixes, key=len)] if prefixes else None


def registered_topics() -> list[str]:
    return sorted(_HANDLERS)


# --- HTTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    def excerpt(self) -> str:
        return self.body[:300].decode("utf-8", errors="replace")


def http_post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float = HTTP_TIMEOUT_SECONDS) -> HttpReply:
    """POST and return the status and (the start of) the body, whatever the status. A network
    failure (refused, reset, timeout) is a DeliveryError: we cannot know whether the receiver acted
    on it. Header names go out exactly as given (FCT-Signature, not Fct-signature)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentDeliveryError(f"{url!r} is not an http(s) URL.")
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        return HttpReply(status=response.status, body=response.read(MAX_REPLY_BYTES))
    except (OSError, HTTPException) as exc:  # refused, reset, timeout, garbled status line
        raise DeliveryError(f"POST {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()


def canonical_json(data: Any) -> bytes:
    """The bytes we send: the same message always serialises the same way, so a retry with the
    same Idempotency-Key carries the same body."""
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


# --- ERP ---------------------------------------------------------------------------------------


def erp_client_for(entity_id: int | None) -> ErpClient:
    """The ERP client of the entity's enabled erp_rest Connector (its base URL, token and account
    mapping), making one HTTP attempt per call: the outbox owns the retries. No connector is a
    retryable failure: once an admin configures one, the next attempt goes out."""
    connector = (
        Connector.objects.filter(kind=ConnectorKind.ERP_REST, entity_id=entity_id, is_enabled=True)
        .order_by("pk")
        .first()
    )
    if connector is None:
        raise DeliveryError("No enabled ERP connector is configured for this entity.")
    try:
        client = ErpClient.for_connector(connector)
    except (ConnectorError, CredentialsUnreadable) as exc:
        raise DeliveryError(f"ERP connector {connector.name}: {exc}") from exc
    client.http.policy = dataclasses.replace(client.http.policy, max_attempts=1)
    return client


def _erp_post(message: OutboxMessage, post: Callable[[ErpClient], Posted]) -> Mapping[str, Any]:
    client = erp_client_for(message.entity_id)
    try:
        posted = post(client)
    except (PostingRejected, HttpRefused) as exc:
        # 409/422 and other 4xx are answers: the same body will be refused again
        raise PermanentDeliveryError(f"HTTP {exc.status}: {exc}") from exc
    except ConnectorError as exc:
        raise DeliveryError(str(exc)) from exc
    return {"id": posted.id, "document_number": posted.document_number}


def erp_journal_entry_deliver(message: OutboxMessage) -> Mapping[str, Any]:
    """POST /erp/v1/journal_entries with the message payload as body."""
    return _erp_post(message, lambda client: client.post_journal_entry(message.payload, message.idempotency_key))


def erp_journal_entry_delivered(message: OutboxMessage, result: Mapping[str, Any]) -> None:
    journal_entry_record_posting(entry_id=int(message.object_id), document_number=str(result["document_number"]))


def erp_journal_entry_dead(message: OutboxMessage) -> None:
    journal_entry_record_failure(entry_id=int(message.object_id), reason=message.last_error)


def erp_cash_receipt_deliver(message: OutboxMessage) -> Mapping[str, Any]:
    """POST /erp/v1/cash_receipts with the message payload as body; the document number is kept
    in the message's result (no local record changes state)."""
    return _erp_post(message, lambda client: client.post_cash_receipt(message.payload, message.idempotency_key))


# --- CRM ---------------------------------------------------------------------------------------


def crm_connector_for(entity_id: int | None) -> Connector:
    """The entity's enabled crm_rest Connector. None is a retryable failure: once an admin
    configures (or re-enables) one, the next attempt goes out."""
    connector = (
        Connector.objects.filter(kind=ConnectorKind.CRM_REST, entity_id=entity_id, is_enabled=True)
        .order_by("pk")
        .first()
    )
    if connector is None:
        raise DeliveryError("No enabled CRM connector is configured for this entity.")
    return connector


def crm_account_of(connector: Connector, counterparty_id: int) -> str:
    """The customer's account id in the CRM (ACC-…): its ExternalRef for the connector's source.
    None yet is retryable: the CRM sync links accounts to customers, maybe after this attempt."""
    source = source_of(connector)
    account = (
        ExternalRef.objects.filter(source=source, object_type=Counterparty._meta.label, object_id=counterparty_id)
        .order_by("pk")
        .values_list("external_id", flat=True)
        .first()
    ) or Counterparty.objects.filter(pk=counterparty_id, source=source).values_list("external_id", flat=True).first()
    if not account:
        name = Counterparty.objects.filter(pk=counterparty_id).values_list("name", flat=True).first() or "?"
        raise DeliveryError(
            f"Customer {name} has no account in the CRM yet (no {source!r} reference; {connector.name} "
            "links accounts to customers when it syncs)."
        )
    return account


def crm_activity_deliver(message: OutboxMessage) -> Mapping[str, Any]:
    """POST /crm/v1/activities {account_id, type, text} for the customer in the payload
    ({counterparty_id, type, text}), with the message's Idempotency-Key; one HTTP attempt per
    call, the outbox owns the retries. A 4xx (unknown account, key reused with another body, a
    refused token) is permanent; the rest is retried."""
    payload = message.payload
    connector = crm_connector_for(message.entity_id)
    account_id = crm_account_of(connector, int(payload["counterparty_id"]))
    try:
        client = CrmClient.for_connector(connector)
    except (ConnectorError, CredentialsUnreadable) as exc:
        raise DeliveryError(f"CRM connector {connector.name}: {exc}") from exc
    client.http.policy = dataclasses.replace(client.http.policy, max_attempts=1)
    try:
        activity_id = client.post_activity(
            account_id=account_id,
            activity_type=str(payload["type"]),
            text=str(payload["text"]),
            idempotency_key=message.idempotency_key,
        )
    except HttpRefused as exc:
        raise PermanentDeliveryError(f"HTTP {exc.status}: {exc}") from exc
    except ConnectorError as exc:
        raise DeliveryError(str(exc)) from exc
    return {"id": activity_id, "account_id": account_id}


def _collection_note_id(message: OutboxMessage) -> int | None:
    return int(message.object_id) if message.object_type == CollectionNote._meta.label else None


def crm_activity_delivered(message: OutboxMessage, result: Mapping[str, Any]) -> None:
    note_id = _collection_note_id(message)
    if note_id is not None:
        collection_note_record_delivery(note_id=note_id, activity_id=str(result["id"]))


def crm_activity_dead(message: OutboxMessage) -> None:
    note_id = _collection_note_id(message)
    if note_id is not None:
        collection_note_record_failure(note_id=note_id, reason=message.last_error)


# --- canonical events to webhook subscribers --------------------------------------------------


def event_body(message: OutboxMessage) -> bytes:
    """The envelope every subscriber receives; built from the stored message only, so every
    retry sends identical bytes."""
    return canonical_json(
        {
            "id": str(message.event_id),
            "type": message.topic.removeprefix("event."),
            "created": int(message.created_at.timestamp()),
            "entity": message.entity.code if message.entity else None,
            "correlation_id": message.correlation_id,
            "data": message.payload,
        }
    )


def _subscriptions_of(message: OutboxMessage) -> list[WebhookSubscription]:
    # Subscribers as of the event: one added later does not receive events from before it existed.
    return list(
        WebhookSubscription.objects.filter(
            entity_id=message.entity_id,
            is_active=True,
            topics__contains=[message.topic],
            created_at__lte=message.created_at,
        )
    )


def webhook_fanout_deliver(message: OutboxMessage) -> Mapping[str, Any]:
    """Send the event to each subscriber not yet served. One WebhookDelivery row per
    (message, subscription): a subscriber that answered 2xx is never sent this event again by
    us; a failing one is retried alone on the message's next attempt."""
    subscriptions = _subscriptions_of(message)
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(message=message, subscription=s) for s in subscriptions], ignore_conflicts=True
    )
    body = event_body(message)
    failures: list[str] = []
    open_deliveries = (
        WebhookDelivery.objects.filter(message=message, delivered_at__isnull=True, subscription__is_active=True)
        .select_related("subscription")
        .order_by("pk")
    )
    for delivery in open_deliveries:
        subscription = delivery.subscription
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(subscription.secret, body, timestamp),
            EVENT_ID_HEADER: str(message.event_id),
            "Idempotency-Key": message.idempotency_key,
            "X-Correlation-ID": message.correlation_id,
        }
        now = timezone.now()
        try:
            reply = http_post(subscription.url, body, headers)
        except DeliveryError as exc:
            status, error = None, str(exc)
        else:
            status = reply.status
            error = "" if 200 <= reply.status < 300 else f"HTTP {reply.status} {reply.excerpt()}"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts + 1,
            last_status=status,
            last_error=error[:2000],
            last_attempt_at=now,
            delivered_at=None if error else now,
        )
        if error:
            failures.append(f"{subscription.name}: {error}")
    delivered = WebhookDelivery.objects.filter(message=message, delivered_at__isnull=False).count()
    if failures:
        raise DeliveryError("; ".join(failures))
    return {"subscribers": len(subscriptions), "delivered": delivered}
