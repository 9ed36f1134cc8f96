"""Small builders for the AP engines' plain records, with the defaults a test does not care about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from reconciliation.engines.ap_model import ApInvoice, ApInvoiceLine, Order, OrderLine, ReceiptLine, Standing

DAY = dt.date(2026, 3, 2)


def d(value: str | int) -> Decimal:
    return Decimal(value)


def order(
    po_id: int = 1,
    *lines: tuple[int, str, str],
    supplier_id: int = 10,
    currency: str = "EUR",
    number: str | None = None,
) -> Order:
    """An order with lines given as (line_no, quantity, unit price); one line of 10 at 10.00 by default."""
    return Order(
        po_id=po_id,
        number=number or f"PO-{po_id}",
        supplier_id=supplier_id,
        currency=currency,
        lines=tuple(OrderLine(no, d(q), d(p), item=f"Item {no}") for no, q, p in (lines or ((1, "10", "10.00"),))),
        supplier_name=f"Supplier {supplier_id}",
    )


def received(po_id: int, line_no: int, quantity: str) -> ReceiptLine:
    return ReceiptLine(po_id=po_id, po_line_no=line_no, quantity=d(quantity))


def line(no: int, quantity: str, price: str, po_line_no: int | None = None) -> ApInvoiceLine:
    return ApInvoiceLine(line_no=no, quantity=d(quantity), unit_price=d(price), po_line_no=po_line_no)


def invoice(
    invoice_id: int,
    *lines: ApInvoiceLine,
    po_id: int | None = 1,
    po_number: str | None = None,
    supplier_id: int = 10,
    currency: str = "EUR",
    number: str | None = None,
    amount: str | None = None,
    tax: str = "0",
    issue_on: dt.date = DAY,
    received_on: dt.date | None = None,
    standing: Standing = Standing.OPEN,
    is_credit_note: bool = False,
    not_duplicate_of: frozenset[int] = frozenset(),
) -> ApInvoice:
    """An invoice on order `po_id` (None: no order). Its amount is its lines' by default."""
    net = sum((ln.amount for ln in lines), Decimal(0))
    return ApInvoice(
        invoice_id=invoice_id,
        supplier_id=supplier_id,
        number=number if number is not None else f"INV-{invoice_id:04d}",
        currency=currency,
        amount=d(amount) if amount is not None else net + d(tax),
        tax_amount=d(tax),
        issue_on=issue_on,
        received_on=received_on or issue_on,
        po_number=po_number if po_number is not None else (f"PO-{po_id}" if po_id is not None else ""),
        po_id=po_id,
        lines=lines,
        standing=standing,
        is_credit_note=is_credit_note,
        supplier_name=f"Supplier {supplier_id}",
        not_duplicate_of=not_duplicate_of,
    )
