"""The canonical events, one producer per business event.

Each producer is called by the service that makes the business change, inside its transaction,
right after the change: the event exists iff the change committed. Each is idempotent through
event_publish's key (kind, record[, occurrence]); the services call them only when the change
really happened, so a redelivered webhook, a re-imported file or a replayed sync publishes nothing.

An event is written only when the record's entity has an active subscription to its topic (one
EXISTS query). The relay sends an event to the subscriptions that existed when it was written
(handlers._subscriptions_of), so an event written with no subscriber would reach nobody; skipping
it loses nothing and keeps bulk work (a first ERP sync, the demo seed) from filling the outbox.
Every event that is written is sent, and the trace page shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from finops.core.money import quantize
from integrations.outbox.models import OutboxMessage, WebhookSubscription
from integrations.outbox.services import event_publish

if TYPE_CHECKING:
    from finops.accounts.models import User
    from finops.invoicing.models import Invoice
    from finops.payables.models import Payment
    from finops.receivables.models import Remittance
    from reconciliation.exceptions.models import ExceptionItem


def event_has_subscribers(entity_id: int | None, kind: str) -> bool:
    """Whether any active subscription of the entity wants events of `kind`."""
    if entity_id is None:
        return False
    return WebhookSubscription.objects.filter(
        entity_id=entity_id, is_active=True, topics__contains=[f"event.{kind}"]
    ).exists()


def _wanted(kind: str, obj: models.Model) -> bool:
    # asked before the event's data is gathered, so an unwanted event costs this one query
    return event_has_subscribers(getattr(obj, "entity_id", None), kind)


def _money(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


def _party(counterparty_id: int | None, name: str) -> dict[str, Any]:
    return {"id": counterparty_id, "name": name}


def invoice_issued_publish(invoice: Invoice, *, actor: User | None) -> OutboxMessage | None:
    """invoice-issued: a customer (AR) invoice came into existence here, from whichever source.
    Once per invoice."""
    if not _wanted("invoice-issued", invoice):
        return None
    return event_publish(
        "invoice-issued",
        invoice,
        actor=actor,
        data={"counterparty": _party(invoice.counterparty_id, invoice.counterparty.name)},
    )


def payment_received_publish(remittance: Remittance, *, actor: User | None) -> OutboxMessage | None:
    """payment-received: a customer payment arrived (a gateway capture, a billing platform's
    "paid"). Once per remittance, which is unique per (source, payment id)."""
    if not _wanted("payment-received", remittance):
        return None
    counterparty = remittance.counterparty
    return event_publish(
        "payment-received",
        remittance,
        actor=actor,
        data={
            "counterparty": _party(counterparty.pk, counterparty.name) if counterparty else None,
            "received_on": remittance.received_on,
            "payer_reference": remittance.payer_reference,
            "lines": [
                {
                    "invoice_reference": line.invoice_reference,
                    "invoice_id": line.invoice_id,
                    "amount": _money(line.amount, remittance.currency),
                }
                for line in remittance.lines.order_by("line_no")
            ],
        },
    )


def cash_applied_publish(
    invoice: Invoice,
    *,
    applied: Decimal,
    open_before: Decimal,
    payment: str,
    applied_in: str,
    actor: User | None,
) -> OutboxMessage | None:
    """cash-applied: a payment lowered an AR invoice's open amount. An invoice can be paid in
    parts, so the occurrence is the payment (e.g. "receivables.Remittance:17", or
    "erp:v5" for an open amount the ERP reported): once per (invoice, payment)."""
    currency = invoice.currency
    if not _wanted("cash-applied", invoice):
        return None
    return event_publish(
        "cash-applied",
        invoice,
        actor=actor,
        data={
            "applied": _money(applied, currency),
            "open_before": _money(open_before, currency),
            "open_after": _money(invoice.open_amount, currency),
            "payment": payment,
            "applied_in": applied_in,
            "counterparty": _party(invoice.counterparty_id, invoice.counterparty.name),
        },
        occurrence=payment,
    )


def payment_released_publish(payment: Payment, *, actor: User | None) -> OutboxMessage | None:
    """payment-released: a supplier payment was released to the bank as part of its batch. A
    payment is released once (no transition leads back to released)."""
    if not _wanted("payment-released", payment):
        return None
    return event_publish(
        "payment-released",
        payment,
        actor=actor,
        data={
            "batch": payment.batch.external_id if payment.batch else None,
            "counterparty": _party(payment.counterparty_id, payment.counterparty.name),
            "remittance_info": payment.remittance_info,
        },
    )


def payment_rejected_publish(
    payment: Payment, *, reason: str, reported_in: str, actor: User | None
) -> OutboxMessage | None:
    """payment-rejected: the bank refused or returned a payment (pain.002 RJCT, a NACHA return).
    Rejected is a final state, so once per payment."""
    if not _wanted("payment-rejected", payment):
        return None
    return event_publish(
        "payment-rejected",
        payment,
        actor=actor,
        data={
            "reason": reason,
            "reported_in": reported_in,
            "batch": payment.batch.external_id if payment.batch else None,
            "counterparty": _party(payment.counterparty_id, payment.counterparty.name),
        },
    )


def exception_created_publish(item: ExceptionItem) -> OutboxMessage | None:
    """exception-created: a new item in an exception queue. Once per item.

    Not for an exception about an undeliverable event: the relay opens one when an event message
    dies, and announcing it to the same subscribers could fail and die in turn, without end."""
    if item.object_type == OutboxMessage._meta.label and str(item.detail.get("topic", "")).startswith("event."):
        return None
    if not _wanted("exception-created", item):
        return None
    return event_publish(
        "exception-created",
        item,
        actor=None,
        data={
            "kind": item.kind,
            "dedupe_key": item.dedupe_key,
            "record": {"type": item.object_type, "id": item.object_id} if item.object_type else None,
        },
    )
