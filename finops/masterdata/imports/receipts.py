"""receipts: external_id,po_external_id,line_no,quantity,received_on — goods received against a
purchase order of the same source. The rows sharing an external_id are one receipt; line_no is
the PO line received. Over-delivery is not refused here: 3-way matching is where it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder

COLUMNS = Columns(required=("external_id", "po_external_id", "line_no", "quantity", "received_on"))


@dataclass
class Planned:
    row: Row  # the receipt's first row
    external_id: str
    purchase_order: PurchaseOrder | None
    received_on: dt.date | None
    quantities: dict[int, Decimal] = field(default_factory=dict)  # PO line id -> quantity


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    orders = {
        po.external_id: po
        for po in PurchaseOrder.objects.filter(
            source=source, external_id__in={row["po_external_id"] for row in rows}
        ).prefetch_related("lines")
    }
    existing = dict(
        GoodsReceipt.objects.filter(source=source, external_id__in={row["external_id"] for row in rows}).values_list(
            "external_id", "purchase_order_id"
        )
    )
    receipts: dict[str, Planned] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        external_id = checker.text(row, "external_id", max_length=128)
        po = orders.get(row["po_external_id"])
        if po is None:
            checker.fail(row, "po_external_id", f"{row['po_external_id']!r} is not a purchase order known to {source}.")
        line_no = checker.integer(row, "line_no")
        quantity = checker.decimal(row, "quantity")
        received_on = checker.date(row, "received_on")
        po_line = None
        if po is not None and line_no is not None:
            po_line = next((line for line in po.lines.all() if line.line_no == line_no), None)
            if po_line is None:
                checker.fail(row, "line_no", f"PO {po.number} has no line {line_no}.")
        if not external_id:
            continue
        receipt = receipts.get(external_id)
        if receipt is None:
            receipt = receipts[external_id] = Planned(row, external_id, po, received_on)
            if po is not None and existing.get(external_id, po.pk) != po.pk:
                checker.fail(row, "po_external_id", f"Receipt {external_id} exists for another purchase order.")
        else:
            for column in ("po_external_id", "received_on"):
                if row[column] != receipt.row[column]:
                    checker.fail(
                        row, column, f"{row[column]!r} differs from line {receipt.row.line} of the same receipt."
                    )
        is_new_line = line_no is not None and checker.unique(row, (external_id, str(line_no)), "line_no", seen)
        if is_new_line and po_line is not None and quantity is not None:
            receipt.quantities[po_line.pk] = quantity
    return list(receipts.values())


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: receipts are keyed by (source, external_id), their lines by PO line; a receipt
    whose date and quantities match is untouched."""
    existing = {
        r.external_id: r
        for r in GoodsReceipt.objects.select_for_update().filter(
            source=source, external_id__in=[p.external_id for p in planned]
        )
    }
    for receipt in planned:
        # plan() refused the file otherwise
        assert receipt.purchase_order is not None
        assert receipt.received_on is not None
        current = existing.get(receipt.external_id)
        if current is None:
            current = GoodsReceipt.objects.create(
                source=source,
                external_id=receipt.external_id,
                entity_id=receipt.purchase_order.entity_id,
                purchase_order=receipt.purchase_order,
                received_on=receipt.received_on,
            )
            GoodsReceiptLine.objects.bulk_create(
                [GoodsReceiptLine(receipt=current, po_line_id=pk, quantity=q) for pk, q in receipt.quantities.items()]
            )
            audit_record(
                current,
                action="goods_receipt.imported",
                actor=actor,
                reason=f"from {source}",
                after={"received_on": receipt.received_on, "lines": len(receipt.quantities)},
            )
            tally.count("created")
            continue
        changed = _sync(current, receipt)
        if not changed:
            tally.count("unchanged")
            continue
        audit_record(current, action="goods_receipt.updated", actor=actor, reason=f"from {source}", after=changed)
        tally.count("updated")


def _sync(current: GoodsReceipt, receipt: Planned) -> dict[str, object]:
    changed: dict[str, object] = {}
    if current.received_on != receipt.received_on:
        GoodsReceipt.objects.filter(pk=current.pk).update(received_on=receipt.received_on)
        changed["received_on"] = receipt.received_on
    stored = {line.po_line_id: line for line in current.lines.select_for_update()}
    lines_changed = []
    for po_line_id, quantity in receipt.quantities.items():
        line = stored.get(po_line_id)
        if line is None:
            GoodsReceiptLine.objects.create(receipt=current, po_line_id=po_line_id, quantity=quantity)
        elif line.quantity != quantity:
            GoodsReceiptLine.objects.filter(pk=line.pk).update(quantity=quantity)
        else:
            continue
        lines_changed.append(po_line_id)
    gone = [pk for pk in stored if pk not in receipt.quantities]
    GoodsReceiptLine.objects.filter(receipt=current, po_line_id__in=gone).delete()
    if lines_changed or gone:
        changed["po_lines"] = sorted(lines_changed + gone)
    return changed
