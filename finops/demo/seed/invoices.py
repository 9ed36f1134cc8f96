"""Invoice drafts, shared by purchasing and sales: planned in memory, saved once their state is known."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from finops.demo.seed.context import CENT, PAYMENT_TERMS, SOURCE, moment_on
from finops.demo.seed.entities import EntitySpec
from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceState
from finops.masterdata.models import Counterparty, LegalEntity
from finops.payables.models import PurchaseOrder, PurchaseOrderLine

S = InvoiceState


DraftLine = tuple[str, Decimal, Decimal, PurchaseOrderLine | None]  # description, quantity, unit price, PO line


@dataclass(eq=False)
class InvoiceDraft:
    """An invoice being planned; built into Invoice + InvoiceLine rows once its state is known."""

    spec: EntitySpec
    entity: LegalEntity
    counterparty: Counterparty
    direction: str
    issue_on: dt.date
    lines: list[DraftLine]
    external_id: str
    state: str = ""
    number: str = ""
    purchase_order: PurchaseOrder | None = None
    received_value: Decimal = Decimal(0)
    mismatch: str = ""  # "price" | "quantity": a 3-way difference
    duplicate_of: InvoiceDraft | None = None
    paid_percent: int = 0  # for partially paid
    cash_on: dt.date | None = None  # day the bank booked its payment or receipt
    cash_amount: Decimal = Decimal(0)
    cash_matched: bool = False
    invoice: Invoice | None = None

    @property
    def net(self) -> Decimal:
        return sum(((q * p).quantize(CENT) for _, q, p, _ in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        domestic = self.counterparty.country == self.spec.country  # cross-border: reverse charge / export
        return (self.net * self.spec.vat_rate).quantize(CENT) if domestic else Decimal("0.00")

    @property
    def amount(self) -> Decimal:
        return self.net + self.tax

    @property
    def open_amount(self) -> Decimal:
        if self.state in (S.PAID, S.RECONCILED):
            return Decimal("0.00")
        if self.state == S.PARTIALLY_PAID:
            return self.amount - (self.amount * self.paid_percent / 100).quantize(CENT)
        return self.amount


def invoices_save(drafts: Sequence[InvoiceDraft], rng: random.Random) -> list[Invoice]:
    for d in drafts:
        d.invoice = Invoice(
            source=SOURCE,
            external_id=d.external_id,
            entity=d.entity,
            counterparty=d.counterparty,
            direction=d.direction,
            number=d.number,
            currency=d.spec.currency,
            amount=d.amount,
            tax_amount=d.tax,
            open_amount=d.open_amount,
            issue_on=d.issue_on,
            due_on=d.issue_on + PAYMENT_TERMS,
            po_number=d.purchase_order.number if d.purchase_order else "",
            purchase_order=d.purchase_order,
            state=d.state,
            created_at=moment_on(d.issue_on + dt.timedelta(days=6 if d.duplicate_of else 1), rng),
        )
        d.invoice.updated_at = d.invoice.created_at
    invoices = Invoice.objects.bulk_create([d.invoice for d in drafts if d.invoice])
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=d.invoice,
                line_no=n,
                description=text,
                quantity=qty,
                unit_price=price,
                amount=(qty * price).quantize(CENT),
                po_line=po_line,
                po_line_no=str(po_line.line_no) if po_line else "",
            )
            for d in drafts
            for n, (text, qty, price, po_line) in enumerate(d.lines, start=1)
        ]
    )
    return invoices
