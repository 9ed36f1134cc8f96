"""Invoices (ERP, billing) → finops.invoicing.upserts."""

from __future__ import annotations

from typing import Any

from finops.invoicing.states import InvoiceDirection
from finops.invoicing.upserts import InvoiceData, invoice_upsert
from finops.payables.models import PurchaseOrder
from integrations.connectors.base import Applied, ApplyContext, MappingError
from integrations.sync.mappers import fields
from integrations.sync.mappers.entities import entity_of
from integrations.sync.mappers.parties import counterparty_link, counterparty_of


def invoice_data(ctx: ApplyContext, payload: dict[str, Any], *, direction: str | None = None) -> InvoiceData:
    external_id = fields.text(payload, "id", where="invoice")
    where = f"invoice {external_id}"
    direction = direction or fields.text(payload, "direction", where=where, max_length=2)
    if direction not in InvoiceDirection.values:
        raise MappingError(f"{where}: 'direction' {direction!r} is neither AP nor AR.")
    entity = entity_of(ctx, fields.text(payload, "entity", where=where, required=False, max_length=16), where=where)
    party_resources = ("customers", "accounts") if direction == InvoiceDirection.AR else ("suppliers",)
    counterparty = counterparty_link(
        counterparty_of(
            ctx, fields.text(payload, "counterparty_id", where=where), where=where, resources=party_resources
        ),
        entity,
    )
    # An order we do not hold (yet) is kept as the number quoted: the 3-way match holds the invoice
    # (no_po) until the order arrives, and then matches it.
    po_number = fields.text(payload, "po_number", where=where, required=False, max_length=64)
    purchase_order = PurchaseOrder.objects.filter(entity=entity, number=po_number).first() if po_number else None
    return InvoiceData(
        source=ctx.source,
        external_id=external_id,
        version=fields.integer(payload, "version", where=where),
        entity=entity,
        counterparty=counterparty,
        direction=direction,
        number=fields.text(payload, "number", where=where, max_length=64),
        currency=fields.currency(payload, where=where),
        amount=fields.required_amount(payload, "amount", where=where),
        open_amount=fields.required_amount(payload, "open_amount", where=where),
        issue_on=fields.date(payload, "issue_date", where=where),
        due_on=fields.date(payload, "due_date", where=where),
        purchase_order=purchase_order,
        po_number=po_number if direction == InvoiceDirection.AP else "",
    )


def invoice_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    invoice, outcome = invoice_upsert(invoice_data(ctx, payload), actor=ctx.actor)
    return Applied(invoice, outcome)
