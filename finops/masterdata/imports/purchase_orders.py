"""purchase_orders: external_id,supplier_external_id,legal_entity,currency,line_no,item,quantity,unit_price.

One row per line; the rows sharing an external_id are one order, which is the whole order: lines
on file but missing from it are removed (refused when a receipt or invoice already refers to
them). The external id is the PO number; ordered_on is the day the order was first imported."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils import timezone

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.masterdata.imports.links import entity_links_add
from finops.masterdata.models import Counterparty, LegalEntity
from finops.masterdata.selectors import counterparties_by_reference
from finops.payables.models import PurchaseOrder, PurchaseOrderLine

COLUMNS = Columns(
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


@dataclass(frozen=True)
class Line:
    line_no: int
    item: str
    quantity: Decimal
    unit_price: Decimal


@dataclass
class Planned:
    row: Row  # the order's first row
    external_id: str
    supplier: Counterparty | None
    entity: LegalEntity | None
    currency: str
    lines: dict[int, Line] = field(default_factory=dict)


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    entities = LegalEntity.objects.in_bulk({row["legal_entity"] for row in rows}, field_name="code")
    suppliers = counterparties_by_reference(source=source, external_ids={row["supplier_external_id"] for row in rows})
    orders: dict[str, Planned] = {}
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
            order = orders[external_id] = Planned(row, external_id, supplier, entity, currency)
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
            order.lines[line_no] = Line(line_no, item, quantity, unit_price)
    _check_existing(checker, list(orders.values()), source)
    return list(orders.values())


def _check_existing(checker: Checker, orders: list[Planned], source: str) -> None:
    by_key = {
        po.external_id: po
        for po in PurchaseOrder.objects.filter(
            source=source, external_id__in=[o.external_id for o in orders]
        ).prefetch_related("lines__receipt_lines", "lines__invoice_lines")
    }
    taken = {
        (po.entity_id, po.number): po
        for po in PurchaseOrder.objects.filter(number__in=[o.external_id for o in orders]).exclude(
            source=source, external_id__in=by_key.keys()
        )
    }
    for order in orders:
        if order.entity is not None and (order.entity.pk, order.external_id) in taken:
            other = taken[(order.entity.pk, order.external_id)]
            checker.fail(
                order.row,
                "external_id",
                f"PO number {order.external_id} is already used in {order.entity.code} (from {other.source}).",
            )
        current = by_key.get(order.external_id)
        if current is None:
            continue
        incoming = {
            "supplier_external_id": (order.supplier.pk if order.supplier else None, current.supplier_id),
            "legal_entity": (order.entity.pk if order.entity else None, current.entity_id),
            "currency": (order.currency, current.currency),
        }
        for column, (value, stored) in incoming.items():
            if value and value != stored:
                checker.fail(
                    order.row, column, f"PO {current.number} exists with a different {column}; it cannot change."
                )
        for line in current.lines.all():
            if line.line_no not in order.lines and (line.receipt_lines.all() or line.invoice_lines.all()):
                checker.fail(
                    order.row,
                    "line_no",
                    f"Line {line.line_no} of PO {current.number} was received or invoiced; it cannot be left out.",
                )


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: orders are keyed by (source, external_id), lines by line number; an order whose
    lines all match is untouched."""
    existing = {
        po.external_id: po
        for po in PurchaseOrder.objects.select_for_update().filter(
            source=source, external_id__in=[p.external_id for p in planned]
        )
    }
    links: set[tuple[int, int]] = set()
    for order in planned:
        # plan() refused the file otherwise
        assert order.entity is not None
        assert order.supplier is not None
        links.add((order.supplier.pk, order.entity.pk))
        po = existing.get(order.external_id)
        if po is None:
            po = PurchaseOrder.objects.create(
                source=source,
                external_id=order.external_id,
                number=order.external_id,
                entity=order.entity,
                supplier=order.supplier,
                currency=order.currency,
                ordered_on=timezone.localdate(),
            )
            PurchaseOrderLine.objects.bulk_create(
                [PurchaseOrderLine(purchase_order=po, **asdict(line)) for line in order.lines.values()]
            )
            audit_record(
                po,
                action="purchase_order.imported",
                actor=actor,
                reason=f"from {source}",
                after={"lines": len(order.lines)},
            )
            tally.count("created")
            continue
        changed = _lines_sync(po, order)
        if not changed:
            tally.count("unchanged")
            continue
        audit_record(
            po, action="purchase_order.updated", actor=actor, reason=f"from {source}", after={"lines": changed}
        )
        tally.count("updated")
    entity_links_add(links)


def _lines_sync(po: PurchaseOrder, order: Planned) -> list[int]:
    """Make the order's lines those of the file; the line numbers that changed."""
    current = {line.line_no: line for line in po.lines.select_for_update()}
    changed = []
    for line_no, line in sorted(order.lines.items()):
        stored = current.get(line_no)
        if stored is None:
            PurchaseOrderLine.objects.create(purchase_order=po, **asdict(line))
        elif (stored.item, stored.quantity, stored.unit_price) != (line.item, line.quantity, line.unit_price):
            PurchaseOrderLine.objects.filter(pk=stored.pk).update(
                item=line.item, quantity=line.quantity, unit_price=line.unit_price
            )
        else:
            continue
        changed.append(line_no)
    gone = [line_no for line_no in current if line_no not in order.lines]
    PurchaseOrderLine.objects.filter(purchase_order=po, line_no__in=gone).delete()
    return changed + gone
