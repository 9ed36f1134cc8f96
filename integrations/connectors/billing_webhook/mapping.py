"""How billing events map: the invoice and its customer go through the ledger like pulled records."""

from __future__ import annotations

from typing import Any

from finops.invoicing.models import Invoice
from finops.invoicing.upserts import invoice_payment_record
from integrations.connectors.base import ApplyContext, MappingError, MappingField
from integrations.connectors.rest import ENTITY_FIELDS, PARTY_FIELDS
from integrations.sync.ledger import ledger_object_id
from integrations.sync.mappers import fields

MAPPING_FIELDS: dict[str, MappingField] = {**PARTY_FIELDS, **ENTITY_FIELDS}


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
    currency = fields.currency(data, where=where)
    if currency != invoice.currency:
        raise MappingError(f"{where}: paid in {currency}, invoice {invoice.number} is in {invoice.currency}.")
    paid = fields.required_amount(data, "amount", where=where)
    event_id = ctx.message.event_id if ctx.message else ""
    invoice = invoice_payment_record(
        invoice_id=invoice.pk, amount=paid, reference=f"{ctx.source} payment event {event_id}", actor=ctx.actor
    )
    return f"invoice {invoice.number} paid {paid} {currency}; open {invoice.open_amount}"
