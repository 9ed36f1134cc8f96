"""Invoices as systems of record send them (ERP, billing, a CSV import): create or update by source +
external id. The one write path of invoices: connectors call invoice_upsert for each record, the
CSV import invoices_upsert for a whole file, set-based.

Amounts are Decimal; a state change goes through the one transition function. An AP invoice
that is already approved here does not take new amounts from the source silently: that is
refused (invoice_refusal, which the import also asks before it writes anything, to name the
line) and lands in the exception queue through the caller. A new AR invoice is announced
(invoice-issued); an open amount the source lowered is announced as cash applied. The
counterparty of an invoice does business with its entity from then on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record, audit_records
from finops.core.money import quantize
from finops.core.workflow import allowed_targets, transition
from finops.invoicing.events import cash_applied_announce, invoices_issued_publish
from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import Counterparty, LegalEntity
from finops.masterdata.services import entity_links_add
from finops.payables.models import PurchaseOrder, PurchaseOrderLine

# AP states in which the source may still change what the invoice asks us to pay
AP_EDITABLE_STATES = (InvoiceState.RECEIVED, InvoiceState.EXCEPTION, InvoiceState.MATCHED)
_PAY_FIELDS = ("counterparty_id", "currency", "amount")


@dataclass(frozen=True)
class InvoiceData:
    """An invoice as a source sends it. `version` is the source's version number of the record
    (None for a source that numbers none, e.g. a CSV file: then the content decides); `report`
    names this report of the invoice, for the cash-applied it may announce (default: the version)."""

    source: str
    external_id: str
    version: int | None
    entity: LegalEntity
    counterparty: Counterparty
    direction: str
    number: str
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_on: dt.date
    due_on: dt.date
    purchase_order: PurchaseOrder | None = None
    report: str = ""
    po_number: str = ""
    """The purchase order number as the invoice quotes it; `purchase_order` is the order of ours it
    names, when we hold it (else the invoice is kept with its number and the 3-way match holds it
    as no_po until the order arrives)."""

    @property
    def occurrence(self) -> str:
        return self.report or f"{self.source}:v{self.version}"

    def check(self) -> None:
        problems: dict[str, str] = {}
        if self.direction not in InvoiceDirection.values:
            problems["direction"] = f"{self.direction!r} is neither AP nor AR."
        if self.amount < 0:
            problems["amount"] = "must not be negative."
        if self.po_number and self.direction == InvoiceDirection.AR:
            problems["po_number"] = "Only supplier (AP) invoices refer to our purchase orders."
        if not (0 <= self.open_amount <= self.amount):
            problems["open_amount"] = f"{self.open_amount} must be between 0 and the amount {self.amount}."
        if self.due_on < self.issue_on:
            problems["due_date"] = f"{self.due_on} is before the issue date {self.issue_on}."
        if problems:
            raise ValidationError(problems)

    def values(self) -> dict[str, Any]:
        return {
            "counterparty_id": self.counterparty.pk,
            "number": self.number,
            "currency": self.currency,
            "amount": self.amount,
            "open_amount": self.open_amount,
            "issue_on": self.issue_on,
            "due_on": self.due_on,
            "po_number": self.po_number or (self.purchase_order.number if self.purchase_order else ""),
            "purchase_order_id": self.purchase_order.pk if self.purchase_order else None,
        }


def _ar_state(amount: Decimal, open_amount: Decimal) -> str:
    if open_amount == 0 and amount > 0:
        return InvoiceState.PAID
    if open_amount < amount:
        return InvoiceState.PARTIALLY_PAID
    return InvoiceState.ISSUED


def invoice_initial_state(direction: str, amount: Decimal, open_amount: Decimal) -> str:
    """The state a new invoice starts in: received (AP), or what its open amount says (AR)."""
    return InvoiceState.RECEIVED if direction == InvoiceDirection.AP else _ar_state(amount, open_amount)


def invoice_refusal(invoice: Invoice, data: InvoiceData) -> tuple[str, str] | None:
    """Why `data` must not be applied to the stored invoice, as (field, message), or None. A
    stale version is not refused (it is simply not applied)."""
    if invoice.direction != data.direction or invoice.entity_id != data.entity.pk:
        field = "direction" if invoice.direction != data.direction else "entity"
        return field, f"Invoice {invoice.number}: direction and entity cannot change ({data.source} sent them)."
    if invoice.direction == InvoiceDirection.AP and invoice.state not in AP_EDITABLE_STATES:
        wanted = data.values()
        changing = [f for f in _PAY_FIELDS if getattr(invoice, f) != wanted[f]]
        if changing:
            return changing[0], (
                f"Invoice {invoice.number} is {invoice.get_state_display().lower()} here; {data.source} changed "
                f"{', '.join(changing)} — review before it is paid."
            )
    return None


def invoice_upsert(data: InvoiceData, *, actor: User | None = None) -> tuple[Invoice, str]:
    """Create or update the invoice `data.source` knows as `data.external_id`; returns the invoice
    and "created", "updated" or "unchanged". See invoices_upsert."""
    return invoices_upsert([data], actor=actor)[0]


@transaction.atomic
def invoices_upsert(batch: Sequence[InvoiceData], *, actor: User | None = None) -> list[tuple[Invoice, str]]:
    """Create or update each invoice of `batch` (one source's records, each at most once), in
    order; returns (invoice, "created" | "updated" | "unchanged") for each.

    Set-based where it can be: the stored invoices are read and locked in one query, the new ones
    inserted, audited and announced in bulk; an invoice that changes is updated on its own, as its
    state moves through the transition function.

    Idempotent: the same version (or, without versions, the same content) again changes nothing;
    an older version than the one applied (Invoice.source_version) is never written. Raises
    ValidationError for data that cannot be stored, and for amount changes on an AP invoice
    already approved here (invoice_refusal); nothing of the batch is written then."""
    for data in batch:
        data.check()
    existing = _locked(batch)
    results: list[tuple[Invoice, str] | None] = []
    new: list[tuple[int, InvoiceData]] = []
    for data in batch:
        invoice = existing.get((data.source, data.external_id))
        if invoice is None:
            new.append((len(results), data))
            results.append(None)
        else:
            results.append((invoice, _update(invoice, data, actor=actor)))
    for index, invoice in zip((i for i, _ in new), _create([data for _, data in new], actor=actor), strict=True):
        results[index] = (invoice, "created")
    entity_links_add((data.counterparty.pk, data.entity.pk) for data in batch)
    return [result for result in results if result is not None]


def _locked(batch: Sequence[InvoiceData]) -> dict[tuple[str, str], Invoice]:
    keys: set[tuple[str, str]] = set()
    for data in batch:
        key = (data.source, data.external_id)
        if key in keys:
            raise ValidationError(f"Invoice {data.external_id} from {data.source} is given twice.")
        keys.add(key)
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    condition = Q()
    for source, external_ids in by_source.items():
        condition |= Q(source=source, external_id__in=external_ids)
    if not keys:
        return {}
    return {(i.source, i.external_id): i for i in Invoice.objects.select_for_update().filter(condition)}


def _create(batch: list[InvoiceData], *, actor: User | None) -> list[Invoice]:
    """Insert, audit and announce new invoices, set-based."""
    if not batch:
        return []
    correlation_id = current_correlation_id()
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                source=data.source,
                external_id=data.external_id,
                source_version=data.version or 0,
                entity=data.entity,
                direction=data.direction,
                state=invoice_initial_state(data.direction, data.amount, data.open_amount),
                correlation_id=correlation_id,
                **data.values(),
            )
            for data in batch
        ],
        batch_size=2000,
    )
    audit_records(
        invoices,
        action="invoice.created",
        actor=actor,
        reason=lambda i: f"from {i.source}",
        after=lambda i: {"number": i.number, "amount": i.amount, "currency": i.currency, "state": i.state},
    )
    invoices_issued_publish([i for i in invoices if i.direction == InvoiceDirection.AR], actor=actor)
    return invoices


def _update(invoice: Invoice, data: InvoiceData, *, actor: User | None) -> str:
    if data.version is not None and invoice.source_version >= data.version:
        return "unchanged"
    refusal = invoice_refusal(invoice, data)
    if refusal is not None:
        raise ValidationError(refusal[1])
    changes = {f: v for f, v in data.values().items() if getattr(invoice, f) != v}
    if not changes and (data.version is None or data.version == invoice.source_version):
        return "unchanged"
    before = {f: getattr(invoice, f) for f in changes}
    version = invoice.source_version if data.version is None else data.version
    Invoice.objects.filter(pk=invoice.pk).update(**changes, source_version=version, updated_at=timezone.now())
    for field, value in changes.items():
        setattr(invoice, field, value)
    invoice.source_version = version
    if changes:
        audit_record(
            invoice, action="invoice.updated", actor=actor, reason=f"from {data.source}", before=before, after=changes
        )
    if invoice.direction == InvoiceDirection.AR:
        invoice_ar_state_sync(invoice, actor=actor, reason=f"open amount from {data.source}")
        if "open_amount" in changes:
            invoice_payment_reported(
                invoice,
                open_before=before["open_amount"],
                reported_by=data.source,
                occurrence=data.occurrence,
                actor=actor,
            )
    return "updated" if changes else "unchanged"


def invoice_ar_state_sync(invoice: Invoice, *, actor: User | None, reason: str) -> None:
    """Move an AR invoice to the state its open amount says (issued, partially paid, paid), when
    its workflow allows; the caller has written the open amount and holds the row lock."""
    target = _ar_state(invoice.amount, invoice.open_amount)
    if target != invoice.state and target in allowed_targets(invoice):
        transition(invoice, to=target, actor=actor, reason=reason)


def invoice_payment_reported(
    invoice: Invoice, *, open_before: Decimal, reported_by: str, occurrence: str, actor: User | None
) -> None:
    """The system of record (ERP pull, import) lowered an AR invoice's open amount: cash was applied
    there. Announces cash-applied (the integrations log the payment status on the customer's CRM
    account); posts nothing back to the ERP, which already knows. Idempotent per occurrence (the
    source's version of the invoice, or the import run): the same report again publishes nothing
    new."""
    applied = open_before - invoice.open_amount
    if invoice.direction != InvoiceDirection.AR or applied <= 0:
        return
    cash_applied_announce(
        invoice,
        applied=applied,
        open_before=open_before,
        payment=occurrence,
        applied_in=reported_by,
        actor=actor,
    )


# --- invoice lines -------------------------------------------------------------------------------

_LINE_FIELDS = ("description", "quantity", "unit_price", "amount", "po_line_no")


@dataclass(frozen=True)
class InvoiceLineData:
    """One line of a stored invoice as a source sends it. `po_line_no` is the order line it bills,
    as the invoice quotes it (digits, or "" for none)."""

    invoice: Invoice
    line_no: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    po_line_no: str = ""

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": quantize(self.quantity * self.unit_price, self.invoice.currency),
            "po_line_no": self.po_line_no,
        }


def invoice_line_refusal(line: InvoiceLine | None, data: InvoiceLineData) -> str | None:
    """Why `data` must not be written to an invoice's line, or None: lines of an AP invoice already
    approved here do not change (what was approved is what is paid), and only AP invoices quote
    order lines."""
    invoice = data.invoice
    if data.po_line_no and invoice.direction != InvoiceDirection.AP:
        return f"Invoice {invoice.number} is a customer invoice; only supplier invoices bill order lines."
    if invoice.direction == InvoiceDirection.AP and invoice.state not in AP_EDITABLE_STATES:
        wanted = data.values()
        if line is None or any(getattr(line, f) != wanted[f] for f in _LINE_FIELDS):
            return (
                f"Invoice {invoice.number} is {invoice.get_state_display().lower()} here; its line "
                f"{data.line_no} cannot change."
            )
    return None


@transaction.atomic
def invoice_lines_upsert(batch: Sequence[InvoiceLineData], *, actor: User | None = None) -> list[str]:
    """Create or update each line of `batch` (keyed by invoice and line number, each at most once);
    returns "created", "updated" or "unchanged" for each, in order. Set-based: the stored lines
    are read and locked in one query, new ones inserted and changed ones updated in bulk, one
    audit event per invoice whose lines changed. A line is never deleted here. The order line a
    quoted number names is linked when the invoice's order is held; otherwise the number is kept
    and the 3-way match links it once the order arrives.

    Idempotent: the same lines again change nothing. Raises ValidationError (nothing written) for a
    line invoice_line_refusal refuses."""
    keys = [(d.invoice.pk, d.line_no) for d in batch]
    if len(set(keys)) != len(keys):
        raise ValidationError("An invoice line is given twice.")
    stored = {
        (line.invoice_id, line.line_no): line
        for line in InvoiceLine.objects.select_for_update().filter(invoice_id__in={k[0] for k in keys})
    }
    order_lines = {
        (po_line.purchase_order_id, po_line.line_no): po_line.pk
        for po_line in PurchaseOrderLine.objects.filter(
            purchase_order_id__in={d.invoice.purchase_order_id for d in batch if d.invoice.purchase_order_id}
        )
    }
    outcomes: list[str] = []
    new: list[InvoiceLine] = []
    changed: list[InvoiceLine] = []
    touched: dict[int, tuple[Invoice, list[int]]] = {}
    for data in batch:
        line = stored.get((data.invoice.pk, data.line_no))
        refusal = invoice_line_refusal(line, data)
        if refusal is not None:
            raise ValidationError(refusal)
        values = data.values()
        po_line_id = (
            order_lines.get((data.invoice.purchase_order_id, int(data.po_line_no)))
            if data.po_line_no and data.invoice.purchase_order_id
            else None
        )
        if line is None:
            new.append(InvoiceLine(invoice=data.invoice, line_no=data.line_no, po_line_id=po_line_id, **values))
            outcomes.append("created")
        elif any(getattr(line, f) != values[f] for f in _LINE_FIELDS) or (po_line_id and line.po_line_id != po_line_id):
            for field, value in values.items():
                setattr(line, field, value)
            line.po_line_id = po_line_id
            changed.append(line)
            outcomes.append("updated")
        else:
            outcomes.append("unchanged")
            continue
        touched.setdefault(data.invoice.pk, (data.invoice, []))[1].append(data.line_no)
    InvoiceLine.objects.bulk_create(new, batch_size=2000)
    InvoiceLine.objects.bulk_update(changed, [*_LINE_FIELDS, "po_line_id"], batch_size=2000)
    if touched:
        Invoice.objects.filter(pk__in=touched).update(updated_at=timezone.now())
        audit_records(
            [invoice for invoice, _ in touched.values()],
            action="invoice.lines_changed",
            actor=actor,
            after=lambda invoice: {"lines": sorted(touched[invoice.pk][1])},
        )
    return outcomes
