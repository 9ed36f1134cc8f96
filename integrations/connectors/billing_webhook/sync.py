"""Billing events, applied through the same ledger as pulled records (versions, duplicates)."""

from __future__ import annotations

from typing import Any

from integrations.connectors.base import ApplyContext, Resource
from integrations.connectors.billing_webhook.mapping import issued_split, paid_apply
from integrations.connectors.webhook import dispatch
from integrations.sync.ledger import record_apply
from integrations.sync.mappers.invoices import invoice_apply
from integrations.sync.mappers.parties import customer_apply

CUSTOMERS = Resource("customers", "", customer_apply)
INVOICES = Resource("invoices", "", invoice_apply)


def issued_apply(ctx: ApplyContext, data: dict[str, Any]) -> str:
    customer, invoice = issued_split(data)
    customer_outcome = record_apply(ctx, CUSTOMERS, customer)
    invoice_outcome = record_apply(ctx, INVOICES, invoice)
    return f"customer {customer_outcome}, invoice {invoice_outcome}"


HANDLERS = {"invoice.issued": issued_apply, "invoice.paid": paid_apply}


def handle_event(ctx: ApplyContext, event: dict[str, Any]) -> str:
    return dispatch(HANDLERS, ctx, event)
