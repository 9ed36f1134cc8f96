"""Purchase orders and goods receipts as the ERP or procurement suite sends them: create or
update by source + external id, lines by line number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.masterdata.models import Counterparty, ExternalRef, LegalEntity
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine


@dataclass(frozen=True)
class PurchaseOrderLineData:
    line_no: int
    item: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class PurchaseOrderData:
    source: str
    external_id: str
    entity: LegalEntity
    supplier: Counterparty
    number: str
    currency: str
    ordered_on: dt.date
    lines: tuple[PurchaseOrderLineData, ...]


@dataclass(frozen=True)
class GoodsReceiptData:
    source: str
    external_id: str
    purchase_order: PurchaseOrder
    received_on: dt.date
    lines: tuple[tuple[int, Decimal], ...]  # (PO line number, quantity received)


def _unique_line_numbers(numbers: list[int], where: str) -> None:
    if len(numbers) != len(set(numbers)):
        raise ValidationError({"lines": f"{where}: a line number appears twice."})


@transaction.atomic
def purchase_order_upsert(data: PurchaseOrderData, *, actor: User | None = None) -> tuple[PurchaseOrder, str]:
    """Create or update a PO and its lines; returns (po, "created" | "updated" | "unchanged").

    Idempotent: the same data again writes nothing. A line that receipts or invoices already
    refer to is never deleted (ValidationError)."""
    _unique_line_numbers([line.line_no for line in data.lines], f"PO {data.number}")
    po = PurchaseOrder.objects.select_for_update().filter(source=data.source, external_id=data.external_id).first()
    if po is None:
        known = _known_from_another_source(data)
        if known is not None:
            return known, _same_order_from_another_source(known, data)
    header = {
        "supplier_id": data.supplier.pk,
        "number": data.number,
        "currency": data.currency,
        "ordered_on": data.ordered_on,
    }
    if po is None:
        po = PurchaseOrder.objects.create(
            source=data.source,
            external_id=data.external_id,
            entity=data.entity,
            correlation_id=current_correlation_id(),
            **header,
        )
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(
                    purchase_order=po, line_no=li.line_no, item=li.item, quantity=li.quantity, unit_price=li.unit_price
                )
                for li in data.lines
            ]
        )
        audit_record(po, action="purchase_order.created", actor=actor, reason=f"from {data.source}", after=header)
        return po, "created"
    if po.entity_id != data.entity.pk:
        raise ValidationError(f"PO {po.number}: the entity cannot change.")
    changes = {f: v for f, v in header.items() if getattr(po, f) != v}
    line_changes = _lines_sync(po, data.lines)
    if changes:
        PurchaseOrder.objects.filter(pk=po.pk).update(**changes, updated_at=timezone.now())
        for field, value in changes.items():
            setattr(po, field, value)
    if changes or line_changes:
        audit_record(
            po,
            action="purchase_order.updated",
            actor=actor,
            reason=f"from {data.source}",
            after={**changes, **({"lines": line_changes} if line_changes else {})},
        )
        return po, "updated"
    return po, "unchanged"


def _known_from_another_source(data: PurchaseOrderData) -> PurchaseOrder | None:
    """The same order as another system knows it: by an earlier cross-reference, else by its
    number within the entity (a PO number identifies an order within a company)."""
    ref = ExternalRef.objects.filter(
        source=data.source, object_type=PurchaseOrder._meta.label, external_id=data.external_id
    ).first()
    rows = PurchaseOrder.objects.select_for_update()
    if ref is not None:
        return rows.filter(pk=ref.object_id).first()
    return rows.filter(entity=data.entity, number=data.number).first()


def _same_order_from_another_source(po: PurchaseOrder, data: PurchaseOrderData) -> str:
    """Cross-reference an order that a second system (ERP and procurement suite) also sends.
    Agreeing content is "unchanged"; disagreeing content is refused, naming both systems: the
    first system stays the record and a person decides at the source."""
    if po.entity_id != data.entity.pk:
        raise ValidationError(f"PO {data.number}: known from {po.source} in another entity.")
    ours = {(li.line_no, li.quantity, li.unit_price) for li in po.lines.all()}
    theirs = {(li.line_no, li.quantity, li.unit_price) for li in data.lines}
    differences = [
        name for name, differs in (("currency", po.currency != data.currency), ("lines", ours != theirs)) if differs
    ]
    if differences:
        raise ValidationError(
            f"PO {data.number} in {data.entity.code} is already known from {po.source} as {po.external_id}; "
            f"{data.source} sends a different {' and '.join(differences)}. Correct it in one of the systems."
        )
    ExternalRef.objects.get_or_create(
        source=data.source,
        object_type=PurchaseOrder._meta.label,
        external_id=data.external_id,
        defaults={"object_id": po.pk},
    )
    return "unchanged"


def _lines_sync(po: PurchaseOrder, lines: tuple[PurchaseOrderLineData, ...]) -> list[str]:
    current = {line.line_no: line for line in po.lines.select_for_update()}
    changes: list[str] = []
    for li in lines:
        existing = current.pop(li.line_no, None)
        values = {"item": li.item, "quantity": li.quantity, "unit_price": li.unit_price}
        if existing is None:
            PurchaseOrderLine.objects.create(purchase_order=po, line_no=li.line_no, **values)
            changes.append(f"+{li.line_no}")
        elif any(getattr(existing, f) != v for f, v in values.items()):
            PurchaseOrderLine.objects.filter(pk=existing.pk).update(**values)
            changes.append(f"~{li.line_no}")
    for line_no, gone in current.items():
        if gone.receipt_lines.exists() or gone.invoice_lines.exists():
            raise ValidationError(
                f"PO {po.number} line {line_no} was removed at the source but is already received or invoiced."
            )
        gone.delete()
        changes.append(f"-{line_no}")
    return changes


@transaction.atomic
def goods_receipt_upsert(data: GoodsReceiptData, *, actor: User | None = None) -> tuple[GoodsReceipt, str]:
    """Create or update a goods receipt against a PO's lines; returns (receipt, outcome).
    Idempotent: the same data again writes nothing."""
    po = data.purchase_order
    _unique_line_numbers([line_no for line_no, _ in data.lines], f"Receipt {data.external_id}")
    po_lines = {line.line_no: line for line in po.lines.all()}
    missing = [str(n) for n, _ in data.lines if n not in po_lines]
    if missing:
        raise ValidationError({"lines": f"PO {po.number} has no line {', '.join(missing)}."})
    wanted = {po_lines[n].pk: qty for n, qty in data.lines}
    receipt = GoodsReceipt.objects.select_for_update().filter(source=data.source, external_id=data.external_id).first()
    if receipt is None and (known := _receipt_known_from_another_source(data, wanted)) is not None:
        return known, "unchanged"
    if receipt is None:
        receipt = GoodsReceipt.objects.create(
            source=data.source,
            external_id=data.external_id,
            entity=po.entity,
            purchase_order=po,
            received_on=data.received_on,
            correlation_id=current_correlation_id(),
        )
        GoodsReceiptLine.objects.bulk_create(
            [GoodsReceiptLine(receipt=receipt, po_line_id=pk, quantity=qty) for pk, qty in wanted.items()]
        )
        audit_record(
            receipt, action="goods_receipt.created", actor=actor, reason=f"from {data.source}", after={"po": po.number}
        )
        return receipt, "created"
    if receipt.purchase_order_id != po.pk:
        raise ValidationError(f"Receipt {receipt.external_id}: the purchase order cannot change.")
    current = {line.po_line_id: line for line in receipt.lines.select_for_update()}
    changed = receipt.received_on != data.received_on
    if changed:
        GoodsReceipt.objects.filter(pk=receipt.pk).update(received_on=data.received_on, updated_at=timezone.now())
    for po_line_id, qty in wanted.items():
        line = current.pop(po_line_id, None)
        if line is None:
            GoodsReceiptLine.objects.create(receipt=receipt, po_line_id=po_line_id, quantity=qty)
            changed = True
        elif line.quantity != qty:
            GoodsReceiptLine.objects.filter(pk=line.pk).update(quantity=qty)
            changed = True
    for gone in current.values():
        gone.delete()
        changed = True
    if changed:
        audit_record(receipt, action="goods_receipt.updated", actor=actor, reason=f"from {data.source}")
    return receipt, "updated" if changed else "unchanged"


def _receipt_known_from_another_source(data: GoodsReceiptData, wanted: dict[int, Decimal]) -> GoodsReceipt | None:
    """The same delivery as another system reported it: an earlier cross-reference, or a receipt
    of the same PO on the same day with the same quantities. Counting it twice would make the
    3-way match see goods that never arrived."""
    label = GoodsReceipt._meta.label
    ref = ExternalRef.objects.filter(source=data.source, object_type=label, external_id=data.external_id).first()
    if ref is not None:
        return GoodsReceipt.objects.filter(pk=ref.object_id).first()
    for candidate in GoodsReceipt.objects.filter(
        purchase_order=data.purchase_order, received_on=data.received_on
    ).exclude(source=data.source):
        if {line.po_line_id: line.quantity for line in candidate.lines.all()} == wanted:
            ExternalRef.objects.get_or_create(
                source=data.source,
                object_type=label,
                external_id=data.external_id,
                defaults={"object_id": candidate.pk},
            )
            return candidate
    return None
