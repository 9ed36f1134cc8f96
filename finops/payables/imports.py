"""The `import_records` kinds of payables, written through the same upsert services as the
connectors (finops.payables.upserts), set-based. plan() checks every row and asks the write path's
own rules (purchase_order_refusal, goods_receipt_refusal) of every record already stored, so a
file is refused naming its line before anything is written.

purchase_orders: external_id,supplier_external_id,legal_entity,currency,line_no,item,quantity,unit_price.
One row per line; the rows sharing an external_id are one order, which is the whole order: lines
on file but missing from it are removed (refused when a receipt or invoice already refers to
them). The external id is the PO number; ordered_on is the day the order was first imported.

receipts: external_id,po_external_id,line_no,quantity,received_on — goods received against a
purchase order of the same source. The rows sharing an external_id are one receipt; line_no is
the PO line received. Over-delivery is not refused here: 3-way matching is where it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from finops.accounts.models import User
from finops.masterdata.imports import Checker, Columns, Row, Tally, write_through
from finops.masterdata.models import Counterparty, LegalEntity
from finops.masterdata.selectors import counterparties_by_reference
from finops.payables.models import PurchaseOrder
from finops.payables.upserts import (
    GoodsReceiptData,
    PurchaseOrderData,
    PurchaseOrderLineData,
    goods_receipt_refusal,
    goods_receipts_stored,
    goods_receipts_upsert,
    purchase_order_refusal,
    purchase_orders_stored,
    purchase_orders_upsert,
)

# --- purchase orders -------------------------------------------------------------------------

PURCHASE_ORDER_COLUMNS = Columns(
    required=(
        "external_id",
        "supplier_external_id",
        "legal_entity",
        "currency",
        "line_no",
        "item",
        "quantity",
        "unit_price",
    )
)
# The column a refusal of the write path names, per field it names
_ORDER_COLUMN_OF = {"entity": "legal_entity", "lines": "line_no", "currency": "currency"}


@dataclass
class PlannedOrder:
    row: Row  # the order's first row
    external_id: str
    supplier: Counterparty | None
    entity: LegalEntity | None
    currency: str
    lines: dict[int, PurchaseOrderLineData] = field(default_factory=dict)
    ordered_on: dt.date | None = None  # of the order as stored, else today

    def data(self, source: str) -> PurchaseOrderData | None:
        """What the write path takes; None while a cell of the order is wrong (the file is refused)."""
        if self.supplier is None or self.entity is None:
            return None
        return PurchaseOrderData(
            source=source,
            external_id=self.external_id,
            entity=self.entity,
            supplier=self.supplier,
            number=self.external_id,
            currency=self.currency,
            ordered_on=self.ordered_on or timezone.localdate(),
            lines=tuple(line for _, line in sorted(self.lines.items())),
        )


def purchase_orders_plan(rows: list[Row], checker: Checker, *, source: str) -> list[PlannedOrder]:
    entities = LegalEntity.objects.in_bulk({row["legal_entity"] for row in rows}, field_name="code")
    suppliers = counterparties_by_reference(source=source, external_ids={row["supplier_external_id"] for row in rows})
    orders: dict[str, PlannedOrder] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        external_id = checker.text(row, "external_id", max_length=64)
        entity = entities.get(row["legal_entity"])
        if entity is None:
            checker.fail(row, "legal_entity", f"{row['legal_entity']!r} is not a known legal entity code.")
        supplier = suppliers.get(row["supplier_external_id"])
        if supplier is None:
            checker.fail(
                row, "supplier_external_id", f"{row['supplier_external_id']!r} is not a counterparty known to {source}."
            )
        elif not supplier.is_supplier:
            checker.fail(row, "supplier_external_id", f"{supplier.name} is not a supplier.")
        currency = checker.currency(row, "currency")
        line_no = checker.integer(row, "line_no")
        item = checker.text(row, "item")
        quantity = checker.decimal(row, "quantity", positive=True)
        unit_price = checker.decimal(row, "unit_price")
        if not external_id:
            continue
        order = orders.get(external_id)
        if order is None:
            order = orders[external_id] = PlannedOrder(row, external_id, supplier, entity, currency)
        else:
            for column, value, first in (
                ("supplier_external_id", row["supplier_external_id"], order.row["supplier_external_id"]),
                ("legal_entity", row["legal_entity"], order.row["legal_entity"]),
                ("currency", row["currency"], order.row["currency"]),
            ):
                if value != first:
                    checker.fail(
                        row, column, f"{value!r} differs from line {order.row.line} of the same order ({first!r})."
                    )
        is_new_line = line_no is not None and checker.unique(row, (external_id, str(line_no)), "line_no", seen)
        if is_new_line and line_no is not None and quantity is not None and unit_price is not None and item:
            order.lines[line_no] = PurchaseOrderLineData(line_no, item, quantity, unit_price)
    _orders_check_stored(checker, list(orders.values()), source)
    return list(orders.values())


def _orders_check_stored(checker: Checker, orders: list[PlannedOrder], source: str) -> None:
    """Ask the write path's rules about each order already stored (by this source or another)."""
    planned = [(order, data) for order in orders if (data := order.data(source)) is not None]
    stored = purchase_orders_stored([data for _, data in planned], lock=False)
    for order, data in planned:
        po, known = stored.of(data)
        if po is not None:
            order.ordered_on = po.ordered_on
        refusal = purchase_order_refusal(po, known, data)
        if refusal is not None:
            checker.fail(order.row, _ORDER_COLUMN_OF.get(refusal[0], refusal[0]), refusal[1])


def purchase_orders_write(planned: list[PlannedOrder], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: orders are keyed by (source, external_id), lines by line number; an order whose
    lines all match is untouched."""
    write_through(
        planned, lambda order: order.data(source), lambda batch: purchase_orders_upsert(batch, actor=actor), tally=tally
    )


# --- goods receipts --------------------------------------------------------------------------

RECEIPT_COLUMNS = Columns(required=("external_id", "po_external_id", "line_no", "quantity", "received_on"))


@dataclass
class PlannedReceipt:
    row: Row  # the receipt's first row
    external_id: str
    purchase_order: PurchaseOrder | None
    received_on: dt.date | None
    quantities: dict[int, Decimal] = field(default_factory=dict)  # PO line number -> quantity

    def data(self, source: str) -> GoodsReceiptData | None:
        if self.purchase_order is None or self.received_on is None:
            return None
        return GoodsReceiptData(
            source=source,
            external_id=self.external_id,
            purchase_order=self.purchase_order,
            received_on=self.received_on,
            lines=tuple(sorted(self.quantities.items())),
        )


def receipts_plan(rows: list[Row], checker: Checker, *, source: str) -> list[PlannedReceipt]:
    orders = {
        po.external_id: po
        for po in PurchaseOrder.objects.filter(
            source=source, external_id__in={row["po_external_id"] for row in rows}
        ).prefetch_related("lines")
    }
    receipts: dict[str, PlannedReceipt] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        external_id = checker.text(row, "external_id", max_length=128)
        po = orders.get(row["po_external_id"])
        if po is None:
            checker.fail(row, "po_external_id", f"{row['po_external_id']!r} is not a purchase order known to {source}.")
        line_no = checker.integer(row, "line_no")
        quantity = checker.decimal(row, "quantity")
        received_on = checker.date(row, "received_on")
        has_line = False
        if po is not None and line_no is not None:
            has_line = any(line.line_no == line_no for line in po.lines.all())
            if not has_line:
                checker.fail(row, "line_no", f"PO {po.number} has no line {line_no}.")
        if not external_id:
            continue
        receipt = receipts.get(external_id)
        if receipt is None:
            receipt = receipts[external_id] = PlannedReceipt(row, external_id, po, received_on)
        else:
            for column in ("po_external_id", "received_on"):
                if row[column] != receipt.row[column]:
                    checker.fail(
                        row, column, f"{row[column]!r} differs from line {receipt.row.line} of the same receipt."
                    )
        is_new_line = line_no is not None and checker.unique(row, (external_id, str(line_no)), "line_no", seen)
        if is_new_line and has_line and line_no is not None and quantity is not None:
            receipt.quantities[line_no] = quantity
    planned = [(receipt, data) for receipt in receipts.values() if (data := receipt.data(source)) is not None]
    stored = goods_receipts_stored([data for _, data in planned], lock=False)
    for receipt, data in planned:
        refusal = goods_receipt_refusal(stored.get((source, receipt.external_id)), data)
        if refusal is not None:
            column = "po_external_id" if refusal[0] == "purchase_order" else "line_no"
            checker.fail(receipt.row, column, refusal[1])
    return list(receipts.values())


def receipts_write(planned: list[PlannedReceipt], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: receipts are keyed by (source, external_id), their lines by PO line; a receipt
    whose date and quantities match is untouched."""
    write_through(
        planned,
        lambda receipt: receipt.data(source),
        lambda batch: goods_receipts_upsert(batch, actor=actor),
        tally=tally,
    )
