"""How billing events map: the invoice and its customer go through the ledger like pulled records;
a payment becomes a remittance applied to the invoice."""

from __future__ import annotations

from typing import Any

from finops.core.money import Money
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection
from finops.receivables.services import RemittanceLineInput, payment_receive
from integrations.connectors.base import ApplyContext, MappingError, MappingField
from integrations.connectors.rest import ENTITY_FIELDS, PARTY_FIELDS
from integrations.sync.ledger import ledger_object_id
from integrations.sync.mappers import fields


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


MAPPING_FIELDS: dict[str, MappingField] = {
    **PARTY_FIELDS,
    **ENTITY_FIELDS,
    "post_cash_receipts": MappingField(
        _flag,
        False,
        "Post a cash receipt to the entity's ERP for each payment the platform reports. Off by default: "
        "billing platforms book their payments in the ERP themselves.",
    ),
}


def issued_split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(customer, invoice) from an invoice.issued event's data."""
    customer = data.get("customer")
    if not isinstance(customer, dict):
        raise MappingError("invoice.issued: 'customer' is missing.")
    invoice = {k: v for k, v in data.items() if k != "customer"}
    invoice.setdefault("counterparty_id", customer.get("id"))
    invoice.setdefault("direction", "AR")
    return customer, invoice


def paid_apply(ctx: ApplyContext, data: dict[str, Any]) -> str:
    """invoice.paid: the customer paid an invoice the platform issued. It becomes a remittance
    (source billing, external id = the event id, so a redelivered event is the same payment)
    applied to the invoice: payment-received, then cash-applied."""
    invoice_id = fields.text(data, "invoice_id", where="invoice.paid")
    where = f"invoice.paid {invoice_id}"
    object_id = ledger_object_id(source=ctx.source, resource="invoices", external_id=invoice_id)
    invoice = (
        Invoice.objects.filter(pk=object_id).first()
        if object_id is not None
        else Invoice.objects.filter(source=ctx.source, external_id=invoice_id).first()
    )
    if invoice is None:
        raise MappingError(f"{where}: invoice {invoice_id!r} has not been issued here (yet).")
    if invoice.direction != InvoiceDirection.AR:
        raise MappingError(f"{where}: invoice {invoice.number} is not a customer invoice.")
    currency = fields.currency(data, where=where)
    if currency != invoice.currency:
        raise MappingError(f"{where}: paid in {currency}, invoice {invoice.number} is in {invoice.currency}.")
    paid = fields.required_amount(data, "amount", where=where)
    if paid <= 0:
        raise MappingError(f"{where}: 'amount' {paid} is not a payment.")
    paid_at = fields.instant(data, "paid_at", where=where)
    payment_id = ctx.message.event_id if ctx.message else f"{invoice_id}@{paid_at.isoformat()}"
    received = payment_receive(
        source=ctx.source,
        external_id=payment_id,
        entity=invoice.entity,
        counterparty=invoice.counterparty,
        amount=paid,
        currency=currency,
        received_on=paid_at.date(),
        payer_reference=f"{ctx.source} {invoice.number} paid",
        lines=[RemittanceLineInput(invoice_reference=invoice.number, amount=paid, invoice=invoice)],
        actor=ctx.actor,
        detail={"invoice": invoice.number, "event": payment_id},
        post_to_erp=bool(ctx.mapping.get("post_cash_receipts")),
    )
    if not received.is_new:
        return f"invoice {invoice.number}: payment {payment_id} was recorded before"
    if not received.applications:
        return f"invoice {invoice.number}: payment {payment_id} recorded; nothing was open to apply it to"
    [applied] = received.applications
    paid_now, still_open = Money(applied.applied, currency), Money(applied.invoice.open_amount, currency)
    return f"invoice {invoice.number} paid {paid_now}; open {still_open}"
