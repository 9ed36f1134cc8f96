"""Payment batches to the bank over its API, through the transactional outbox.

The bank API is a channel payables asks for (finops.payables.channels): bank_api_channel_for
answers for an entity's enabled bank API connector that serves the batch's debtor account.
Releasing such a batch (finops.payables.services.batch_release) notifies BatchReleased, and
batch_released_submit writes one "bank.payment_submission" message in the release transaction.
Its payload is the batch's pain.001, built and XSD-checked at release, so what the relay sends is
exactly what was released. The relay hands the message to
payment_submission_deliver: one POST /bank/v1/payments per attempt with the message's
Idempotency-Key (the outbox owns retries; a redelivery is a replay at the bank, never a second
payment). Delivered: the bank's payment id is stored on the batch and the batch moves released →
transmitted. Dead: the batch gets an exception in the payment queues (the relay also opens a
sync failure for the connector's admins).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from finops.masterdata.models import BankAccount
from finops.outbox.models import OutboxMessage
from finops.outbox.services import outbox_enqueue
from finops.payables.channels import BANK_SUBMISSION_TOPIC, BankChannel
from finops.payables.events import BatchReleased
from finops.payables.models import PaymentBatch
from finops.payables.services import batch_record_transmission, batch_record_transmission_failure
from integrations.connectors import mapping_of
from integrations.connectors.bank_api.client import BankClient
from integrations.credentials import CredentialsUnreadable
from integrations.models import Connector, ConnectorKind
from integrations.outbox.handlers import DeliveryError, PermanentDeliveryError
from integrations.sync.http import ConnectorError, HttpRefused

TOPIC: Final = BANK_SUBMISSION_TOPIC
CHANNEL_KIND: Final = "bank_api"


def bank_connector_for(*, entity_id: int, account: BankAccount) -> Connector | None:
    """The entity's enabled bank API connector that serves `account`: the first (by pk) whose
    mapping lists the account's IBAN (its account number when it has none), else the first that
    lists no accounts (it serves them all); None when the account's bank is not reached over an API."""
    connectors = list(
        Connector.objects.filter(kind=ConnectorKind.BANK_API, entity_id=entity_id, is_enabled=True).order_by("pk")
    )
    key = account.iban or account.account_number
    listed = [c for c in connectors if key and key in (mapping_of(c).get("accounts") or [])]
    serving_all = [c for c in connectors if not mapping_of(c).get("accounts")]
    candidates = listed or serving_all
    return candidates[0] if candidates else None


def pain001_version_of(connector: Connector) -> str:
    """The pain.001 version the connector's bank takes, as the writer names it ("001.001.09")."""
    return str(mapping_of(connector)["pain001_version"]).removeprefix("pain.")


def bank_api_channel_for(entity_id: int, account: BankAccount) -> BankChannel | None:
    """The bank API as payables' channel for the account (registered at start-up), or None."""
    connector = bank_connector_for(entity_id=entity_id, account=account)
    if connector is None:
        return None
    return BankChannel(
        kind=CHANNEL_KIND, reference=connector.pk, name=connector.name, pain001_version=pain001_version_of(connector)
    )


def submission_key(batch: PaymentBatch) -> str:
    """One key per batch, the same on every delivery: the bank takes the file once."""
    return f"{TOPIC}:{batch._meta.label}:{batch.pk}"


def submission_payload(
    *, batch: PaymentBatch, connector: Connector, file_format: str, document: bytes, sha256: str
) -> dict[str, Any]:
    return {
        "batch": batch.external_id,
        "connector_id": connector.pk,
        "format": file_format,
        "sha256": sha256,
        "document": document.decode("utf-8"),
    }


def _client(message: OutboxMessage) -> BankClient:
    connector_id = message.payload.get("connector_id")
    connector = Connector.objects.filter(pk=connector_id, kind=ConnectorKind.BANK_API).first()
    if connector is None:
        raise PermanentDeliveryError(f"The bank API connector #{connector_id} this batch was released to is gone.")
    if not connector.is_enabled:
        # retryable: once an admin enables it again, the next attempt goes out
        raise DeliveryError(f"The bank API connector {connector.name} is disabled.")
    try:
        client = BankClient.for_connector(connector)
    except (ConnectorError, CredentialsUnreadable) as exc:
        raise DeliveryError(f"Bank API connector {connector.name}: {exc}") from exc
    client.http.policy = dataclasses.replace(client.http.policy, max_attempts=1)
    return client


def payment_submission_deliver(message: OutboxMessage) -> Mapping[str, Any]:
    """POST the stored pain.001 to /bank/v1/payments with the message's Idempotency-Key. A 4xx
    (the file refused, the key reused with another file, a refused token) is permanent; 5xx,
    429 and timeouts are retried by the outbox."""
    client = _client(message)
    document = str(message.payload["document"]).encode("utf-8")
    try:
        received = client.submit_payment(document, message.idempotency_key)
    except HttpRefused as exc:
        raise PermanentDeliveryError(f"HTTP {exc.status}: {exc}") from exc
    except ConnectorError as exc:
        raise DeliveryError(str(exc)) from exc
    return {"payment_id": received.payment_id, "status": received.status, "replayed": received.replayed}


def batch_released_submit(event: BatchReleased) -> OutboxMessage | None:
    """Subscriber of BatchReleased: queue the released batch's file for the bank API connector the
    channel names, in the release transaction. Idempotent: one key per batch (submission_key)."""
    if event.channel.kind != CHANNEL_KIND:
        return None
    batch, payment_file = event.batch, event.payment_file
    connector = Connector.objects.get(pk=event.channel.reference, kind=ConnectorKind.BANK_API)
    return outbox_enqueue(
        TOPIC,
        submission_payload(
            batch=batch,
            connector=connector,
            file_format=payment_file.format,
            document=payment_file.content,
            sha256=payment_file.sha256,
        ),
        entity=batch.entity,
        idempotency_key=submission_key(batch),
        obj=batch,
    )


def payment_submission_delivered(message: OutboxMessage, result: Mapping[str, Any]) -> None:
    batch_record_transmission(batch_id=int(message.object_id), submission_id=str(result["payment_id"]))


def payment_submission_dead(message: OutboxMessage) -> None:
    batch_record_transmission_failure(batch_id=int(message.object_id), reason=message.last_error)
