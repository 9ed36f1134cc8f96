"""A small AP world in the database: one supplier's orders, receipts and invoices, one of each case
the 3-way match tells apart. Shared by the matching, screen, API and browser tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import Counterparty, LegalEntity
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from tests.factories import CounterpartyBankAccountFactory, CounterpartyFactory

TODAY = dt.date(2026, 3, 16)
_seq = iter(range(1, 10**6))


def d(value: str | int) -> Decimal:
    return Decimal(value)


def supplier(entity: LegalEntity, name: str, *, bank_account: bool = True, **extra: Any) -> Counterparty:
    party = CounterpartyFactory(name=name, entities=[entity], **extra)
    if bank_account:
        CounterpartyBankAccountFactory(counterparty=party)
    return party


def order(
    entity: LegalEntity,
    party: Counterparty,
    number: str,
    *lines: tuple[int, str, str],
    received: dict[int, str] | None = None,
) -> PurchaseOrder:
    """An order with lines (line_no, quantity, unit price) and, when given, one receipt of
    `received` (line_no -> quantity)."""
    po = PurchaseOrder.objects.create(
        entity=entity,
        supplier=party,
        number=number,
        currency=entity.base_currency,
        ordered_on=TODAY - dt.timedelta(days=30),
        source="test",
        external_id=f"PO-{number}",
    )
    po_lines = {
        no: PurchaseOrderLine.objects.create(
            purchase_order=po, line_no=no, item=f"Article {number}-{no}", quantity=d(q), unit_price=d(p)
        )
        for no, q, p in lines
    }
    if received:
        receive(po, received, po_lines)
    return po


def receive(
    po: PurchaseOrder, quantities: dict[int, str], po_lines: dict[int, PurchaseOrderLine] | None = None
) -> None:
    po_lines = po_lines or {line.line_no: line for line in po.lines.all()}
    receipt = GoodsReceipt.objects.create(
        entity=po.entity,
        purchase_order=po,
        received_on=TODAY - dt.timedelta(days=10),
        source="test",
        external_id=f"GR-{po.number}-{next(_seq)}",
    )
    for no, q in quantities.items():
        GoodsReceiptLine.objects.create(receipt=receipt, po_line=po_lines[no], quantity=d(q))


def invoice(
    entity: LegalEntity,
    party: Counterparty,
    number: str,
    *lines: tuple[int | None, str, str],
    po_number: str = "",
    state: str = InvoiceState.RECEIVED,
    tax: str = "0",
) -> Invoice:
    """A supplier invoice with lines (order line no or None, quantity, unit price); the order it
    quotes is linked when we hold it, as an import does."""
    net = sum((d(q) * d(p) for _, q, p in lines), Decimal(0))
    po = PurchaseOrder.objects.filter(entity=entity, number=po_number).first() if po_number else None
    inv = Invoice.objects.create(
        entity=entity,
        counterparty=party,
        direction="AP",
        number=number,
        currency=entity.base_currency,
        amount=net + d(tax),
        tax_amount=d(tax),
        open_amount=net + d(tax),
        issue_on=TODAY - dt.timedelta(days=5),
        due_on=TODAY + dt.timedelta(days=25),
        po_number=po_number,
        purchase_order=po,
        state=state,
        source="test",
        external_id=f"INV-{number}-{next(_seq)}",
        created_at=timezone.now(),
    )
    for n, (po_line_no, q, p) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=inv,
            line_no=n,
            description=f"line {n}",
            quantity=d(q),
            unit_price=d(p),
            amount=d(q) * d(p),
            po_line_no=str(po_line_no) if po_line_no is not None else "",
        )
    return inv


@dataclass
class ApWorld:
    entity: LegalEntity
    supplier: Counterparty
    invoices: dict[str, Invoice] = field(default_factory=dict)
    orders: dict[str, PurchaseOrder] = field(default_factory=dict)

    def __getitem__(self, case: str) -> Invoice:
        return self.invoices[case]

    def fresh(self, case: str) -> Invoice:
        return Invoice.objects.get(pk=self.invoices[case].pk)


def ap_world(entity: LegalEntity) -> ApWorld:
    """One supplier, and one invoice of each case:

    clean       PO 4500000001, 10 @ 10.00 received, billed 10 @ 10.00                 → matched
    price       PO 4500000002, 5 @ 100.00 received, billed 5 @ 104.00 (4% > 1%)       → price_variance, 20.00 at stake
    no_receipt  PO 4500000003, 3 @ 50.00 nothing received, billed 3 @ 50.00           → missing_receipt, 150.00
    unknown_po  quotes PO 4500000099, which we do not hold, 2 @ 30.00                  → no_po, 60.00
    duplicate   "re 2026 1": the clean invoice again, its number spelt another way    → duplicate of clean
    non_po      no order, 1 @ 250.00                                                   → needs approval
    """
    party = supplier(entity, "Hafenbau Komponenten GmbH")
    world = ApWorld(entity, party)
    world.orders["clean"] = order(entity, party, "4500000001", (1, "10", "10.00"), received={1: "10"})
    world.orders["price"] = order(entity, party, "4500000002", (1, "5", "100.00"), received={1: "5"})
    world.orders["no_receipt"] = order(entity, party, "4500000003", (1, "3", "50.00"))
    world.invoices["clean"] = invoice(entity, party, "RE-2026-0001", (1, "10", "10.00"), po_number="4500000001")
    world.invoices["price"] = invoice(entity, party, "RE-2026-0002", (1, "5", "104.00"), po_number="4500000002")
    world.invoices["no_receipt"] = invoice(entity, party, "RE-2026-0003", (1, "3", "50.00"), po_number="4500000003")
    world.invoices["unknown_po"] = invoice(entity, party, "RE-2026-0004", (1, "2", "30.00"), po_number="4500000099")
    world.invoices["duplicate"] = invoice(entity, party, "re 2026 1", (1, "10", "10.00"), po_number="4500000001")
    world.invoices["non_po"] = invoice(entity, party, "RE-2026-0006", (None, "1", "250.00"))
    return world
