"""purchase_orders_upsert and goods_receipts_upsert, the one write path of orders and receipts:
set-based for a whole file, the same rules for a connector and an import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finops.masterdata.models import ExternalRef
from finops.payables.models import GoodsReceipt, PurchaseOrder, PurchaseOrderLine
from finops.payables.upserts import (
    GoodsReceiptData,
    PurchaseOrderData,
    PurchaseOrderLineData,
    goods_receipts_upsert,
    purchase_orders_upsert,
)
from tests.factories import CounterpartyFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 1, 5)


def order(entity, supplier, n: int, *, source="csv", lines=2, price="12.50") -> PurchaseOrderData:
    return PurchaseOrderData(
        source=source,
        external_id=f"{source}-PO-{n}",
        entity=entity,
        supplier=supplier,
        number=f"PO-{n}",
        currency="EUR",
        ordered_on=DAY,
        lines=tuple(PurchaseOrderLineData(no, f"Item {no}", Decimal(10), Decimal(price)) for no in range(1, lines + 1)),
    )


def queries_to_create(entity, supplier, count: int, start: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        purchase_orders_upsert([order(entity, supplier, start + n) for n in range(count)])
    return len(captured)


def test_a_file_of_orders_is_written_in_as_many_queries_as_one_of_a_few(entity_de):
    supplier = CounterpartyFactory()

    few = queries_to_create(entity_de, supplier, 2, start=0)
    many = queries_to_create(entity_de, supplier, 40, start=100)

    assert many == few
    assert (PurchaseOrder.objects.count(), PurchaseOrderLine.objects.count()) == (42, 84)


def test_the_same_order_from_a_second_system_is_cross_referenced_not_stored_twice(entity_de):
    supplier = CounterpartyFactory()
    ((first, _),) = purchase_orders_upsert([order(entity_de, supplier, 1, source="erp")])

    ((same, outcome),) = purchase_orders_upsert([order(entity_de, supplier, 1, source="procurement")])

    assert (same.pk, outcome) == (first.pk, "unchanged")
    assert ExternalRef.objects.filter(source="procurement", object_id=first.pk).exists()
    with pytest.raises(ValidationError, match="already known from erp"):
        purchase_orders_upsert([order(entity_de, supplier, 1, source="procurement", price="13.00")])


def test_a_received_line_cannot_be_removed_by_the_source(entity_de):
    supplier = CounterpartyFactory()
    ((po, _),) = purchase_orders_upsert([order(entity_de, supplier, 1)])
    goods_receipts_upsert(
        [
            GoodsReceiptData(
                source="csv", external_id="GR-1", purchase_order=po, received_on=DAY, lines=((2, Decimal(4)),)
            )
        ]
    )

    with pytest.raises(ValidationError, match="line 2 was removed at the source but is already received"):
        purchase_orders_upsert([order(entity_de, supplier, 1, lines=1)])

    assert GoodsReceipt.objects.get().lines.get().quantity == Decimal(4)
