from integrations.connectors.base import Resource
from integrations.connectors.procurement_rest.client import PURCHASE_ORDERS, RECEIPTS, SUPPLIERS
from integrations.sync.context import RunContext
from integrations.sync.mappers.parties import supplier_apply
from integrations.sync.mappers.purchasing import purchase_order_apply, receipt_apply
from integrations.sync.paging import paged_pull

RESOURCES = (
    Resource("suppliers", SUPPLIERS, supplier_apply),
    Resource("purchase_orders", PURCHASE_ORDERS, purchase_order_apply),
    Resource("receipts", RECEIPTS, receipt_apply),
)


def pull(ctx: RunContext) -> None:
    paged_pull(ctx, RESOURCES)
