"""Purchase orders and goods receipts (ERP, procurement) → finops.payables.upserts."""

from __future__ import annotations

from typing import Any

from finops.payables.models import PurchaseOrder
from finops.payables.upserts import (
    GoodsReceiptData,
    PurchaseOrderData,
    PurchaseOrderLineData,
    goods_receipt_upsert,
    purchase_order_upsert,
)
from integrations.connectors.base import Applied, ApplyContext, MappingError, SkipRecord
from integrations.sync.ledger import ledger_object_id, ledger_skipped_entity
from integrations.sync.mappers import fields
from integrations.sync.mappers.entities import entity_of
from integrations.sync.mappers.parties import counterparty_link, counterparty_of


def purchase_order_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    external_id = fields.text(payload, "id", where="purchase order")
    where = f"purchase order {external_id}"
    entity = entity_of(ctx, fields.text(payload, "entity", where=where, required=False, max_length=16), where=where)
    lines = tuple(
        PurchaseOrderLineData(
            line_no=fields.integer(line, "line_no", where=f"{where} line {n}"),
            item=fields.text(line, "item", where=f"{where} line {n}"),
            quantity=fields.quantity(line, "quantity", where=f"{where} line {n}"),
            unit_price=fields.quantity(line, "unit_price", where=f"{where} line {n}"),
        )
        for n, line in enumerate(fields.lines(payload, where=where), start=1)
    )
    data = PurchaseOrderData(
        source=ctx.source,
        external_id=external_id,
        entity=entity,
        supplier=counterparty_link(
            counterparty_of(
                ctx, fields.text(payload, "supplier_id", where=where), where=where, resources=("suppliers",)
            ),
            entity,
        ),
        number=fields.text(payload, "number", where=where, max_length=64),
        currency=fields.currency(payload, where=where),
        ordered_on=fields.date(payload, "ordered_on", where=where),
        lines=lines,
    )
    po, outcome = purchase_order_upsert(data, actor=ctx.actor)
    return Applied(po, outcome)


def _purchase_order(ctx: ApplyContext, po_id: str, *, where: str) -> PurchaseOrder:
    object_id = ledger_object_id(source=ctx.source, resource="purchase_orders", external_id=po_id)
    po = (
        PurchaseOrder.objects.filter(pk=object_id).first()
        if object_id is not None
        else PurchaseOrder.objects.filter(source=ctx.source, external_id=po_id).first()
    )
    if po is None:
        skipped_for = ledger_skipped_entity(source=ctx.source, resource="purchase_orders", external_id=po_id)
        if skipped_for:
            raise SkipRecord(f"{where}: its purchase order belongs to {skipped_for}.", entity_code=skipped_for)
        raise MappingError(f"{where}: purchase order {po_id!r} from {ctx.source} is not known (yet).")
    if po.entity_id != ctx.connector.entity_id and po.entity.code not in (ctx.mapping.get("entities") or {}).values():
        raise SkipRecord(f"{where}: its purchase order belongs to {po.entity.code}.", entity_code=po.entity.code)
    return po


def receipt_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    external_id = fields.text(payload, "id", where="receipt")
    where = f"receipt {external_id}"
    data = GoodsReceiptData(
        source=ctx.source,
        external_id=external_id,
        purchase_order=_purchase_order(ctx, fields.text(payload, "po_id", where=where), where=where),
        received_on=fields.date(payload, "received_on", where=where),
        lines=tuple(
            (
                fields.integer(line, "line_no", where=f"{where} line {n}"),
                fields.quantity(line, "quantity", where=f"{where} line {n}"),
            )
            for n, line in enumerate(fields.lines(payload, where=where), start=1)
        ),
    )
    receipt, outcome = goods_receipt_upsert(data, actor=ctx.actor)
    return Applied(receipt, outcome)
