"""3-way match: supplier invoice lines against purchase-order lines against goods received.

`three_way_match` judges every open invoice in one pass over plain records (`ap_model`): orders
and receipts are indexed once, invoices grouped by order, and the invoices of one order judged
together in a stable order, so that what earlier invoices billed is carried forward. A verdict
per invoice says matched, exception (with reason codes, a sentence per finding and the figures)
or needs approval (an invoice without an order); a result per line gives the side-by-side figures
(ordered, received, billed before, billed now, prices, variance, tolerance).

Reason codes:

- `price_variance`: a unit price differs from the order's by more than the tolerance (exactly the
  tolerance is within), or the invoice is in another currency than its order (check `currency`).
- `quantity_variance`: all invoices together bill more of an order line than was received
  (beyond the quantity tolerance). Billing part of a receipt is fine.
- `missing_receipt`: a line bills something of an order line of which nothing was received.
- `no_po`: the invoice quotes an order we do not hold, or an order that belongs to another supplier
  (check `supplier`), or a line points at an order line that does not exist or at none at all on
  an invoice with an order.
- `over_billed`: all invoices together bill more of an order line than was ordered.
- `duplicate`: `duplicates.find_duplicates` suspects the invoice repeats an earlier one. The
  cumulative checks (quantity_variance, over_billed) are not reported for a suspected duplicate:
  they would only restate that its original already billed the goods; once a person releases the
  hold the next run judges it in full. One suspicion is weighed here rather than taken as given:
  two invoices of the same amount on the same order, with nothing else in common, are what split
  billing in equal parts looks like, so that suspicion stands only when the goods received do not
  cover both (the later one finds a quantity variance, a missing receipt or over-billing). The
  verdict's `duplicate` is the suspicion that stands.

What "billed before" means. The invoices of one order are taken in this order: first every
committed invoice (approved, paid, or accepted by a person: what it bills is billed, whatever it
looks like), then the open ones in the order they billed (`ApInvoice.billing_key`: received day,
issue day, id; a suspected copy after its original), so an invoice that arrives later cannot push
out one that arrived before it. An open invoice then
bills, for the invoices after it, every line whose own quantity checks passed, even when the
invoice is held for another reason (a price variance, an unknown line): its quantities are not in
dispute, and two held invoices must not both find the goods unbilled. A line that itself bills
more than was received or ordered bills nothing for the others (its quantity is what is in
dispute), nor does a suspected duplicate, an invoice on another supplier's order, or a cancelled
invoice (which the engine never sees as billing).

Invoices without lines, or whose lines name no order line, are matched on their header: the net
amount (amount - tax) against the value received at order prices less what earlier invoices on
the order billed (`quantity_variance` above it, `missing_receipt` when nothing was received,
`over_billed` above the ordered value), with the price tolerance (percentage, capped by the amount
tolerance when set) plus the quantity tolerance of that value. Once header-only invoices have billed
an order, the line invoices after them are checked against the order's values the same way too,
since those header amounts cannot be placed on a line.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from reconciliation.engines.ap_model import (
    DEFAULT_POLICY,
    ApInvoice,
    ApInvoiceLine,
    ApPolicy,
    Order,
    OrderLine,
    ReceiptLine,
    Standing,
    cyclic_gc_paused,
    money,
    plain,
)
from reconciliation.engines.duplicates import SAME_AMOUNT, DuplicateSuspicion

PRICE_VARIANCE = "price_variance"
QUANTITY_VARIANCE = "quantity_variance"
MISSING_RECEIPT = "missing_receipt"
NO_PO = "no_po"
OVER_BILLED = "over_billed"
DUPLICATE = "duplicate"
REASON_CODES = (PRICE_VARIANCE, QUANTITY_VARIANCE, MISSING_RECEIPT, NO_PO, OVER_BILLED, DUPLICATE)
_CUMULATIVE_CODES = frozenset({QUANTITY_VARIANCE, OVER_BILLED})
_QUANTITY_CODES = frozenset({QUANTITY_VARIANCE, OVER_BILLED, MISSING_RECEIPT})

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_PCT = Decimal("0.01")


class VerdictStatus(StrEnum):
    MATCHED = "matched"
    EXCEPTION = "exception"
    NEEDS_APPROVAL = "needs_approval"
    """An invoice without a purchase order: nothing to match it with, so a person approves it."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that does not agree, in a sentence and in figures.

    `check` names the comparison more finely than `code`: po_unknown, supplier, currency,
    po_line_unknown, po_line_missing, po_line_without_po, unit_price, receipt, received_quantity,
    ordered_quantity, received_value, ordered_value, duplicate. `expected`, `actual` and
    `tolerance` are the figures compared, where there are figures: a unit price and the order's,
    the quantity billed in all and the quantity received, and so on.
    """

    code: str
    check: str
    message: str
    line_no: int | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    tolerance: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineResult:
    """An invoice line beside the order line it bills: what the invoice page shows side by side.

    The order's figures are None when the line names no order line we hold. `billed_before` is
    what invoices before this one (and earlier lines of this one) billed of the order line;
    `price_tolerance` the difference a unit allowed, `quantity_tolerance` the quantity allowed
    beyond what was received."""

    line_no: int
    po_line_no: int | None
    item: str
    quantity: Decimal
    unit_price: Decimal
    ordered: Decimal | None
    received: Decimal | None
    billed_before: Decimal | None
    po_unit_price: Decimal | None
    price_variance: Decimal | None
    price_tolerance: Decimal | None
    quantity_tolerance: Decimal | None
    reasons: tuple[str, ...]

    @property
    def is_matched(self) -> bool:
        return not self.reasons

    @property
    def price_variance_pct(self) -> Decimal | None:
        """The unit price's difference as a percentage of the order's price, to two places."""
        if self.price_variance is None or not self.po_unit_price:
            return None
        return (self.price_variance * _HUNDRED / self.po_unit_price).quantize(_PCT)


@dataclass(frozen=True, slots=True)
class InvoiceVerdict:
    """The decision on one open invoice. The values are the order's, at order prices (net), for an
    invoice with an order we hold: ordered, received, billed by invoices before this one, billed
    by this one."""

    invoice_id: int
    status: VerdictStatus
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    lines: tuple[LineResult, ...]
    po_id: int | None
    ordered_value: Decimal | None
    received_value: Decimal | None
    billed_value_before: Decimal | None
    billed_value_now: Decimal | None
    duplicate: DuplicateSuspicion | None
    auto_approve: bool
    rule_version: str

    @property
    def explanation(self) -> str:
        """The verdict in words: every finding's sentence, or why there is none."""
        if self.findings:
            return " ".join(f.message for f in self.findings)
        if self.status is VerdictStatus.NEEDS_APPROVAL:
            return "The invoice quotes no purchase order: a person approves it."
        return "Every line agrees with its order and receipts within tolerance."


def three_way_match(
    invoices: Iterable[ApInvoice],
    orders: Iterable[Order],
    receipts: Iterable[ReceiptLine],
    *,
    policy: ApPolicy = DEFAULT_POLICY,
    duplicates: Mapping[int, DuplicateSuspicion] | None = None,
) -> list[InvoiceVerdict]:
    """A verdict for every open invoice of `invoices`, sorted by invoice id.

    `invoices` are the open invoices together with every committed invoice on the same orders (they
    count as billed); cancelled ones may be passed and are ignored. `orders` and `receipts` cover
    at least the orders the invoices quote. `duplicates` is `find_duplicates`' answer for the same
    invoices. The verdicts do not depend on the order of any input.
    """
    with cyclic_gc_paused():
        return _match(invoices, _Matcher(orders, receipts, policy, duplicates or {}))


def _match(invoices: Iterable[ApInvoice], matcher: _Matcher) -> list[InvoiceVerdict]:
    by_order: dict[int, list[ApInvoice]] = defaultdict(list)
    verdicts: list[InvoiceVerdict] = []
    for inv in invoices:
        if inv.invoice_id in matcher.po_of:
            raise ValueError(f"Invoice id {inv.invoice_id} is given twice.")
        matcher.po_of[inv.invoice_id] = inv.po_id
        if inv.standing is Standing.CANCELLED:
            continue
        if inv.po_id is not None and inv.po_id in matcher.orders:
            by_order[inv.po_id].append(inv)
        elif inv.standing is Standing.OPEN:
            verdicts.append(matcher.judge_without_order(inv))
    for po_id, group in by_order.items():
        state = _OrderState(matcher.orders[po_id], matcher.received.get(po_id, {}))
        for inv in group:
            if inv.standing is Standing.COMMITTED:
                state.bill_committed(inv)
        open_ones = [i for i in group if i.standing is Standing.OPEN]
        if len(open_ones) > 1:
            open_ones.sort(key=matcher.order_of_judging(group))
        for inv in open_ones:
            verdicts.append(matcher.judge(inv, state))
    verdicts.sort(key=_invoice_id)
    return verdicts


class _OrderState:
    """An order while its invoices are judged: its lines, what was received, what is billed."""

    __slots__ = (
        "billed",
        "billed_value",
        "header_billed_value",
        "lines",
        "order",
        "ordered_value",
        "received",
        "received_value",
    )

    def __init__(self, order: Order, received: dict[int, Decimal]) -> None:
        self.order = order
        self.received = received
        self.lines = {line.line_no: line for line in order.lines}
        self.billed: dict[int, Decimal] = {}
        self.billed_value = _ZERO
        self.header_billed_value = _ZERO  # billed by invoices that name no order line
        ordered_value = received_value = _ZERO
        for line in order.lines:
            ordered_value += line.quantity * line.unit_price
            if line.line_no in received:
                received_value += received[line.line_no] * line.unit_price
        self.ordered_value = ordered_value
        self.received_value = received_value

    def bill_committed(self, inv: ApInvoice) -> None:
        if not any(line.po_line_no is not None for line in inv.lines):
            self.billed_value += inv.net_amount
            self.header_billed_value += inv.net_amount
            return
        for line in inv.lines:
            if line.po_line_no in self.lines:
                self.billed[line.po_line_no] = self.billed.get(line.po_line_no, _ZERO) + line.quantity
                self.billed_value += line.quantity * line.unit_price


class _Matcher:
    def __init__(
        self,
        orders: Iterable[Order],
        receipts: Iterable[ReceiptLine],
        policy: ApPolicy,
        duplicates: Mapping[int, DuplicateSuspicion],
    ) -> None:
        self.orders: dict[int, Order] = {}
        for order in orders:
            if order.po_id in self.orders:
                raise ValueError(f"Purchase order id {order.po_id} is given twice.")
            self.orders[order.po_id] = order
        self.received: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for receipt in receipts:
            lines = self.received[receipt.po_id]
            lines[receipt.po_line_no] = lines.get(receipt.po_line_no, _ZERO) + receipt.quantity
        self.policy = policy
        self.duplicates = duplicates
        self.po_of: dict[int, int | None] = {}  # every invoice's order, for the duplicates' originals
        self.price_share = policy.price_tolerance_pct / _HUNDRED
        self.quantity_share = policy.quantity_tolerance_pct / _HUNDRED
        self.price_cap = policy.price_tolerance_amount
        self.rule_version = policy.rule_version
        self.tolerance_text = f"{plain(policy.price_tolerance_pct)}%"
        if self.price_cap is not None:
            self.tolerance_text += f", at most {money(self.price_cap)} a line"

    def order_of_judging(
        self, group: list[ApInvoice]
    ) -> Callable[[ApInvoice], tuple[tuple[dt.date, dt.date, int], bool]]:
        """The order the open invoices of one order are judged in: by `billing_key`, except that a
        suspected copy comes after its original (which the duplicates found by arrival)."""
        keys = {inv.invoice_id: inv.billing_key for inv in group}

        def key(inv: ApInvoice) -> tuple[tuple[dt.date, dt.date, int], bool]:
            own = keys[inv.invoice_id]
            suspicion = self.duplicates.get(inv.invoice_id)
            if suspicion is None or suspicion.original_id not in keys:
                return (own, False)
            return (max(own, keys[suspicion.original_id]), True)

        return key

    # -- invoices without an order we hold ------------------------------------------------------

    def judge_without_order(self, inv: ApInvoice) -> InvoiceVerdict:
        """An invoice that quotes no order (2-way: a person approves it) or one we do not hold."""
        findings: list[Finding] = []
        quoted = inv.po_number or (f"#{inv.po_id}" if inv.po_id is not None else "")
        if quoted:
            text = f"Invoice {inv.number} quotes purchase order {quoted}, which we do not hold."
            findings.append(Finding(NO_PO, "po_unknown", text))
        else:
            findings.extend(
                Finding(
                    NO_PO,
                    "po_line_without_po",
                    f"Line {line.line_no} points at line {line.po_line_no} of a purchase order, "
                    "but the invoice quotes no order.",
                    line_no=line.line_no,
                )
                for line in inv.lines
                if line.po_line_no is not None
            )
        lines = tuple(_unplaced(line, line.po_line_no, (NO_PO,) if findings else ()) for line in inv.lines)
        return self._verdict(inv, findings, lines, None, self.duplicates.get(inv.invoice_id))

    # -- invoices on an order -------------------------------------------------------------------

    def judge(self, inv: ApInvoice, state: _OrderState) -> InvoiceVerdict:
        order = state.order
        suspicion = self.duplicates.get(inv.invoice_id)
        # Two invoices of one amount on one order may be split billing: the receipts decide below.
        provisional = (
            suspicion is not None
            and suspicion.rules == (SAME_AMOUNT,)
            and self.po_of.get(suspicion.original_id) == order.po_id
        )
        duplicate = suspicion is not None and not provisional
        findings: list[Finding] = []
        own_supplier = inv.supplier_id == order.supplier_id
        same_currency = inv.currency == order.currency
        if not own_supplier:
            findings.append(
                Finding(
                    NO_PO,
                    "supplier",
                    f"Purchase order {order.number} belongs to {_supplier(order.supplier_name, order.supplier_id)}, "
                    f"not to {_supplier(inv.supplier_name, inv.supplier_id)} who sent invoice {inv.number}.",
                )
            )
        if not same_currency:
            findings.append(
                Finding(
                    PRICE_VARIANCE,
                    "currency",
                    f"Invoice {inv.number} is in {inv.currency} but purchase order {order.number} is in "
                    f"{order.currency}: its prices cannot agree with the order's.",
                )
            )
        billed_value_before = state.billed_value
        billed_lines: dict[int, tuple[Decimal, Decimal]] = {}
        header_only = all(line.po_line_no is None for line in inv.lines)
        if not header_only:
            lines, value_now, billed_lines = self._judge_lines(inv, state, findings, cumulative=not duplicate)
            bills = True
            if state.header_billed_value and not duplicate and same_currency:
                bills = self._judge_value(inv, state, value_now, findings, header_only=False)
        else:
            lines = tuple(_unplaced(line, None, ()) for line in inv.lines)
            value_now = inv.net_amount
            bills = self._judge_header(inv, state, findings, duplicate, same_currency)
        if provisional:
            covered = bills and own_supplier and (header_only or bool(billed_lines))
            if covered and not any(f.code in _QUANTITY_CODES for f in findings):
                suspicion = None  # the goods received cover both: split billing
            else:
                # not covered, or nothing to check it against: the suspicion stands, and says it better
                duplicate = True
                findings = [f for f in findings if f.code not in _CUMULATIVE_CODES]
                lines = tuple(_without_cumulative(line) for line in lines)
        if bills and own_supplier and not duplicate:
            if header_only:
                state.billed_value += value_now
                state.header_billed_value += value_now
            for ln, (quantity, value) in billed_lines.items():
                state.billed[ln] = state.billed.get(ln, _ZERO) + quantity
                state.billed_value += value
        return self._verdict(
            inv,
            findings,
            lines,
            state,
            suspicion,
            billed_value_before=billed_value_before,
            billed_value_now=value_now,
        )

    def _judge_lines(
        self, inv: ApInvoice, state: _OrderState, findings: list[Finding], *, cumulative: bool
    ) -> tuple[tuple[LineResult, ...], Decimal, dict[int, tuple[Decimal, Decimal]]]:
        """Each line against its order line. Returns the line results, the value billed now, and
        the quantity and value each order line bills for the invoices after this one (the lines
        whose quantity checks passed). `cumulative` off leaves out the checks of what all invoices
        bill together (for a suspected duplicate)."""
        order = state.order
        same_currency = inv.currency == order.currency
        billed_lines: dict[int, tuple[Decimal, Decimal]] = {}
        results: list[LineResult] = []
        value_now = _ZERO
        for line in sorted(inv.lines, key=_line_no) if len(inv.lines) > 1 else inv.lines:
            quantity, price, no = line.quantity, line.unit_price, line.line_no
            value_now += quantity * price
            po_line = state.lines.get(line.po_line_no) if line.po_line_no is not None else None
            if po_line is None:
                if line.po_line_no is None:
                    check, text = "po_line_missing", f"Line {no} names no line of purchase order {order.number}."
                else:
                    check = "po_line_unknown"
                    text = (
                        f"Line {no} points at line {line.po_line_no} of purchase order {order.number}, which has "
                        f"no such line (it has {_line_numbers(state)})."
                    )
                findings.append(Finding(NO_PO, check, text, line_no=no))
                results.append(_unplaced(line, line.po_line_no, (NO_PO,)))
                continue
            reasons: list[str] = []
            po_price = po_line.unit_price
            variance = allowed = None
            if same_currency:
                variance = price - po_price
                allowed = po_price * self.price_share
                over_cap = self.price_cap is not None and abs(variance * quantity) > self.price_cap
                if quantity and (abs(variance) > allowed or over_cap):
                    reasons.append(PRICE_VARIANCE)
                    findings.append(
                        self._price_finding(_label(line, po_line), no, price, po_price, variance, quantity, allowed)
                    )
            ln = po_line.line_no
            received = state.received.get(ln, _ZERO)
            earlier = billed_lines.get(ln)
            before = state.billed.get(ln, _ZERO) + (earlier[0] if earlier else _ZERO)
            total = before + quantity
            ordered = po_line.quantity
            quantity_allowance = received * self.quantity_share
            line_bills = True
            if quantity > 0:
                if received <= 0:
                    line_bills = False
                    reasons.append(MISSING_RECEIPT)
                    findings.append(
                        Finding(
                            MISSING_RECEIPT,
                            "receipt",
                            f"{_label(line, po_line)}: bills {plain(quantity)} but nothing has been received of it.",
                            line_no=no,
                            expected=received,
                            actual=quantity,
                        )
                    )
                elif cumulative and total > received + quantity_allowance:
                    line_bills = False
                    reasons.append(QUANTITY_VARIANCE)
                    findings.append(
                        Finding(
                            QUANTITY_VARIANCE,
                            "received_quantity",
                            f"{_label(line, po_line)}: bills {_billed(quantity, before)}, but {plain(received)} "
                            f"{_were(received)} received{self._quantity_tolerance_text(quantity_allowance)}.",
                            line_no=no,
                            expected=received,
                            actual=total,
                            tolerance=quantity_allowance,
                        )
                    )
                ordered_allowance = ordered * self.quantity_share
                if cumulative and total > ordered + ordered_allowance:
                    line_bills = False
                    reasons.append(OVER_BILLED)
                    findings.append(
                        Finding(
                            OVER_BILLED,
                            "ordered_quantity",
                            f"{_label(line, po_line)}: the invoices on purchase order {order.number} bill "
                            f"{_billed(quantity, before)}, but {plain(ordered)} {_were(ordered)} ordered"
                            f"{self._quantity_tolerance_text(ordered_allowance)}.",
                            line_no=no,
                            expected=ordered,
                            actual=total,
                            tolerance=ordered_allowance,
                        )
                    )
            if line_bills:
                so_far = earlier or (_ZERO, _ZERO)
                billed_lines[ln] = (so_far[0] + quantity, so_far[1] + quantity * price)
            results.append(
                LineResult(
                    no,
                    ln,
                    po_line.item or line.description,
                    quantity,
                    price,
                    ordered,
                    received,
                    before,
                    po_price,
                    variance,
                    allowed,
                    quantity_allowance,
                    tuple(reasons),
                )
            )
        return tuple(results), value_now, billed_lines

    def _price_finding(
        self,
        label: str,
        no: int,
        price: Decimal,
        po_price: Decimal,
        variance: Decimal,
        quantity: Decimal,
        allowed: Decimal,
    ) -> Finding:
        if po_price:
            share = f"{plain((abs(variance) * _HUNDRED / po_price).quantize(_PCT))}% "
            share += "above it" if variance > 0 else "below it"
        else:
            share = "an item the order has free of charge"
        line_text = f", {money(abs(variance * quantity))} on the line" if self.price_cap is not None else ""
        return Finding(
            PRICE_VARIANCE,
            "unit_price",
            f"{label}: unit price {money(price)} against {money(po_price)} on the order, {share}{line_text}; "
            f"the tolerance is {self.tolerance_text} ({money(allowed)} a unit).",
            line_no=no,
            expected=po_price,
            actual=price,
            tolerance=allowed,
        )

    def _quantity_tolerance_text(self, allowance: Decimal) -> str:
        if not self.quantity_share:
            return " (no quantity tolerance)"
        return f" (tolerance {plain(self.policy.quantity_tolerance_pct)}%, {plain(allowance)} more)"

    def _judge_header(
        self, inv: ApInvoice, state: _OrderState, findings: list[Finding], duplicate: bool, same_currency: bool
    ) -> bool:
        """An invoice that names no order line: its net amount against the order's values."""
        net = inv.net_amount
        if net <= 0:
            return True
        if state.received_value <= 0:
            findings.append(
                Finding(
                    MISSING_RECEIPT,
                    "receipt",
                    f"Invoice {inv.number} bills {money(net, inv.currency)} net on purchase order "
                    f"{state.order.number}, but nothing has been received on the order.",
                    expected=_ZERO,
                    actual=net,
                )
            )
            return False
        if duplicate or not same_currency:
            return False
        return self._judge_value(inv, state, net, findings, header_only=True)

    def _judge_value(
        self, inv: ApInvoice, state: _OrderState, value_now: Decimal, findings: list[Finding], *, header_only: bool
    ) -> bool:
        """What the order's invoices bill in all, in value, against what was received and ordered."""
        before = state.billed_value
        total = before + value_now
        currency = state.order.currency
        codes = {f.code for f in findings}
        bills = True
        for code, check, limit, what in (
            (QUANTITY_VARIANCE, "received_value", state.received_value, "the goods received are worth"),
            (OVER_BILLED, "ordered_value", state.ordered_value, "the order is worth"),
        ):
            allowance = self._value_allowance(limit)
            if value_now > 0 and total > limit + allowance:
                bills = False
                if code in codes:
                    continue
                text = f"Invoice {inv.number} bills {money(value_now, currency)} net on purchase order "
                text += state.order.number if header_only else f"{state.order.number} (billed in part without lines)"
                if before:
                    text += f", {money(total, currency)} in all with the {money(before, currency)} billed before"
                findings.append(
                    Finding(
                        code,
                        check,
                        f"{text}, but {what} {money(limit, currency)} at order prices; the tolerance is "
                        f"{self._value_tolerance_text()} ({money(allowance, currency)}).",
                        expected=limit,
                        actual=total,
                        tolerance=allowance,
                    )
                )
        return bills

    def _value_allowance(self, value: Decimal) -> Decimal:
        price_part = value * self.price_share
        if self.price_cap is not None:
            price_part = min(price_part, self.price_cap)
        return price_part + value * self.quantity_share

    def _value_tolerance_text(self) -> str:
        text = self.tolerance_text
        if self.quantity_share:
            text += f" plus {plain(self.policy.quantity_tolerance_pct)}% for quantities"
        return text

    # -- the verdict ----------------------------------------------------------------------------

    def _verdict(
        self,
        inv: ApInvoice,
        findings: list[Finding],
        lines: tuple[LineResult, ...],
        state: _OrderState | None,
        suspicion: DuplicateSuspicion | None,
        *,
        billed_value_before: Decimal | None = None,
        billed_value_now: Decimal | None = None,
    ) -> InvoiceVerdict:
        if suspicion is not None:
            findings.append(Finding(DUPLICATE, "duplicate", suspicion.reason))
        if findings:
            status = VerdictStatus.EXCEPTION
        else:
            status = VerdictStatus.MATCHED if state is not None else VerdictStatus.NEEDS_APPROVAL
        codes = {f.code for f in findings}
        return InvoiceVerdict(
            invoice_id=inv.invoice_id,
            status=status,
            reasons=tuple(code for code in REASON_CODES if code in codes),
            findings=tuple(findings),
            lines=lines,
            po_id=state.order.po_id if state else None,
            ordered_value=state.ordered_value if state else None,
            received_value=state.received_value if state else None,
            billed_value_before=billed_value_before,
            billed_value_now=billed_value_now,
            duplicate=suspicion,
            auto_approve=status is VerdictStatus.MATCHED and self.policy.auto_approve_matched,
            rule_version=self.rule_version,
        )


def _without_cumulative(line: LineResult) -> LineResult:
    if not any(reason in _CUMULATIVE_CODES for reason in line.reasons):
        return line
    return replace(line, reasons=tuple(r for r in line.reasons if r not in _CUMULATIVE_CODES))


def _unplaced(line: ApInvoiceLine, po_line_no: int | None, reasons: tuple[str, ...]) -> LineResult:
    """A line without an order line of ours beside it: only the invoice's own figures."""
    return LineResult(
        line_no=line.line_no,
        po_line_no=po_line_no,
        item=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        ordered=None,
        received=None,
        billed_before=None,
        po_unit_price=None,
        price_variance=None,
        price_tolerance=None,
        quantity_tolerance=None,
        reasons=reasons,
    )


_line_no = attrgetter("line_no")
_invoice_id = attrgetter("invoice_id")


def _supplier(name: str, supplier_id: int) -> str:
    return name or f"supplier #{supplier_id}"


def _label(line: ApInvoiceLine, po_line: OrderLine) -> str:
    return f"Line {line.line_no} ({po_line.item or line.description or 'no description'}, order line {po_line.line_no})"


def _billed(now: Decimal, before: Decimal) -> str:
    if not before:
        return plain(now)
    return f"{plain(now)} now and {plain(before)} before, {plain(now + before)} in all"


def _were(quantity: Decimal) -> str:
    return "was" if quantity == 1 else "were"


def _line_numbers(state: _OrderState) -> str:
    numbers = sorted(state.lines)
    if not numbers:
        return "no lines"
    if len(numbers) > 6:
        return f"lines {numbers[0]} to {numbers[-1]}"
    return "line " + str(numbers[0]) if len(numbers) == 1 else "lines " + ", ".join(map(str, numbers))
