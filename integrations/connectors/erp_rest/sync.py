"""The ERP pull: parties first, then what refers to them."""

from __future__ import annotations

from integrations.connectors.base import Resource
from integrations.sync.context import RunContext
from integrations.sync.mappers.invoices import invoice_apply
from integrations.sync.mappers.parties import customer_apply, supplier_apply
from integrations.sync.mappers.purchasing import purchase_order_apply, receipt_apply
from integrations.sync.paging import paged_pull

RESOURCES = (
    Resource("customers", "/erp/v1/customers", customer_apply),
    Resource("suppliers", "/erp/v1/suppliers", supplier_apply),
    Resource("purchase_orders", "/erp/v1/purchase_orders", purchase_order_apply),
    Resource("receipts", "/erp/v1/receipts", receipt_apply),
    Resource("invoices", "/erp/v1/invoices", invoice_apply),
)


def pull(ctx: RunContext) -> None:
    paged_pull(ctx, RESOURCES)
