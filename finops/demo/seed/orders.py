"""Purchase orders and their goods receipts: in full, in two deliveries, in part, or not yet."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from finops.demo.names import PURCHASE_ITEMS
from finops.demo.seed.context import HISTORY_DAYS, SOURCE, catalog_price, chance, moment_on
from finops.demo.seed.entities import ENTITY_INDEX, EntitySpec
from finops.masterdata.models import Counterparty, LegalEntity
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine

PURCHASE_ORDERS_PER_ENTITY = 160


@dataclass(eq=False)
class OrderPlan:
    order: PurchaseOrder
    lines: list[PurchaseOrderLine]
    receipts: list[tuple[dt.date, list[Decimal]]] = field(default_factory=list)

    @property
    def received(self) -> list[Decimal]:
        return [sum((r[1][i] for r in self.receipts), Decimal(0)) for i in range(len(self.lines))]

    @property
    def is_fully_received(self) -> bool:
        return all(got >= line.quantity for got, line in zip(self.received, self.lines, strict=True))


def orders_plan(
    rng: random.Random, spec: EntitySpec, entity: LegalEntity, suppliers: list[Counterparty], today: dt.date
) -> list[OrderPlan]:
    dates = sorted(today - dt.timedelta(days=rng.randint(2, HISTORY_DAYS)) for _ in range(PURCHASE_ORDERS_PER_ENTITY))
    # SAP-style PO numbers, one range per company, clear of the sandbox ERP's 45000 1xxxx range
    base = 4500200000 + 10000 * ENTITY_INDEX[spec.code]
    plans = []
    for n, ordered_on in enumerate(dates, start=1):
        number = str(base + n)
        order = PurchaseOrder(
            source=SOURCE,
            external_id=f"PO-{spec.code}-{number}",
            entity=entity,
            supplier=rng.choice(suppliers),
            number=number,
            currency=spec.currency,
            ordered_on=ordered_on,
            created_at=moment_on(ordered_on, rng),
        )
        order.updated_at = order.created_at
        items = rng.sample(PURCHASE_ITEMS, rng.choice((1, 1, 2, 2, 3, 4)))
        lines = [
            PurchaseOrderLine(
                purchase_order=order,
                line_no=i,
                item=item.description,
                quantity=Decimal(rng.randint(item.qty_low, item.qty_high)),
                unit_price=catalog_price(rng, item, spec.currency),
            )
            for i, item in enumerate(items, start=1)
        ]
        plan = OrderPlan(order, lines)
        receipts_plan(rng, plan, today)
        plans.append(plan)
    return plans


def receipts_plan(rng: random.Random, plan: OrderPlan, today: dt.date) -> None:
    """Most orders arrive in full (some in two deliveries), some only in part, recent ones not yet."""
    ordered_on = plan.order.ordered_on
    age = (today - ordered_on).days
    roll = rng.randrange(100)
    if age < 6 or (age < 15 and roll < 40):
        return
    first_on = min(ordered_on + dt.timedelta(days=rng.randint(3, 12)), today - dt.timedelta(days=1))
    quantities = [line.quantity for line in plan.lines]
    if roll < 78:
        if chance(rng, 30) and min(quantities) >= 4:
            first = [(q * rng.randint(40, 70) / 100).to_integral_value(ROUND_DOWN) for q in quantities]
            second_on = min(first_on + dt.timedelta(days=rng.randint(2, 8)), today - dt.timedelta(days=1))
            plan.receipts = [(first_on, first), (second_on, [q - f for q, f in zip(quantities, first, strict=True)])]
        else:
            plan.receipts = [(first_on, quantities)]
        return
    partial = [max(Decimal(1), (q * rng.randint(30, 80) / 100).to_integral_value(ROUND_DOWN)) for q in quantities]
    if len(partial) > 1:
        partial[rng.randrange(len(partial))] = Decimal(0)  # one line still on back order
    plan.receipts = [(first_on, partial)]


def orders_save(rng: random.Random, plans: list[OrderPlan]) -> int:
    PurchaseOrder.objects.bulk_create([p.order for p in plans])
    PurchaseOrderLine.objects.bulk_create([line for p in plans for line in p.lines])
    receipts: list[GoodsReceipt] = []
    receipt_lines: list[GoodsReceiptLine] = []
    numbers: dict[str, int] = defaultdict(int)
    for plan in plans:
        entity = plan.order.entity
        for received_on, quantities in plan.receipts:
            numbers[entity.code] += 1
            material_doc = 5000000000 + 100000 * ENTITY_INDEX[entity.code] + numbers[entity.code]
            receipt = GoodsReceipt(
                source=SOURCE,
                external_id=f"GR-{entity.code}-{material_doc}",
                entity=entity,
                purchase_order=plan.order,
                received_on=received_on,
                created_at=moment_on(received_on, rng, hour=14),
            )
            receipt.updated_at = receipt.created_at
            receipts.append(receipt)
            receipt_lines += [
                GoodsReceiptLine(receipt=receipt, po_line=line, quantity=q)
                for line, q in zip(plan.lines, quantities, strict=True)
                if q > 0
            ]
    GoodsReceipt.objects.bulk_create(receipts)
    GoodsReceiptLine.objects.bulk_create(receipt_lines)
    return len(receipts)
