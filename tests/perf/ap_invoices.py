"""Synthetic supplier invoices, purchase orders and receipts with the truth about each invoice.

Built from business situations, not from the engine's rules: each situation is a purchase order
(or none) with its receipts and the invoices a supplier sends about it, and it states what a
careful AP clerk would say of each open invoice. `Truth.expected` are the reason codes the
situation plants; `Truth.allowed` the codes that are then true as well by their definitions (two
invoices that together bill more than was ordered of a fully received order have also billed more
than was received). An invoice with nothing expected is clean and must not be held.

    generate(n_invoices, seed) -> Dataset
    score(verdicts, dataset) -> Quality            the engines' verdicts against the truth
    baseline(dataset) -> dict[invoice id, reasons] what a per-invoice header check and an
                                                   exact-number duplicate check find
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from reconciliation.engines.ap_model import (
    ApInvoice,
    ApInvoiceLine,
    Order,
    OrderLine,
    ReceiptLine,
    Standing,
)

PV, QV, MR, NO_PO, OB, DUP = (
    "price_variance",
    "quantity_variance",
    "missing_receipt",
    "no_po",
    "over_billed",
    "duplicate",
)
REASONS = (PV, QV, MR, NO_PO, OB, DUP)
_CENT = Decimal("0.01")
_START = dt.date(2025, 1, 6)


@dataclass(frozen=True)
class Truth:
    situation: str
    expected: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    needs_approval: bool = False  # an invoice without an order: not held, but not matched either


@dataclass
class Dataset:
    invoices: list[ApInvoice] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    receipts: list[ReceiptLine] = field(default_factory=list)
    supplier_accounts: dict[int, list[str]] = field(default_factory=dict)
    truth: dict[int, Truth] = field(default_factory=dict)  # every open invoice

    @property
    def open_invoices(self) -> int:
        return len(self.truth)


@dataclass
class _Supplier:
    supplier_id: int
    name: str
    currency: str
    style: str
    next_number: int
    tax_rate: Decimal


_STYLES = (
    "INV-{year}-{n:05d}",
    "RE{year}{n:06d}",
    "{n:07d}",
    "SI-{n}",
    "F{year}/{n:04d}",
    "{year}-{n:06d}",
)


class _Builder:
    def __init__(self, n_invoices: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.data = Dataset()
        self.invoice_id = 0
        self.po_id = 0
        self.suppliers: list[_Supplier] = []
        for supplier_id in range(1, max(20, n_invoices // 15) + 1):
            currency = self.rng.choice(("EUR", "EUR", "EUR", "GBP", "USD"))
            supplier = _Supplier(
                supplier_id=supplier_id,
                name=f"Supplier {supplier_id}",
                currency=currency,
                style=self.rng.choice(_STYLES),
                next_number=self.rng.randint(1, 40_000),
                tax_rate=self.rng.choice((Decimal("0.19"), Decimal("0.20"), Decimal("0.07"), Decimal(0))),
            )
            self.suppliers.append(supplier)
            self.data.supplier_accounts[supplier_id] = [f"DE{supplier_id:020d}"]

    # -- building blocks -------------------------------------------------------------------------

    def supplier(self) -> _Supplier:
        return self.rng.choice(self.suppliers)

    def day(self) -> dt.date:
        return _START + dt.timedelta(days=self.rng.randint(0, 330))

    def number(self, supplier: _Supplier, on: dt.date) -> str:
        supplier.next_number += self.rng.randint(1, 30)
        return supplier.style.format(year=on.year, n=supplier.next_number)

    def order(self, supplier: _Supplier, lines: int | None = None) -> Order:
        self.po_id += 1
        count = lines or self.rng.choice((1, 1, 2, 2, 3, 4))
        order_lines = tuple(
            OrderLine(
                line_no=no * 10,
                quantity=Decimal(self.rng.choice((1, 2, 5, 10, 12, 20, 24, 50, 100, 250))),
                unit_price=(Decimal(self.rng.randint(50, 250_000)) / 100),
                item=f"Article {self.rng.randint(1000, 99999)}",
            )
            for no in range(1, count + 1)
        )
        order = Order(
            self.po_id, f"PO{self.po_id:08d}", supplier.supplier_id, supplier.currency, order_lines, supplier.name
        )
        self.data.orders.append(order)
        return order

    def receive(self, order: Order, share: Callable[[OrderLine], Decimal]) -> dict[int, Decimal]:
        """Receipts of each line (in one or two deliveries); returns what was received by line."""
        got: dict[int, Decimal] = {}
        for ol in order.lines:
            quantity = share(ol)
            got[ol.line_no] = quantity
            if quantity <= 0:
                continue
            first = quantity if quantity < 2 or self.rng.random() < 0.7 else Decimal(int(quantity) // 2)
            self.data.receipts.append(ReceiptLine(order.po_id, ol.line_no, first))
            if quantity - first:
                self.data.receipts.append(ReceiptLine(order.po_id, ol.line_no, quantity - first))
        return got

    def invoice(
        self,
        supplier: _Supplier,
        lines: Iterable[tuple[int | None, Decimal, Decimal]],
        *,
        order: Order | None,
        on: dt.date,
        truth: Truth | None,
        number: str | None = None,
        po_number: str | None = None,
        standing: Standing = Standing.OPEN,
        currency: str | None = None,
        header_only: bool = False,
        net: Decimal | None = None,
        delay: int | None = None,
        is_credit_note: bool = False,
    ) -> ApInvoice:
        """An invoice with lines (order line no, quantity, unit price), its amount their sum plus tax."""
        self.invoice_id += 1
        invoice_lines = tuple(
            ApInvoiceLine(line_no=no, quantity=q, unit_price=p, po_line_no=po_line, description=f"line {no}")
            for no, (po_line, q, p) in enumerate(lines, start=1)
        )
        if net is None:
            net = sum((ln.amount for ln in invoice_lines), Decimal(0)).quantize(_CENT)
        tax = (net * supplier.tax_rate).quantize(_CENT)
        inv = ApInvoice(
            invoice_id=self.invoice_id,
            supplier_id=supplier.supplier_id,
            number=number or self.number(supplier, on),
            currency=currency or supplier.currency,
            amount=net + tax,
            tax_amount=tax,
            issue_on=on,
            received_on=on + dt.timedelta(days=self.rng.randint(0, 4) if delay is None else delay),
            po_number=po_number if po_number is not None else (order.number if order else ""),
            po_id=order.po_id if order is not None and po_number is None else None,
            lines=() if header_only else invoice_lines,
            standing=standing,
            is_credit_note=is_credit_note,
            supplier_name=supplier.name,
        )
        self.data.invoices.append(inv)
        if standing is Standing.OPEN and truth is not None:
            self.data.truth[inv.invoice_id] = truth
        return inv

    def full(self, order: Order) -> list[tuple[int | None, Decimal, Decimal]]:
        return [(ol.line_no, ol.quantity, ol.unit_price) for ol in order.lines]

    def later(self, on: dt.date, low: int = 8, high: int = 40) -> dt.date:
        return on + dt.timedelta(days=self.rng.randint(low, high))

    # -- situations: clean ---------------------------------------------------------------------------

    def clean_full(self) -> None:
        s = self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        self.invoice(s, self.full(order), order=order, on=self.day(), truth=Truth("clean: full billing"))

    def clean_partial(self) -> None:
        """Part received, part of that billed."""
        s = self.supplier()
        order = self.order(s)
        got = self.receive(order, lambda ol: Decimal(self.rng.randint(1, int(ol.quantity))))
        lines = [(ol.line_no, Decimal(self.rng.randint(1, int(got[ol.line_no]))), ol.unit_price) for ol in order.lines]
        self.invoice(s, lines, order=order, on=self.day(), truth=Truth("clean: partial billing of a partial receipt"))

    def clean_split(self) -> None:
        """Two or three invoices share what was received, some in equal parts."""
        s = self.supplier()
        order = self.order(s, lines=self.rng.choice((1, 2)))
        self.receive(order, lambda ol: ol.quantity)
        parts = self.rng.choice((2, 2, 3))
        splits: dict[int, list[Decimal]] = {}
        for ol in order.lines:
            total = int(ol.quantity)
            if total < parts:
                splits[ol.line_no] = [ol.quantity] + [Decimal(0)] * (parts - 1)
            elif self.rng.random() < 0.3 and total % parts == 0:
                splits[ol.line_no] = [Decimal(total // parts)] * parts
            else:
                cuts = sorted(self.rng.sample(range(1, total), parts - 1))
                bounds = [0, *cuts, total]
                splits[ol.line_no] = [Decimal(bounds[i + 1] - bounds[i]) for i in range(parts)]
        on = self.day()
        for part in range(parts):
            lines = [(ol.line_no, splits[ol.line_no][part], ol.unit_price) for ol in order.lines]
            lines = [ln for ln in lines if ln[1] > 0]
            if lines:
                self.invoice(s, lines, order=order, on=on, truth=Truth("clean: split billing"))
            on = self.later(on, 2, 20)

    def within_tolerance(self) -> None:
        s = self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        drifts = (Decimal("0.01"), Decimal("-0.01"), Decimal("0.005"), Decimal("-0.0099"), Decimal("0.0075"))
        lines = [
            (ol.line_no, ol.quantity, (ol.unit_price * (1 + self.rng.choice(drifts))).quantize(Decimal("0.0001")))
            for ol in order.lines
        ]
        self.invoice(s, lines, order=order, on=self.day(), truth=Truth("clean: prices within 1%"))

    def clean_after_history(self) -> None:
        """An earlier invoice already paid billed part; the new one bills the rest."""
        s = self.supplier()
        order = self.order(s, lines=1)
        self.receive(order, lambda ol: ol.quantity)
        (ol,) = order.lines
        paid = Decimal(self.rng.randint(0, int(ol.quantity) - 1)) if ol.quantity > 1 else Decimal(0)
        on = self.day()
        if paid:
            self.invoice(
                s, [(ol.line_no, paid, ol.unit_price)], order=order, on=on, truth=None, standing=Standing.COMMITTED
            )
        self.invoice(
            s,
            [(ol.line_no, ol.quantity - paid, ol.unit_price)],
            order=order,
            on=self.later(on),
            truth=Truth("clean: the rest after a paid invoice"),
        )

    def clean_header_only(self) -> None:
        s = self.supplier()
        order = self.order(s)
        got = self.receive(order, lambda ol: ol.quantity if self.rng.random() < 0.7 else Decimal(int(ol.quantity) // 2))
        value = sum((got[ol.line_no] * ol.unit_price for ol in order.lines), Decimal(0))
        if value <= 0:
            got = self.receive(order, lambda ol: ol.quantity)
            value = sum((ol.quantity * ol.unit_price for ol in order.lines), Decimal(0))
        self.invoice(
            s,
            [],
            order=order,
            on=self.day(),
            header_only=True,
            net=value.quantize(_CENT),
            truth=Truth("clean: header only"),
        )

    def non_po(self) -> None:
        s = self.supplier()
        lines = [(None, Decimal(1), Decimal(self.rng.randint(1000, 900_000)) / 100)]
        self.invoice(s, lines, order=None, on=self.day(), truth=Truth("clean: no order", needs_approval=True))

    # -- situations: exceptions ------------------------------------------------------------------------

    def price_variance(self) -> None:
        s = self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        lines = self.full(order)
        k = self.rng.randrange(len(lines))
        no, q, p = lines[k]
        factor = 1 + Decimal(self.rng.choice((2, 3, 5, 8, 15, -3, -10))) / 100
        lines[k] = (no, q, (p * factor).quantize(_CENT))
        self.invoice(s, lines, order=order, on=self.day(), truth=Truth("price variance", frozenset({PV})))

    def order_with(self, supplier: _Supplier, fits: Callable[[OrderLine], bool], lines: int | None = None) -> Order:
        """An order with at least one line that fits (orders are drawn again until one does)."""
        while True:
            order = self.order(supplier, lines)
            if any(fits(ol) for ol in order.lines):
                return order

    def quantity_variance(self) -> None:
        """Part received, more than that (but no more than ordered) billed."""
        s = self.supplier()
        order = self.order_with(s, lambda ol: ol.quantity >= 2)
        short = self.rng.choice([ol for ol in order.lines if ol.quantity >= 2])
        got = self.receive(
            order, lambda ol: Decimal(self.rng.randint(1, int(ol.quantity) - 1)) if ol is short else ol.quantity
        )
        billed = Decimal(self.rng.randint(int(got[short.line_no]) + 1, int(short.quantity)))
        lines = [(ol.line_no, billed if ol is short else ol.quantity, ol.unit_price) for ol in order.lines]
        self.invoice(s, lines, order=order, on=self.day(), truth=Truth("quantity variance", frozenset({QV})))

    def missing_receipt(self) -> None:
        s = self.supplier()
        order = self.order(s)
        nothing = self.rng.choice(order.lines) if self.rng.random() < 0.6 else None  # one line, or the whole order
        self.receive(order, lambda ol: Decimal(0) if nothing is None or ol is nothing else ol.quantity)
        self.invoice(s, self.full(order), order=order, on=self.day(), truth=Truth("missing receipt", frozenset({MR})))

    def unknown_po(self) -> None:
        s = self.supplier()
        lines = [(10, Decimal(self.rng.randint(1, 20)), Decimal(self.rng.randint(100, 50_000)) / 100)]
        self.invoice(
            s,
            lines,
            order=None,
            po_number=f"PO9{self.rng.randint(0, 10**7):08d}",
            on=self.day(),
            truth=Truth("unknown order", frozenset({NO_PO})),
        )

    def unknown_po_line(self) -> None:
        s = self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        lines = self.full(order)
        lines.append((max(ol.line_no for ol in order.lines) + 10, Decimal(1), Decimal("12.50")))
        self.invoice(
            s,
            lines,
            order=order,
            on=self.day(),
            truth=Truth("line on an order line that does not exist", frozenset({NO_PO})),
        )

    def over_billed_across(self) -> None:
        """Fully received; the first invoice bills most of it, the second again more than half."""
        s = self.supplier()
        order = self.order_with(s, lambda ol: ol.quantity >= 2, lines=1)
        self.receive(order, lambda ol: ol.quantity)
        (ol,) = order.lines
        first = Decimal(self.rng.randint(int(ol.quantity) // 2, int(ol.quantity)))
        second = ol.quantity - first + Decimal(self.rng.randint(1, max(1, int(ol.quantity) // 2)))
        on = self.day()
        standing = self.rng.choice((Standing.OPEN, Standing.COMMITTED))
        self.invoice(
            s,
            [(ol.line_no, first, ol.unit_price)],
            order=order,
            on=on,
            standing=standing,
            truth=Truth("clean: first of two"),
        )
        self.invoice(
            s,
            [(ol.line_no, second, ol.unit_price)],
            order=order,
            on=self.later(on),
            truth=Truth("over-billed across invoices", frozenset({OB}), frozenset({QV})),
        )

    def header_only_beyond_receipts(self) -> None:
        s = self.supplier()
        order = self.order_with(s, lambda ol: ol.quantity >= 2)
        got = self.receive(order, lambda ol: Decimal(int(ol.quantity) // 2))
        value = sum((got[ol.line_no] * ol.unit_price for ol in order.lines), Decimal(0))
        net = (value * Decimal("1.2")).quantize(_CENT)
        ordered = sum((ol.quantity * ol.unit_price for ol in order.lines), Decimal(0))
        self.invoice(
            s,
            [],
            order=order,
            on=self.day(),
            header_only=True,
            net=net,
            truth=Truth(
                "header only beyond the receipts", frozenset({QV}), frozenset({OB}) if net > ordered else frozenset()
            ),
        )

    def wrong_supplier_or_currency(self) -> None:
        s, other = self.supplier(), self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        if other.supplier_id != s.supplier_id and self.rng.random() < 0.5:
            self.invoice(
                other,
                self.full(order),
                order=order,
                on=self.day(),
                currency=order.currency,
                truth=Truth("another supplier's order", frozenset({NO_PO})),
            )
        else:
            currency = "CHF" if s.currency != "CHF" else "EUR"
            self.invoice(
                s,
                self.full(order),
                order=order,
                on=self.day(),
                currency=currency,
                truth=Truth("another currency", frozenset({PV})),
            )

    # -- situations: duplicates ---------------------------------------------------------------------------

    def duplicate_by_number(self) -> None:
        """The same invoice arrives again (post and e-mail), its number spelt another way."""
        s = self.supplier()
        on = self.day()
        if self.rng.random() < 0.7:
            order = self.order(s)
            self.receive(order, lambda ol: ol.quantity)
            first = self.invoice(s, self.full(order), order=order, on=on, truth=Truth("clean: original of a duplicate"))
        else:
            order = None
            first = self.invoice(
                s,
                [(None, Decimal(1), Decimal(self.rng.randint(1000, 400_000)) / 100)],
                order=None,
                on=on,
                truth=Truth("clean: original of a duplicate", needs_approval=True),
            )
        spelling = self.rng.choice(_RESPELLINGS)(first.number)
        lines = [(ln.po_line_no, ln.quantity, ln.unit_price) for ln in first.lines]
        self.invoice(
            s,
            lines,
            order=order,
            on=on,
            number=spelling,
            delay=(first.received_on - on).days + self.rng.randint(1, 20),
            truth=Truth("duplicate, number respelt", frozenset({DUP}), frozenset({QV, OB})),
        )

    def duplicate_by_amount(self) -> None:
        """Keyed twice under different numbers (a typo, or the delivery note's number), days apart."""
        s = self.supplier()
        on = self.day()
        lines = [(None, Decimal(1), Decimal(self.rng.randint(1000, 400_000)) / 100)]
        first = self.invoice(
            s, lines, order=None, on=on, truth=Truth("clean: original of a duplicate", needs_approval=True)
        )
        self.invoice(
            s,
            lines,
            order=None,
            on=on + dt.timedelta(days=self.rng.randint(0, 5)),
            delay=(first.received_on - on).days + self.rng.randint(1, 10),
            truth=Truth("duplicate, same amount within days", frozenset({DUP})),
        )

    def duplicate_by_shared_account(self) -> None:
        """One supplier entered twice, both paid to one account: the same invoice under each."""
        s = self.supplier()
        twin = _Supplier(
            supplier_id=len(self.suppliers) + 1,
            name=f"{s.name} (2)",
            currency=s.currency,
            style=s.style,
            next_number=s.next_number + 5000,
            tax_rate=s.tax_rate,
        )
        self.suppliers.append(twin)
        self.data.supplier_accounts[twin.supplier_id] = list(self.data.supplier_accounts[s.supplier_id])
        on = self.day()
        lines = [(None, Decimal(1), Decimal(self.rng.randint(1000, 400_000)) / 100)]
        first = self.invoice(
            s, lines, order=None, on=on, truth=Truth("clean: original of a duplicate", needs_approval=True)
        )
        self.invoice(
            twin,
            lines,
            order=None,
            on=on,
            delay=(first.received_on - on).days + 1,
            truth=Truth("duplicate to a supplier sharing the account", frozenset({DUP})),
        )

    # -- situations that must stay apart ------------------------------------------------------------------

    def resent_after_cancellation(self) -> None:
        s = self.supplier()
        order = self.order(s)
        self.receive(order, lambda ol: ol.quantity)
        on = self.day()
        first = self.invoice(s, self.full(order), order=order, on=on, standing=Standing.CANCELLED, truth=None)
        self.invoice(
            s,
            self.full(order),
            order=order,
            on=on,
            number=first.number,
            delay=10,
            truth=Truth("clean: re-sent after cancellation"),
        )

    def recurring_same_amount(self) -> None:
        """Rent or a subscription: the same amount every month, each month its own number."""
        s = self.supplier()
        amount = Decimal(self.rng.randint(10_000, 500_000)) / 100
        on = self.day()
        for _ in range(self.rng.randint(2, 4)):
            self.invoice(
                s,
                [(None, Decimal(1), amount)],
                order=None,
                on=on,
                truth=Truth("clean: recurring amount", needs_approval=True),
            )
            on += dt.timedelta(days=self.rng.randint(28, 31))

    def same_number_other_supplier(self) -> None:
        s, other = self.supplier(), self.supplier()
        if other.supplier_id == s.supplier_id:
            return
        on = self.day()
        first = self.invoice(
            s,
            [(None, Decimal(1), Decimal(self.rng.randint(1000, 90_000)) / 100)],
            order=None,
            on=on,
            truth=Truth("clean: no order", needs_approval=True),
        )
        self.invoice(
            other,
            [(None, Decimal(1), Decimal(self.rng.randint(1000, 90_000)) / 100)],
            order=None,
            on=on,
            number=first.number,
            truth=Truth("clean: another supplier's same number", needs_approval=True),
        )

    def neighbouring_numbers(self) -> None:
        """Last year's invoice with the same sequence number, or the next number, for another amount."""
        s = self.supplier()
        on = self.day()
        year = on.year
        n = self.rng.randint(1, 999)
        for number, when in (
            (f"INV-{year - 1}-{n:03d}", on - dt.timedelta(days=self.rng.randint(200, 360))),
            (f"INV-{year}-{n:03d}", on),
            (f"INV-{year}-{n + 1:03d}", on + dt.timedelta(days=1)),
        ):
            self.invoice(
                s,
                [(None, Decimal(1), Decimal(self.rng.randint(1000, 90_000)) / 100)],
                order=None,
                on=when,
                number=number,
                truth=Truth("clean: a neighbouring number", needs_approval=True),
            )

    def credit_note_for_an_invoice(self) -> None:
        s = self.supplier()
        on = self.day()
        lines = [(None, Decimal(1), Decimal(self.rng.randint(1000, 90_000)) / 100)]
        self.invoice(s, lines, order=None, on=on, truth=Truth("clean: no order", needs_approval=True))
        self.invoice(
            s,
            lines,
            order=None,
            on=on + dt.timedelta(days=2),
            is_credit_note=True,
            truth=Truth("clean: credit note reversing an invoice", needs_approval=True),
        )


# How a number is written again: as it was, another case, other separators, a prefix, zeros.
_RESPELLINGS: tuple[Callable[[str], str], ...] = (
    lambda n: n,
    str.lower,
    lambda n: n.replace("-", " "),
    lambda n: n.replace("-", "").replace("/", ""),
    lambda n: "INV " + n,
    lambda n: "Invoice No. " + n,
    lambda n: "#" + n,
    lambda n: re.sub(r"(?<!\d)0+(?=\d)", "", n),  # zeros at the start of each digit group dropped
    lambda n: re.sub(r"(\d+)$", r"00\1", n),  # zeros added to the last digit group
    lambda n: n.replace("-", "/"),
)

# How often each situation occurs (per 100 situations).
_MIX: tuple[tuple[Callable[[_Builder], None], int], ...] = (
    (_Builder.clean_full, 18),
    (_Builder.clean_partial, 7),
    (_Builder.clean_split, 8),
    (_Builder.within_tolerance, 7),
    (_Builder.clean_after_history, 4),
    (_Builder.clean_header_only, 3),
    (_Builder.non_po, 5),
    (_Builder.price_variance, 6),
    (_Builder.quantity_variance, 5),
    (_Builder.missing_receipt, 5),
    (_Builder.unknown_po, 3),
    (_Builder.unknown_po_line, 3),
    (_Builder.over_billed_across, 5),
    (_Builder.header_only_beyond_receipts, 2),
    (_Builder.wrong_supplier_or_currency, 2),
    (_Builder.duplicate_by_number, 6),
    (_Builder.duplicate_by_amount, 2),
    (_Builder.duplicate_by_shared_account, 1),
    (_Builder.resent_after_cancellation, 2),
    (_Builder.recurring_same_amount, 2),
    (_Builder.same_number_other_supplier, 1),
    (_Builder.neighbouring_numbers, 1),
    (_Builder.credit_note_for_an_invoice, 1),
)


def generate(n_invoices: int, seed: int = 7) -> Dataset:
    """About `n_invoices` invoices (open ones plus the paid and cancelled history they refer to)."""
    builder = _Builder(n_invoices, seed)
    situations = [situation for situation, weight in _MIX for _ in range(weight)]
    while len(builder.data.invoices) < n_invoices:
        builder.rng.choice(situations)(builder)
    return builder.data


# -- scoring ---------------------------------------------------------------------------------------------


@dataclass
class Quality:
    planted: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    clean: int = 0
    false_holds: int = 0
    wrong_reasons: int = 0  # reasons given that are neither planted nor true by definition
    non_po_matched: int = 0  # invoices without an order passed as matched instead of sent to an approver
    examples: list[str] = field(default_factory=list)

    def recall(self, reason: str) -> float:
        return self.caught[reason] / self.planted[reason] if self.planted[reason] else 1.0

    @property
    def exceptions(self) -> int:
        return sum(self.planted.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "recall": {r: round(self.recall(r), 4) for r in REASONS},
            "planted": dict(self.planted),
            "caught": dict(self.caught),
            "clean": self.clean,
            "false_holds": self.false_holds,
            "wrong_reasons": self.wrong_reasons,
            "non_po_matched": self.non_po_matched,
        }


def score(held: dict[int, tuple[str, ...]], dataset: Dataset, *, matched: set[int] | None = None) -> Quality:
    """`held`: the reasons of every invoice held (an exception); `matched`: the invoices passed as
    matched (to check that invoices without an order are sent to an approver instead)."""
    quality = Quality()
    for invoice_id, truth in dataset.truth.items():
        reasons = held.get(invoice_id, ())
        for reason in truth.expected:
            quality.planted[reason] += 1
            if reason in reasons:
                quality.caught[reason] += 1
            elif len(quality.examples) < 10:
                quality.examples.append(f"missed {reason} on {invoice_id} ({truth.situation}): {reasons}")
        if not truth.expected:
            quality.clean += 1
            if reasons:
                quality.false_holds += 1
                if len(quality.examples) < 10:
                    quality.examples.append(f"held clean {invoice_id} ({truth.situation}): {reasons}")
        wrong = set(reasons) - truth.expected - truth.allowed
        if truth.expected and wrong:
            quality.wrong_reasons += 1
            if len(quality.examples) < 10:
                quality.examples.append(f"wrong {sorted(wrong)} on {invoice_id} ({truth.situation})")
        if truth.needs_approval and matched is not None and invoice_id in matched:
            quality.non_po_matched += 1
    return quality


# -- the baseline: what peers do -------------------------------------------------------------------------------


def baseline(dataset: Dataset) -> dict[int, tuple[str, ...]]:
    """Per invoice, on its own: an order we do not hold is no_po; nothing received is missing_receipt;
    a net amount above the order's received value (1% tolerance) is an amount mismatch, reported as
    all three codes it might be; and a duplicate is the same supplier with the very same number
    received earlier. Nothing is carried from one invoice to the next."""
    orders = {o.po_id: o for o in dataset.orders}
    received: dict[int, Decimal] = defaultdict(Decimal)
    prices = {(o.po_id, ol.line_no): ol.unit_price for o in dataset.orders for ol in o.lines}
    for r in dataset.receipts:
        received[r.po_id] += r.quantity * prices.get((r.po_id, r.po_line_no), Decimal(0))
    seen: set[tuple[int, str]] = set()
    held: dict[int, tuple[str, ...]] = {}
    for inv in sorted(dataset.invoices, key=lambda i: (i.received_on, i.invoice_id)):
        if inv.standing is Standing.CANCELLED:
            continue
        key = (inv.supplier_id, inv.number)
        reasons: list[str] = []
        if key in seen:
            reasons.append(DUP)
        seen.add(key)
        if inv.standing is not Standing.OPEN:
            continue
        if inv.po_number:
            order = orders.get(inv.po_id) if inv.po_id is not None else None
            if order is None:
                reasons.append(NO_PO)
            elif received[order.po_id] <= 0:
                reasons.append(MR)
            elif inv.net_amount > received[order.po_id] * Decimal("1.01"):
                reasons += [PV, QV, OB]
        if reasons:
            held[inv.invoice_id] = tuple(reasons)
    return held
