"""The plain records the AP invoice engines read, and the policy they apply.

No Django here: a service loads purchase orders, receipt lines and supplier invoices set-based,
turns each row into one of these frozen dataclasses, and hands them to
`duplicates.find_duplicates` and `three_way.three_way_match`. Amounts and quantities are Decimal,
never float; currencies are ISO 4217 codes; a record is named by its database id.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ENGINE_VERSION = "ap-match/1"


class Standing(StrEnum):
    """Where an invoice stands, as far as matching is concerned."""

    OPEN = "open"
    """Still to be judged: received, matched, or an exception nobody has accepted yet. Open
    invoices get a verdict; matched ones are judged again on every run."""
    COMMITTED = "committed"
    """Accepted for payment: approved, proposed, paid or reconciled, or an exception a person
    accepted. Its quantities are billed whatever it looks like; it gets no verdict of its own."""
    CANCELLED = "cancelled"
    """Cancelled or rejected: it bills nothing, is never the original of a duplicate, and gets no
    verdict."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    item: str = ""


@dataclass(frozen=True, slots=True)
class Order:
    """A purchase order and its lines. Net prices in the order's currency."""

    po_id: int
    number: str
    supplier_id: int
    currency: str
    lines: tuple[OrderLine, ...]
    supplier_name: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """A quantity of one order line received (a goods receipt line). A line received in several
    deliveries has several of these."""

    po_id: int
    po_line_no: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class ApInvoiceLine:
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    po_line_no: int | None = None
    """The line of the invoice's purchase order this line bills, as the invoice quotes it (None
    when it quotes none). It may name a line the order does not have."""
    description: str = ""

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class ApInvoice:
    """A supplier invoice. `amount` is what would be paid (gross); `amount - tax_amount` is net,
    the figure an order's net prices are compared with when the invoice has no lines."""

    invoice_id: int
    supplier_id: int
    number: str
    currency: str
    amount: Decimal
    issue_on: dt.date
    received_on: dt.date
    """The day we received it (its record's creation day)."""
    tax_amount: Decimal = Decimal(0)
    po_number: str = ""
    """The purchase order number as the invoice quotes it; "" for an invoice without an order."""
    po_id: int | None = None
    """The order `po_number` resolves to; None when we hold no order of that number."""
    lines: tuple[ApInvoiceLine, ...] = ()
    standing: Standing = Standing.OPEN
    is_credit_note: bool = False
    supplier_name: str = ""
    not_duplicate_of: frozenset[int] = frozenset()
    """Invoices a person has already ruled this one is not a duplicate of (a released hold)."""

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.tax_amount

    @property
    def arrival_key(self) -> tuple[dt.date, int]:
        """Which of two invoices reached us first: the received day, then the id (ids rise in the
        order records are stored, so within one day's import the earlier row)."""
        return (self.received_on, self.invoice_id)

    @property
    def billing_key(self) -> tuple[dt.date, dt.date, int]:
        """Which of two invoices on one order billed first: the received day, then the supplier's
        issue day, then the id. A later arrival never bills before an earlier one; among the
        invoices that arrived the same day (an import), the supplier's own dates decide."""
        return (self.received_on, self.issue_on, self.invoice_id)


@dataclass(frozen=True, slots=True)
class ApPolicy:
    """An entity's tolerances for matching supplier invoices. The defaults are the product's.

    - A unit price is within tolerance when it differs from the order's by at most
      `price_tolerance_pct` percent of the order's price (exactly 1% is within); when
      `price_tolerance_amount` is set, the line's whole price difference (difference a unit times
      the quantity billed) must also stay within that amount, so a large line cannot hide a large
      sum inside its percentage.
    - The quantities billed on an order line by all invoices together may exceed what was
      received (and what was ordered) by `quantity_tolerance_pct` percent of it; 0 means not at
      all.
    - Two invoices of a supplier with the same amount are suspected duplicates when their issue
      dates are at most `duplicate_window_days` apart.
    - `auto_approve_matched`: whether an invoice matched within tolerance is approved without a
      person.
    """

    price_tolerance_pct: Decimal = Decimal(1)
    price_tolerance_amount: Decimal | None = None
    quantity_tolerance_pct: Decimal = Decimal(0)
    duplicate_window_days: int = 7
    auto_approve_matched: bool = False

    def __post_init__(self) -> None:
        if self.price_tolerance_pct < 0 or self.quantity_tolerance_pct < 0:
            raise ValueError("Tolerances cannot be negative.")
        if self.price_tolerance_amount is not None and self.price_tolerance_amount < 0:
            raise ValueError("The price tolerance amount cannot be negative.")
        if self.duplicate_window_days < 0:
            raise ValueError("The duplicate date window cannot be negative.")

    @property
    def rule_version(self) -> str:
        """The engine's version and every figure of this policy: a verdict that records it says
        which rules and tolerances it was reached under."""
        cap = "none" if self.price_tolerance_amount is None else plain(self.price_tolerance_amount)
        return (
            f"{ENGINE_VERSION} price {plain(self.price_tolerance_pct)}% cap {cap}"
            f" qty {plain(self.quantity_tolerance_pct)}% window {self.duplicate_window_days}d"
            f" auto {'on' if self.auto_approve_matched else 'off'}"
        )


DEFAULT_POLICY = ApPolicy()


def plain(value: Decimal) -> str:
    """A quantity or percentage as a person writes it: no exponent, no trailing zeros, thousands
    grouped (1250.5000 -> "1,250.5", 1.00 -> "1")."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal, currency: str = "") -> str:
    """An amount with at least two decimals and no more than it carries: 1190 -> "1,190.00",
    0.3333 -> "0.3333"; prefixed with its currency when given."""
    two = value.quantize(_CENT)
    text = f"{two:,f}" if two == value else plain(value)
    return f"{currency} {text}" if currency else text


_CENT = Decimal("0.01")


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an engine builds its answer.

    The engines make a few hundred thousand small objects and no reference cycles, so reference
    counting frees all of them; but every collection the collector starts meanwhile walks the whole
    heap, a whole entity's invoices included, which cost a third of the engines' time at 100,000
    invoices. The collector is switched back on when the engine returns or raises (if it was on).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
