"""The procurement suite speaks the same paged REST as the ERP; only its paths differ."""

SUPPLIERS = "/procurement/v1/suppliers"
PURCHASE_ORDERS = "/procurement/v1/purchase_orders"
RECEIPTS = "/procurement/v1/receipts"
