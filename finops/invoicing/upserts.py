"""Invoices as systems of record send them (ERP, billing): create or update by source + external id.

Amounts are Decimal; a state change goes through the one transition function. An AP invoice
that is already approved here does not take new amounts from the source silently: that is
refused and lands in the exception queue through the caller. A new AR invoice is announced
(invoice-issued); an open amount the source lowered is announced as cash applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.workflow import allowed_targets, transition
from finops.invoicing.events import cash_applied_announce, invoice_issued_publish
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import Counterparty, LegalEntity
from finops.payables.models import PurchaseOrder

# AP states in which the source may still change what the invoice asks us to pay
AP_EDITABLE_STATES = (InvoiceState.RECEIVED, InvoiceState.EXCEPTION, InvoiceState.MATCHED)
_PAY_FIELDS = ("counterparty_id", "currency", "amount")
_FIELDS = ("counterparty_id", "number", "currency", "amount", "open_amount", "issue_on", "due_on", "purchase_order_id")


@dataclass(frozen=True)
class InvoiceData:
    source: str
    external_id: str
    version: int
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

    def check(self) -> None:
        problems: dict[str, str] = {}
        if self.direction not in InvoiceDirection.values:
            problems["direction"] = f"{self.direction!r} is neither AP nor AR."
        if self.amount < 0:
            problems["amount"] = "must not be negative."
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
            "purchase_order_id": self.purchase_order.pk if self.purchase_order else None,
        }


def _ar_state(amount: Decimal, open_amount: Decimal) -> str:
    if open_amount == 0 and amount > 0:
        return InvoiceState.PAID
    if open_amount < amount:
        return InvoiceState.PARTIALLY_PAID
    return InvoiceState.ISSUED


@transaction.atomic
def invoice_upsert(data: InvoiceData, *, actor: User | None = None) -> tuple[Invoice, str]:
    """Create or update the invoice `data.source` knows as `data.external_id`; returns the invoice
    and "created", "updated" or "unchanged".

    Idempotent: the same version again changes nothing; an older version than the one applied
    (Invoice.source_version) is never written. Raises ValidationError for data that cannot be
    stored, and for amount changes on an AP invoice already approved here."""
    data.check()
    invoice = Invoice.objects.select_for_update().filter(source=data.source, external_id=data.external_id).first()
    if invoice is None:
        state = (
            InvoiceState.RECEIVED if data.direction == InvoiceDirection.AP else _ar_state(data.amount, data.open_amount)
        )
        invoice = Invoice.objects.create(
            source=data.source,
            external_id=data.external_id,
            source_version=data.version,
            entity=data.entity,
            direction=data.direction,
            state=state,
            correlation_id=current_correlation_id(),
            **data.values(),
        )
        audit_record(
            invoice,
            action="invoice.created",
            actor=actor,
            reason=f"from {data.source}",
            after={"number": data.number, "amount": data.amount, "currency": data.currency, "state": state},
        )
        if invoice.direction == InvoiceDirection.AR:
            invoice_issued_publish(invoice, actor=actor)
        return invoice, "created"
    if invoice.source_version >= data.version:
        return invoice, "unchanged"
    if invoice.direction != data.direction or invoice.entity_id != data.entity.pk:
        raise ValidationError(
            f"Invoice {invoice.number}: direction and entity cannot change ({data.source} sent them)."
        )
    wanted = data.values()
    changes = {f: v for f, v in wanted.items() if getattr(invoice, f) != v}
    if (
        invoice.direction == InvoiceDirection.AP
        and invoice.state not in AP_EDITABLE_STATES
        and any(f in changes for f in _PAY_FIELDS)
    ):
        raise ValidationError(
            f"Invoice {invoice.number} is {invoice.get_state_display().lower()} here; {data.source} changed "
            f"{', '.join(f for f in _PAY_FIELDS if f in changes)} — review before it is paid."
        )
    before = {f: getattr(invoice, f) for f in changes}
    Invoice.objects.filter(pk=invoice.pk).update(**changes, source_version=data.version, updated_at=timezone.now())
    for field, value in changes.items():
        setattr(invoice, field, value)
    invoice.source_version = data.version
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
                occurrence=f"{data.source}:v{data.version}",
                actor=actor,
            )
    return invoice, "updated" if changes else "unchanged"


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
