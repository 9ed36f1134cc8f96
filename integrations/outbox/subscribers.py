"""What the integrations queue when the domain tells them a payment was applied: an ERP cash
receipt and a payment status on the customer's CRM account, each an outbox message written in the
transaction that applied the payment (see finops.outbox.events for how subscribing works; the bank
submission of a released batch is in integrations.connectors.bank_api.submission).

Both depend on which systems the entity is connected to, which only the integrations know. The
relay delivers them with the handlers in integrations.outbox.handlers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from finops.core.money import Money, quantize
from finops.invoicing.events import CashApplied
from finops.invoicing.models import Invoice
from finops.masterdata.models import Counterparty, ExternalRef
from finops.outbox.models import OutboxMessage
from finops.outbox.services import outbox_enqueue
from finops.receivables.events import RemittanceApplied
from finops.receivables.models import Remittance
from finops.receivables.services import crm_activity_queue
from integrations.connectors import source_of
from integrations.models import Connector, ConnectorKind

ERP_CASH_RECEIPT_TOPIC = "erp.cash_receipt"


def _connector_of(entity_id: int, kind: str) -> Connector | None:
    """The entity's connector of a kind, enabled or not: one paused for maintenance still means
    the system is there, and messages for it wait in the outbox (retried, then dead, then retried
    by an admin) instead of being dropped."""
    return Connector.objects.filter(kind=kind, entity_id=entity_id).order_by("-is_enabled", "pk").first()


# --- to the ERP ------------------------------------------------------------------------------


def external_id_in(source: str, counterparty: Counterparty) -> str | None:
    """The counterparty's id in `source` (its ExternalRef, or its own id when it came from there)."""
    ref = (
        ExternalRef.objects.filter(source=source, object_type=Counterparty._meta.label, object_id=counterparty.pk)
        .order_by("pk")
        .values_list("external_id", flat=True)
        .first()
    )
    if ref is not None:
        return ref
    return counterparty.external_id if counterparty.source == source else None


def cash_receipt_erp_body(
    *, invoice: Invoice, customer_id: str, amount: Decimal, received_on: dt.date
) -> dict[str, Any]:
    """The ERP's cash-receipt body (sandbox API.md): the ERP's own customer id, the invoice number,
    the amount as a decimal string in the currency's minor units."""
    return {
        "entity": invoice.entity.code,
        "customer_id": customer_id,
        "invoice_number": invoice.number,
        "amount": str(quantize(amount, invoice.currency)),
        "currency": invoice.currency,
        "received_on": received_on.isoformat(),
    }


def cash_receipt_queue(*, invoice: Invoice, remittance: Remittance, amount: Decimal) -> OutboxMessage | None:
    """Queue the ERP cash receipt for a payment applied here, in the caller's transaction.

    Only when the entity has an ERP connector: without one there is no ERP to tell. The customer is
    sent under its ERP id (falling back to the id it came with, which the ERP refuses visibly if it
    does not know it: the message dies and an admin sees why). Idempotent: the key is the
    (remittance, invoice) pair, the same on every call, so the ERP books the receipt once."""
    connector = _connector_of(invoice.entity_id, ConnectorKind.ERP_REST)
    if connector is None:
        return None
    customer = invoice.counterparty
    customer_id = external_id_in(source_of(connector), customer) or customer.external_id
    return outbox_enqueue(
        ERP_CASH_RECEIPT_TOPIC,
        cash_receipt_erp_body(
            invoice=invoice, customer_id=customer_id, amount=amount, received_on=remittance.received_on
        ),
        entity=invoice.entity,
        idempotency_key=f"{ERP_CASH_RECEIPT_TOPIC}:{Remittance._meta.label}:{remittance.pk}:{invoice.pk}",
        obj=remittance,
    )


def remittance_applied_post_to_erp(event: RemittanceApplied) -> None:
    """Subscriber of RemittanceApplied: the ERP cash receipt, when the payment's source asked for it."""
    if event.post_to_erp:
        cash_receipt_queue(invoice=event.invoice, remittance=event.remittance, amount=event.applied)


# --- to the CRM ------------------------------------------------------------------------------


def payment_status_text(invoice: Invoice, applied: Decimal) -> str:
    paid = Money(applied, invoice.currency)
    still_open = Money(invoice.open_amount, invoice.currency)
    return f"Invoice {invoice.number} paid {paid}, open {still_open}"


def payment_status_queue(*, invoice: Invoice, applied: Decimal, occurrence: str) -> OutboxMessage | None:
    """Log a "payment_status" activity on the customer's CRM account, e.g. "Invoice INV-1 paid
    1,200.00 EUR, open 0.00 EUR". Only when the entity has a CRM connector: payment news for a
    CRM nobody configured would only pile up as dead messages. Idempotent per (invoice,
    occurrence), the payment that was applied."""
    if _connector_of(invoice.entity_id, ConnectorKind.CRM_REST) is None:
        return None
    return crm_activity_queue(
        entity=invoice.entity,
        counterparty=invoice.counterparty,
        activity_type="payment_status",
        text=payment_status_text(invoice, applied),
        key=f"payment_status:{invoice.pk}:{occurrence}",
        obj=invoice,
    )


def cash_applied_tell_crm(event: CashApplied) -> None:
    """Subscriber of CashApplied: the payment status on the customer's CRM account."""
    payment_status_queue(invoice=event.invoice, applied=event.applied, occurrence=event.occurrence)
