"""Purchase orders and goods receipts as the ERP, the procurement suite or a CSV import sends them:
create or update by source + external id, lines by line number. The one write path of both:
connectors call purchase_order_upsert / goods_receipt_upsert for each record, the CSV import the
set-based purchase_orders_upsert / goods_receipts_upsert for a whole file.

What a source may not change is decided here once (purchase_order_refusal, goods_receipt_refusal):
the writers refuse it, and the import asks the same functions before it writes anything, to name
the line. A supplier does business with the entity of its orders from then on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record, audit_records
from finops.masterdata.models import Counterparty, ExternalRef, LegalEntity
from finops.masterdata.services import entity_links_add
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


@dataclass(frozen=True)
class StoredOrders:
    """The orders a batch is about: its sources' own (by external id) and, for the others, the
    same order as another system knows it (by an earlier cross-reference, else by its number
    within the entity: a PO number identifies an order within a company)."""

    own: dict[tuple[str, str], PurchaseOrder]
    elsewhere: dict[tuple[str, str], PurchaseOrder]

    def of(self, data: PurchaseOrderData) -> tuple[PurchaseOrder | None, PurchaseOrder | None]:
        key = (data.source, data.external_id)
        return self.own.get(key), self.elsewhere.get(key)


def _unique_line_numbers(numbers: list[int], where: str) -> None:
    if len(numbers) != len(set(numbers)):
        raise ValidationError({"lines": f"{where}: a line number appears twice."})


def _unique_keys(keys: list[tuple[str, str]], what: str) -> None:
    seen: set[tuple[str, str]] = set()
    for source, external_id in keys:
        if (source, external_id) in seen:
            raise ValidationError(f"{what} {external_id} from {source} is given twice.")
        seen.add((source, external_id))


# --- purchase orders -------------------------------------------------------------------------


def purchase_orders_stored(batch: Sequence[PurchaseOrderData], *, lock: bool) -> StoredOrders:
    """The stored orders of `batch`, read set-based (and locked, with their lines, for writing),
    with what purchase_order_refusal needs about their lines."""
    rows = PurchaseOrder.objects.select_for_update(of=("self",)) if lock else PurchaseOrder.objects.all()
    lines = PurchaseOrderLine.objects.prefetch_related("receipt_lines", "invoice_lines").order_by("line_no")
    rows = rows.prefetch_related(Prefetch("lines", queryset=lines))
    by_source: dict[str, set[str]] = defaultdict(set)
    for data in batch:
        by_source[data.source].add(data.external_id)
    own: dict[tuple[str, str], PurchaseOrder] = {}
    for source, external_ids in by_source.items():
        for po in rows.filter(source=source, external_id__in=external_ids):
            own[(po.source, po.external_id)] = po
    missing = [data for data in batch if (data.source, data.external_id) not in own]
    elsewhere: dict[tuple[str, str], PurchaseOrder] = {}
    if missing:
        label = PurchaseOrder._meta.label
        referenced: dict[tuple[str, str], int] = {}
        for source in {data.source for data in missing}:
            wanted = [data.external_id for data in missing if data.source == source]
            for external_id, object_id in ExternalRef.objects.filter(
                source=source, object_type=label, external_id__in=wanted
            ).values_list("external_id", "object_id"):
                referenced[(source, external_id)] = int(object_id)
        by_pk = rows.in_bulk(set(referenced.values()))
        by_number = {
            (po.entity_id, po.number): po
            for po in rows.filter(
                entity__in={data.entity.pk for data in missing}, number__in={data.number for data in missing}
            ).order_by("pk")
        }
        for data in missing:
            key = (data.source, data.external_id)
            if key in referenced:
                found = by_pk.get(referenced[key])
            else:
                found = by_number.get((data.entity.pk, data.number))
            if found is not None:
                elsewhere[key] = found
    return StoredOrders(own=own, elsewhere=elsewhere)


def purchase_order_refusal(
    po: PurchaseOrder | None, known: PurchaseOrder | None, data: PurchaseOrderData
) -> tuple[str, str] | None:
    """Why `data` must not be applied, as (field, message), or None. `po` is the order as its
    source sent it before, `known` the same order from another source (StoredOrders.of)."""
    if po is None and known is not None:
        if known.entity_id != data.entity.pk:
            return "entity", f"PO {data.number}: known from {known.source} in another entity."
        ours = {(li.line_no, li.quantity, li.unit_price) for li in known.lines.all()}
        theirs = {(li.line_no, li.quantity, li.unit_price) for li in data.lines}
        differences = [
            name
            for name, differs in (("currency", known.currency != data.currency), ("lines", ours != theirs))
            if differs
        ]
        if differences:
            return differences[0], (
                f"PO {data.number} in {data.entity.code} is already known from {known.source} as {known.external_id}; "
                f"{data.source} sends a different {' and '.join(differences)}. Correct it in one of the systems."
            )
        return None
    if po is None:
        return None
    if po.entity_id != data.entity.pk:
        return "entity", f"PO {po.number}: the entity cannot change."
    kept = {li.line_no for li in data.lines}
    for line in po.lines.all():
        if line.line_no not in kept and (line.receipt_lines.all() or line.invoice_lines.all()):
            return "lines", (
                f"PO {po.number} line {line.line_no} was removed at the source but is already received or invoiced."
            )
    return None


def purchase_order_upsert(data: PurchaseOrderData, *, actor: User | None = None) -> tuple[PurchaseOrder, str]:
    """Create or update a PO and its lines; returns (po, "created" | "updated" | "unchanged").
    See purchase_orders_upsert."""
    return purchase_orders_upsert([data], actor=actor)[0]


@transaction.atomic
def purchase_orders_upsert(
    batch: Sequence[PurchaseOrderData], *, actor: User | None = None
) -> list[tuple[PurchaseOrder, str]]:
    """Create or update each order of `batch` (each at most once) and its lines, in order; returns
    (po, "created" | "updated" | "unchanged") for each. Set-based: the stored orders and their
    lines are read and locked at once, new orders, their lines and their audit events inserted in
    bulk; an order that changes is updated on its own.

    Idempotent: the same data again writes nothing. An order a second system also sends (ERP and
    procurement suite) is cross-referenced, never stored twice. Raises ValidationError for what
    purchase_order_refusal refuses (nothing of the batch is written then)."""
    for data in batch:
        _unique_line_numbers([line.line_no for line in data.lines], f"PO {data.number}")
    _unique_keys([(data.source, data.external_id) for data in batch], "Purchase order")
    stored = purchase_orders_stored(batch, lock=True)
    results: list[tuple[PurchaseOrder, str] | None] = []
    new: list[tuple[int, PurchaseOrderData]] = []
    for data in batch:
        po, known = stored.of(data)
        refusal = purchase_order_refusal(po, known, data)
        if refusal is not None:
            raise ValidationError(refusal[1])
        if po is None and known is not None:
            _cross_reference(known, data)
            results.append((known, "unchanged"))
        elif po is None:
            new.append((len(results), data))
            results.append(None)
        else:
            results.append((po, _purchase_order_update(po, data, actor=actor)))
    for index, po in zip((i for i, _ in new), _purchase_orders_create([d for _, d in new], actor=actor), strict=True):
        results[index] = (po, "created")
    entity_links_add((data.supplier.pk, data.entity.pk) for data in batch)
    return [result for result in results if result is not None]


def _header(data: PurchaseOrderData) -> dict[str, object]:
    return {
        "supplier_id": data.supplier.pk,
        "number": data.number,
        "currency": data.currency,
        "ordered_on": data.ordered_on,
    }


def _purchase_orders_create(batch: list[PurchaseOrderData], *, actor: User | None) -> list[PurchaseOrder]:
    if not batch:
        return []
    correlation_id = current_correlation_id()
    orders = PurchaseOrder.objects.bulk_create(
        [
            PurchaseOrder(
                source=data.source,
                external_id=data.external_id,
                entity=data.entity,
                correlation_id=correlation_id,
                **_header(data),
            )
            for data in batch
        ],
        batch_size=2000,
    )
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                purchase_order=po, line_no=li.line_no, item=li.item, quantity=li.quantity, unit_price=li.unit_price
            )
            for po, data in zip(orders, batch, strict=True)
            for li in data.lines
        ],
        batch_size=2000,
    )
    audit_records(
        orders,
        action="purchase_order.created",
        actor=actor,
        reason=lambda po: f"from {po.source}",
        after=lambda po: {
            "supplier_id": po.supplier_id,
            "number": po.number,
            "currency": po.currency,
            "ordered_on": po.ordered_on,
        },
    )
    return orders


def _purchase_order_update(po: PurchaseOrder, data: PurchaseOrderData, *, actor: User | None) -> str:
    header = _header(data)
    changes = {f: v for f, v in header.items() if getattr(po, f) != v}
    line_changes = _lines_sync(po, data.lines)
    if changes:
        PurchaseOrder.objects.filter(pk=po.pk).update(**changes, updated_at=timezone.now())
        for field, value in changes.items():
            setattr(po, field, value)
    if not (changes or line_changes):
        return "unchanged"
    audit_record(
        po,
        action="purchase_order.updated",
        actor=actor,
        reason=f"from {data.source}",
        after={**changes, **({"lines": line_changes} if line_changes else {})},
    )
    return "updated"


def _cross_reference(po: PurchaseOrder, data: PurchaseOrderData) -> None:
    """Remember that `data.source` knows the order `po` (ERP and procurement suite both send it):
    the first system stays the record."""
    ExternalRef.objects.get_or_create(
        source=data.source,
        object_type=PurchaseOrder._meta.label,
        external_id=data.external_id,
        defaults={"object_id": po.pk},
    )


def _lines_sync(po: PurchaseOrder, lines: tuple[PurchaseOrderLineData, ...]) -> list[str]:
    """Make the order's lines those of the source (purchase_order_refusal has checked that no line
    received or invoiced goes); the changes, as "+n" (added), "~n" (changed) and "-n" (removed)."""
    current = {line.line_no: line for line in po.lines.all()}
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
    if current:
        PurchaseOrderLine.objects.filter(pk__in=[line.pk for line in current.values()]).delete()
        changes += [f"-{line_no}" for line_no in current]
    return changes


# --- goods receipts --------------------------------------------------------------------------


def goods_receipts_stored(batch: Sequence[GoodsReceiptData], *, lock: bool) -> dict[tuple[str, str], GoodsReceipt]:
    """The receipts of `batch` as their sources sent them before, read set-based (and locked, with
    their lines, for writing)."""
    rows = GoodsReceipt.objects.select_for_update(of=("self",)) if lock else GoodsReceipt.objects.all()
    rows = rows.prefetch_related("lines")
    by_source: dict[str, set[str]] = defaultdict(set)
    for data in batch:
        by_source[data.source].add(data.external_id)
    stored: dict[tuple[str, str], GoodsReceipt] = {}
    for source, external_ids in by_source.items():
        for receipt in rows.filter(source=source, external_id__in=external_ids):
            stored[(receipt.source, receipt.external_id)] = receipt
    return stored


def goods_receipt_refusal(receipt: GoodsReceipt | None, data: GoodsReceiptData) -> tuple[str, str] | None:
    """Why `data` must not be applied, as (field, message), or None."""
    po = data.purchase_order
    known = {line.line_no for line in po.lines.all()}
    missing = [str(n) for n, _ in data.lines if n not in known]
    if missing:
        return "lines", f"PO {po.number} has no line {', '.join(missing)}."
    if receipt is not None and receipt.purchase_order_id != po.pk:
        return "purchase_order", f"Receipt {receipt.external_id}: the purchase order cannot change."
    return None


def goods_receipt_upsert(data: GoodsReceiptData, *, actor: User | None = None) -> tuple[GoodsReceipt, str]:
    """Create or update a goods receipt against a PO's lines; returns (receipt, outcome). See
    goods_receipts_upsert."""
    return goods_receipts_upsert([data], actor=actor)[0]


@transaction.atomic
def goods_receipts_upsert(
    batch: Sequence[GoodsReceiptData], *, actor: User | None = None
) -> list[tuple[GoodsReceipt, str]]:
    """Create or update each receipt of `batch` (each at most once) against its PO's lines, in
    order; returns (receipt, "created" | "updated" | "unchanged") for each. Set-based like
    purchase_orders_upsert.

    Idempotent: the same data again writes nothing. The same delivery reported by a second system
    is cross-referenced, never counted twice. Raises ValidationError for what
    goods_receipt_refusal refuses (nothing of the batch is written then)."""
    for data in batch:
        _unique_line_numbers([line_no for line_no, _ in data.lines], f"Receipt {data.external_id}")
    _unique_keys([(data.source, data.external_id) for data in batch], "Receipt")
    stored = goods_receipts_stored(batch, lock=True)
    elsewhere = _ReceiptsElsewhere([data for data in batch if (data.source, data.external_id) not in stored])
    results: list[tuple[GoodsReceipt, str] | None] = []
    new: list[tuple[int, GoodsReceiptData, dict[int, Decimal]]] = []
    for data in batch:
        receipt = stored.get((data.source, data.external_id))
        refusal = goods_receipt_refusal(receipt, data)
        if refusal is not None:
            raise ValidationError({"lines": refusal[1]} if refusal[0] == "lines" else refusal[1])
        po_lines = {line.line_no: line.pk for line in data.purchase_order.lines.all()}
        wanted = {po_lines[n]: qty for n, qty in data.lines}
        if receipt is None and (known := elsewhere.find(data, wanted)) is not None:
            results.append((known, "unchanged"))
        elif receipt is None:
            new.append((len(results), data, wanted))
            results.append(None)
        else:
            results.append((receipt, _goods_receipt_update(receipt, data, wanted, actor=actor)))
    created = _goods_receipts_create([(data, wanted) for _, data, wanted in new], actor=actor)
    for (index, _, _), receipt in zip(new, created, strict=True):
        results[index] = (receipt, "created")
    return [result for result in results if result is not None]


def _goods_receipts_create(
    batch: list[tuple[GoodsReceiptData, dict[int, Decimal]]], *, actor: User | None
) -> list[GoodsReceipt]:
    if not batch:
        return []
    correlation_id = current_correlation_id()
    receipts = GoodsReceipt.objects.bulk_create(
        [
            GoodsReceipt(
                source=data.source,
                external_id=data.external_id,
                entity_id=data.purchase_order.entity_id,
                purchase_order=data.purchase_order,
                received_on=data.received_on,
                correlation_id=correlation_id,
            )
            for data, _ in batch
        ],
        batch_size=2000,
    )
    GoodsReceiptLine.objects.bulk_create(
        [
            GoodsReceiptLine(receipt=receipt, po_line_id=pk, quantity=qty)
            for receipt, (_, wanted) in zip(receipts, batch, strict=True)
            for pk, qty in wanted.items()
        ],
        batch_size=2000,
    )
    audit_records(
        receipts,
        action="goods_receipt.created",
        actor=actor,
        reason=lambda receipt: f"from {receipt.source}",
        after=lambda receipt: {"po": receipt.purchase_order.number},
    )
    return receipts


def _goods_receipt_update(
    receipt: GoodsReceipt, data: GoodsReceiptData, wanted: dict[int, Decimal], *, actor: User | None
) -> str:
    current = {line.po_line_id: line for line in receipt.lines.all()}
    changed = receipt.received_on != data.received_on
    if changed:
        GoodsReceipt.objects.filter(pk=receipt.pk).update(received_on=data.received_on, updated_at=timezone.now())
        receipt.received_on = data.received_on
    for po_line_id, qty in wanted.items():
        line = current.pop(po_line_id, None)
        if line is None:
            GoodsReceiptLine.objects.create(receipt=receipt, po_line_id=po_line_id, quantity=qty)
            changed = True
        elif line.quantity != qty:
            GoodsReceiptLine.objects.filter(pk=line.pk).update(quantity=qty)
            changed = True
    if current:
        GoodsReceiptLine.objects.filter(pk__in=[line.pk for line in current.values()]).delete()
        changed = True
    if changed:
        audit_record(receipt, action="goods_receipt.updated", actor=actor, reason=f"from {data.source}")
    return "updated" if changed else "unchanged"


class _ReceiptsElsewhere:
    """The same deliveries as other systems reported them, read set-based for a batch: earlier
    cross-references, and the receipts of the batch's orders from other sources."""

    def __init__(self, batch: Sequence[GoodsReceiptData]) -> None:
        label = GoodsReceipt._meta.label
        self.referenced: dict[tuple[str, str], int] = {}
        for source in {data.source for data in batch}:
            external_ids = [data.external_id for data in batch if data.source == source]
            for external_id, object_id in ExternalRef.objects.filter(
                source=source, object_type=label, external_id__in=external_ids
            ).values_list("external_id", "object_id"):
                self.referenced[(source, external_id)] = int(object_id)
        self.by_pk = GoodsReceipt.objects.in_bulk(set(self.referenced.values()))
        self.same_day: dict[tuple[int, dt.date], list[GoodsReceipt]] = defaultdict(list)
        candidates = GoodsReceipt.objects.filter(
            purchase_order__in={data.purchase_order.pk for data in batch}
        ).prefetch_related("lines")
        for receipt in candidates.order_by("pk"):
            self.same_day[(receipt.purchase_order_id, receipt.received_on)].append(receipt)

    def find(self, data: GoodsReceiptData, wanted: dict[int, Decimal]) -> GoodsReceipt | None:
        """An earlier cross-reference, or a receipt of the same PO on the same day with the same
        quantities from another source (then cross-referenced). Counting the same delivery twice
        would make the 3-way match see goods that never arrived."""
        key = (data.source, data.external_id)
        if key in self.referenced:
            return self.by_pk.get(self.referenced[key])
        for candidate in self.same_day.get((data.purchase_order.pk, data.received_on), []):
            if (
                candidate.source != data.source
                and {line.po_line_id: line.quantity for line in candidate.lines.all()} == wanted
            ):
                ExternalRef.objects.get_or_create(
                    source=data.source,
                    object_type=GoodsReceipt._meta.label,
                    external_id=data.external_id,
                    defaults={"object_id": candidate.pk},
                )
                self.referenced[key] = candidate.pk
                self.by_pk[candidate.pk] = candidate
                return candidate
        return None
