"""From the engines' verdicts to what must change in the database, invoice by invoice, in memory.

For every open invoice the Planner says where it should stand (Desired): the transitions it
makes (received/matched/exception to the state its verdict says; matched within tolerance on to
approved where the entity's policy says so), its verdict (with a fingerprint), the holds it should
have (a match exception with the variance at stake, a suspected duplicate with its original, a
blocked supplier, a supplier's bank account not active) and the exceptions it should have open.
Approved invoices get their suppliers' holds. diff() compares that with what is stored (Current)
and says what must change (InvoicePlan); what is already as it should be is left out, so a second
run over unchanged data changes nothing. The write compares again, inside each part's
transaction, with what is stored then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finops.core.money import quantize
from finops.invoicing.models import Invoice
from finops.invoicing.services.holds import ActiveHold, HoldDraft
from finops.invoicing.states import HoldReason, InvoiceState
from reconciliation.engines.ap_model import ApInvoice, plain
from reconciliation.engines.three_way import (
    DUPLICATE,
    MISSING_RECEIPT,
    NO_PO,
    OVER_BILLED,
    PRICE_VARIANCE,
    QUANTITY_VARIANCE,
    Finding,
    InvoiceVerdict,
    LineResult,
    VerdictStatus,
)
from reconciliation.exceptions.services import ExceptionDraft, OpenException
from reconciliation.exceptions.states import ExceptionKind, MatchReason
from reconciliation.matching.three_way.load import Loaded

S = InvoiceState
_INVOICE = Invoice._meta.label
SUPPLIER_HOLDS = (HoldReason.SUPPLIER_BLOCKED, HoldReason.BANK_ACCOUNT)
MATCH_HOLDS = (HoldReason.MATCH_EXCEPTION, HoldReason.DUPLICATE)
ALL_HOLDS = (*MATCH_HOLDS, *SUPPLIER_HOLDS)
AP_KINDS = (ExceptionKind.THREE_WAY_MISMATCH, ExceptionKind.DUPLICATE_INVOICE)
_REASON_LABELS = dict(MatchReason.choices)

# The transitions from each judged state to where a verdict takes the invoice.
_PATHS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    (S.RECEIVED, S.MATCHED): ((S.RECEIVED, S.MATCHED),),
    (S.EXCEPTION, S.MATCHED): ((S.EXCEPTION, S.MATCHED),),
    (S.RECEIVED, S.APPROVED): ((S.RECEIVED, S.MATCHED), (S.MATCHED, S.APPROVED)),
    (S.EXCEPTION, S.APPROVED): ((S.EXCEPTION, S.MATCHED), (S.MATCHED, S.APPROVED)),
    (S.MATCHED, S.APPROVED): ((S.MATCHED, S.APPROVED),),
    (S.RECEIVED, S.EXCEPTION): ((S.RECEIVED, S.EXCEPTION),),
    (S.MATCHED, S.EXCEPTION): ((S.MATCHED, S.EXCEPTION),),
    (S.MATCHED, S.RECEIVED): ((S.MATCHED, S.RECEIVED),),
    (S.EXCEPTION, S.RECEIVED): ((S.EXCEPTION, S.RECEIVED),),
}


def exception_key(kind: str, invoice_id: int) -> str:
    return f"{kind}:{_INVOICE}:{invoice_id}"


@dataclass(frozen=True)
class Desired:
    """Where one invoice should stand after the run: what the engines' verdict (or, for an
    approved invoice, its supplier's status) asks of it."""

    invoice_id: int
    state: str
    updated_at: Any
    """The state and last change of the invoice when it was read: an invoice that moved or changed
    since (a person decided something) is left for the next run."""
    moves: tuple[tuple[str, str], ...] = ()
    verdict: dict[str, Any] | None = None
    holds: Mapping[str, HoldDraft] = field(default_factory=dict)
    managed_holds: tuple[str, ...] = ALL_HOLDS
    exceptions: Mapping[str, ExceptionDraft] = field(default_factory=dict)
    manages_exceptions: bool = True


@dataclass(frozen=True)
class Current:
    """What is stored for the invoices being compared: verdict fingerprints, active holds, open
    exceptions (of the AP kinds, by cause)."""

    fingerprints: Mapping[int, str]
    holds: Mapping[tuple[int, str], ActiveHold]
    exceptions: Mapping[str, OpenException]


@dataclass
class InvoicePlan:
    """What must change for one invoice."""

    invoice_id: int
    state: str
    updated_at: Any
    moves: tuple[tuple[str, str], ...] = ()
    verdict: dict[str, Any] | None = None
    holds_place: list[HoldDraft] = field(default_factory=list)
    holds_update: list[tuple[ActiveHold, HoldDraft]] = field(default_factory=list)
    holds_release: list[ActiveHold] = field(default_factory=list)
    exceptions_open: list[ExceptionDraft] = field(default_factory=list)
    exceptions_refresh: list[tuple[OpenException, ExceptionDraft]] = field(default_factory=list)
    exceptions_resolve: list[OpenException] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(
            self.moves
            or self.verdict is not None
            or self.holds_place
            or self.holds_update
            or self.holds_release
            or self.exceptions_open
            or self.exceptions_refresh
            or self.exceptions_resolve
        )


def diff(desired: Desired, current: Current) -> InvoicePlan:
    """What must change for one invoice to stand where it should, given what is stored."""
    pk = desired.invoice_id
    plan = InvoicePlan(pk, desired.state, desired.updated_at, moves=desired.moves)
    if desired.verdict is not None and current.fingerprints.get(pk) != desired.verdict["fingerprint"]:
        plan.verdict = desired.verdict
    for reason in desired.managed_holds:
        active = current.holds.get((pk, reason))
        draft = desired.holds.get(reason)
        if draft is None and active is not None:
            plan.holds_release.append(active)
        elif draft is not None and active is None:
            plan.holds_place.append(draft)
        elif draft is not None and active is not None and active.differs_from(draft):
            plan.holds_update.append((active, draft))
    if desired.manages_exceptions:
        for kind in AP_KINDS:
            stored = current.exceptions.get(exception_key(kind, pk))
            wanted = desired.exceptions.get(kind)
            if wanted is None and stored is not None:
                plan.exceptions_resolve.append(stored)
            elif wanted is not None and stored is None:
                plan.exceptions_open.append(wanted)
            elif wanted is not None and stored is not None and _differs(stored, wanted):
                plan.exceptions_refresh.append((stored, wanted))
    return plan


def _differs(stored: OpenException, wanted: ExceptionDraft) -> bool:
    return (stored.title, stored.detail, stored.amount, stored.currency) != (
        wanted.title[:200],
        wanted.detail,
        wanted.amount,
        wanted.currency,
    )


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _finding_row(f: Finding) -> list[Any]:
    return [f.code, f.check, f.message, f.line_no, _s(f.expected), _s(f.actual), _s(f.tolerance)]


def _line_row(r: LineResult) -> list[Any]:
    return [
        r.line_no,
        r.po_line_no,
        r.item,
        _s(r.quantity),
        _s(r.unit_price),
        _s(r.ordered),
        _s(r.received),
        _s(r.billed_before),
        _s(r.po_unit_price),
        _s(r.price_variance),
        _s(r.price_tolerance),
        _s(r.quantity_tolerance),
        list(r.reasons),
    ]


def variance_of(verdict: InvoiceVerdict, inv: ApInvoice) -> Decimal:
    """The money at stake in an exception, beyond what its order and receipts bear: per line the
    price difference on what is billed plus the value of the quantity billed beyond what was
    received or ordered (the larger of the two, once) or of the whole line when nothing was
    received or it names no line we hold; for findings on the whole invoice, the largest value
    beyond the order's; the whole net amount when the order is unknown, another supplier's or in
    another currency. Never more than the net amount, never negative."""
    net = max(inv.net_amount, Decimal(0))
    checks = {f.check for f in verdict.findings}
    if checks & {"po_unknown", "supplier", "currency"}:
        return net
    lines = {r.line_no: r for r in verdict.lines}
    price: dict[int, Decimal] = {}
    quantity: dict[int, Decimal] = {}
    header = Decimal(0)
    for f in verdict.findings:
        line = lines.get(f.line_no) if f.line_no is not None else None
        if f.code == DUPLICATE:
            continue
        if line is None:
            if f.actual is not None and f.expected is not None:
                header = max(header, f.actual - f.expected)
            continue
        amount = line.quantity * line.unit_price
        if f.code == PRICE_VARIANCE and line.price_variance is not None:
            price[line.line_no] = abs(line.price_variance) * line.quantity
        elif f.code == NO_PO or (f.code == MISSING_RECEIPT):
            quantity[line.line_no] = max(quantity.get(line.line_no, Decimal(0)), amount)
        elif f.code in (QUANTITY_VARIANCE, OVER_BILLED) and f.actual is not None and f.expected is not None:
            beyond = min(f.actual - f.expected, line.quantity) * line.unit_price
            quantity[line.line_no] = max(quantity.get(line.line_no, Decimal(0)), beyond)
    total = sum(price.values(), Decimal(0)) + sum(quantity.values(), Decimal(0)) + header
    return max(Decimal(0), min(total, net))


def _verdict_values(verdict: InvoiceVerdict, inv: ApInvoice, variance: Decimal | None, currency: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": str(verdict.status),
        "reasons": list(verdict.reasons),
        "explanation": verdict.explanation,
        "findings": [_finding_row(f) for f in verdict.findings],
        "lines": [_line_row(r) for r in verdict.lines],
        "purchase_order_id": verdict.po_id,
        "ordered_value": verdict.ordered_value,
        "received_value": verdict.received_value,
        "billed_before": verdict.billed_value_before,
        "billed_now": verdict.billed_value_now,
        "variance": variance,
        "duplicate_of_id": verdict.duplicate.original_id if verdict.duplicate else None,
        "duplicate_score": verdict.duplicate.score if verdict.duplicate else None,
        "rule_version": verdict.rule_version,
    }
    # repr of plain lists, strings and Decimals is stable and several times cheaper than JSON
    values["fingerprint"] = hashlib.md5(repr(values).encode(), usedforsecurity=False).hexdigest()
    return values


def _lines_named(verdict: InvoiceVerdict) -> str:
    numbers = sorted({f.line_no for f in verdict.findings if f.line_no is not None})
    return ", ".join(f"line {n}" for n in numbers) if numbers else "the whole invoice"


def _reason_text(codes: list[str]) -> str:
    return ", ".join(_REASON_LABELS.get(c, c) for c in codes)


class Planner:
    """The desired standing of every invoice a run considers, from the engines' verdicts."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.by_id = {inv.invoice_id: inv for inv in loaded.invoices}

    def desired(self, verdicts: list[InvoiceVerdict]) -> list[Desired]:
        wanted = [self._judged(v) for v in verdicts]
        judged = {v.invoice_id for v in verdicts}
        for pk, stored in self.loaded.stored.items():
            if pk not in judged and stored.state == S.APPROVED:
                wanted.append(
                    Desired(
                        pk,
                        stored.state,
                        stored.updated_at,
                        holds=self._supplier_holds(pk),
                        managed_holds=SUPPLIER_HOLDS,
                        manages_exceptions=False,
                    )
                )
        return wanted

    def _judged(self, verdict: InvoiceVerdict) -> Desired:
        pk = verdict.invoice_id
        inv = self.by_id[pk]
        stored = self.loaded.stored[pk]
        target = {
            VerdictStatus.MATCHED: S.APPROVED if verdict.auto_approve else S.MATCHED,
            VerdictStatus.EXCEPTION: S.EXCEPTION,
            VerdictStatus.NEEDS_APPROVAL: S.RECEIVED,
        }[verdict.status]
        currency = inv.currency
        non_duplicate = [c for c in verdict.reasons if c != DUPLICATE]
        variance = quantize(variance_of(verdict, inv), currency) if non_duplicate else None
        holds: dict[str, HoldDraft] = {}
        exceptions: dict[str, ExceptionDraft] = {}
        if non_duplicate:
            detail = " ".join(f.message for f in verdict.findings if f.code != DUPLICATE)
            holds[HoldReason.MATCH_EXCEPTION] = HoldDraft(pk, HoldReason.MATCH_EXCEPTION, detail, variance, currency)
            exceptions[ExceptionKind.THREE_WAY_MISMATCH] = self._mismatch(
                verdict, inv, non_duplicate, detail, variance, currency
            )
        if verdict.duplicate is not None:
            dup = verdict.duplicate
            holds[HoldReason.DUPLICATE] = HoldDraft(pk, HoldReason.DUPLICATE, dup.reason, original_id=dup.original_id)
            exceptions[ExceptionKind.DUPLICATE_INVOICE] = self._duplicate(verdict, inv)
        holds.update(self._supplier_holds(pk))
        return Desired(
            pk,
            stored.state,
            stored.updated_at,
            moves=_PATHS.get((stored.state, target), ()),
            verdict=_verdict_values(verdict, inv, variance, currency),
            holds=holds,
            exceptions=exceptions,
        )

    def _supplier_holds(self, pk: int) -> dict[str, HoldDraft]:
        stored = self.loaded.stored[pk]
        wanted: dict[str, HoldDraft] = {}
        supplier = self.loaded.supplier_names.get(stored.supplier_id, f"supplier #{stored.supplier_id}")
        if stored.supplier_id in self.loaded.blocked:
            wanted[HoldReason.SUPPLIER_BLOCKED] = HoldDraft(
                pk, HoldReason.SUPPLIER_BLOCKED, f"{supplier} is blocked in the supplier master data."
            )
        problem = self.loaded.bank_problems.get(stored.supplier_id)
        if problem:
            wanted[HoldReason.BANK_ACCOUNT] = HoldDraft(pk, HoldReason.BANK_ACCOUNT, f"{supplier}: {problem}.")
        return wanted

    # -- what the exceptions say ---------------------------------------------------------------

    def _order_text(self, verdict: InvoiceVerdict, inv: ApInvoice) -> str:
        if verdict.po_id is not None:
            return f"PO {self.loaded.order_numbers.get(verdict.po_id, verdict.po_id)}"
        return f"PO {inv.po_number} (unknown)" if inv.po_number else "no PO"

    def _mismatch(
        self,
        verdict: InvoiceVerdict,
        inv: ApInvoice,
        codes: list[str],
        explanation: str,
        variance: Decimal | None,
        currency: str,
    ) -> ExceptionDraft:
        order = self._order_text(verdict, inv)
        return ExceptionDraft(
            kind=ExceptionKind.THREE_WAY_MISMATCH,
            title=f"{_reason_text(codes)}: invoice {inv.number} from {inv.supplier_name}, {order}",
            dedupe_key=exception_key(ExceptionKind.THREE_WAY_MISMATCH, inv.invoice_id),
            detail={
                "invoice": inv.number,
                "invoice_id": inv.invoice_id,
                "supplier": inv.supplier_name,
                "purchase_order": order,
                "reasons": codes,
                "findings": explanation,
                "lines": _lines_named(verdict),
                "variance": f"{plain(variance)} {currency}" if variance is not None else "",
                "rules": verdict.rule_version,
            },
            amount=variance,
            currency=currency,
            object_type=_INVOICE,
            object_id=str(inv.invoice_id),
        )

    def _duplicate(self, verdict: InvoiceVerdict, inv: ApInvoice) -> ExceptionDraft:
        dup = verdict.duplicate
        assert dup is not None
        original = self.by_id.get(dup.original_id)
        original_number = original.number if original else f"#{dup.original_id}"
        return ExceptionDraft(
            kind=ExceptionKind.DUPLICATE_INVOICE,
            title=f"Possible duplicate: invoice {inv.number} from {inv.supplier_name} may repeat {original_number}",
            dedupe_key=exception_key(ExceptionKind.DUPLICATE_INVOICE, inv.invoice_id),
            detail={
                "invoice": inv.number,
                "invoice_id": inv.invoice_id,
                "supplier": inv.supplier_name,
                "original": original_number,
                "original_invoice_id": dup.original_id,
                "reasons": [DUPLICATE],
                "rules": ", ".join(dup.rules),
                "score": dup.score,
                "why": dup.reason,
            },
            amount=inv.amount,
            currency=inv.currency,
            object_type=_INVOICE,
            object_id=str(inv.invoice_id),
        )
