"""Writes on receivables: customer payments received (remittances) and applied to invoices, and
collection notes.

Everything that leaves the control tower goes through the outbox, written in the same transaction
as the change it follows. A collection note is queued here as a "crm.activity" (POST
/crm/v1/activities) with an idempotency key per note. What follows a payment applied here depends
on which systems the entity is connected to, which only the integrations know: they subscribe to
CashApplied (a payment status on the customer's CRM account) and RemittanceApplied (an ERP cash
receipt), see integrations.outbox.subscribers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.selectors import entities_for
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.money import validate_currency
from finops.core.workflow import WorkflowError, transition
from finops.invoicing.events import cash_applied_announce
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection
from finops.invoicing.upserts import invoice_ar_state_sync
from finops.masterdata.models import Counterparty, LegalEntity
from finops.outbox.events import event_notify
from finops.outbox.models import OutboxMessage
from finops.outbox.services import outbox_enqueue
from finops.receivables.events import RemittanceApplied, payment_received_publish
from finops.receivables.models import CollectionNote, Remittance, RemittanceLine
from finops.receivables.selectors import can_add_collection_note
from finops.receivables.states import CrmDeliveryState

CRM_ACTIVITY_TOPIC = "crm.activity"


@dataclass(frozen=True)
class RemittanceLineInput:
    invoice_reference: str
    amount: Decimal
    invoice: Invoice | None = None


@dataclass(frozen=True)
class PaymentApplied:
    invoice: Invoice
    applied: Decimal


@dataclass(frozen=True)
class PaymentReceived:
    remittance: Remittance
    is_new: bool
    applications: list[PaymentApplied]


# --- payments received ---------------------------------------------------------------------


@transaction.atomic
def payment_receive(
    *,
    source: str,
    external_id: str,
    entity: LegalEntity,
    counterparty: Counterparty | None,
    amount: Decimal,
    currency: str,
    received_on: dt.date,
    payer_reference: str,
    lines: Sequence[RemittanceLineInput],
    actor: User | None,
    detail: dict[str, Any] | None = None,
    post_to_erp: bool = False,
) -> PaymentReceived:
    """Record a customer payment (a remittance with a line per invoice it pays), announce it
    (payment-received) and apply each line to its invoice (cash_apply): the open amount drops,
    cash-applied is announced, the customer's CRM account hears of it and, with post_to_erp, the
    ERP gets a cash receipt.

    Idempotent: a remittance is unique per (source, external_id), a database constraint; the same
    payment again returns the first remittance (is_new false) and applies nothing."""
    if not isinstance(amount, Decimal):
        raise TypeError("Payment amounts must be Decimal.")
    validate_currency(currency)
    if amount < 0:
        raise ValidationError({"amount": "A received payment cannot be negative."})
    existing = Remittance.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        return PaymentReceived(existing, is_new=False, applications=[])
    try:
        with transaction.atomic():
            remittance = Remittance.objects.create(
                source=source,
                external_id=external_id,
                entity=entity,
                counterparty=counterparty,
                payer_reference=payer_reference[:140],
                amount=amount,
                currency=currency,
                received_on=received_on,
                correlation_id=current_correlation_id(),
            )
    except IntegrityError:
        # a concurrent delivery of the same payment committed first
        return PaymentReceived(
            Remittance.objects.get(source=source, external_id=external_id), is_new=False, applications=[]
        )
    RemittanceLine.objects.bulk_create(
        RemittanceLine(
            remittance=remittance,
            line_no=number,
            invoice_reference=line.invoice_reference[:64],
            amount=line.amount,
            invoice=line.invoice,
        )
        for number, line in enumerate(lines, start=1)
    )
    audit_record(
        remittance,
        action="remittance.created",
        actor=actor,
        reason=f"from {source}",
        after={"amount": amount, "currency": currency, **(detail or {})},
    )
    payment_received_publish(remittance, actor=actor)
    # one application per invoice (lines for the same invoice add up), invoices locked in pk order
    per_invoice: dict[int, Decimal] = {}
    for line in lines:
        if line.invoice is not None and line.amount > 0:
            per_invoice[line.invoice.pk] = per_invoice.get(line.invoice.pk, Decimal(0)) + line.amount
    applications = []
    for invoice_id in sorted(per_invoice):
        applied = cash_apply(
            invoice_id=invoice_id,
            amount=per_invoice[invoice_id],
            remittance=remittance,
            actor=actor,
            post_to_erp=post_to_erp,
        )
        if applied is not None:
            applications.append(applied)
    return PaymentReceived(remittance, is_new=True, applications=applications)


@transaction.atomic
def cash_apply(
    *, invoice_id: int, amount: Decimal, remittance: Remittance, actor: User | None, post_to_erp: bool = False
) -> PaymentApplied | None:
    """Apply (part of) a received payment to an AR invoice: lower its open amount (never below
    zero) and move it to partially paid or paid; announce cash-applied (CashApplied: the
    integrations log the payment status on the customer's CRM account) and RemittanceApplied
    (with post_to_erp, the ERP integration queues a cash receipt for what was applied).
    Returns None when nothing could be applied (another currency, nothing open).

    Idempotent per (remittance, invoice): the events and outbox messages are keyed by both; the
    caller (payment_receive) applies a remittance once, when it is created."""
    invoice = Invoice.objects.select_for_update().select_related("entity", "counterparty").get(pk=invoice_id)
    if invoice.direction != InvoiceDirection.AR:
        raise ValidationError(f"Invoice {invoice.number} is not a customer invoice.")
    if amount <= 0:
        raise ValidationError({"amount": "A payment must be positive."})
    if invoice.currency != remittance.currency or invoice.open_amount <= 0:
        return None
    reference = f"{remittance.source} payment {remittance.external_id}"
    open_before = invoice.open_amount
    applied = min(amount, open_before)
    invoice.open_amount = open_before - applied
    Invoice.objects.filter(pk=invoice.pk).update(open_amount=invoice.open_amount, updated_at=timezone.now())
    audit_record(
        invoice,
        action="invoice.payment_recorded",
        actor=actor,
        reason=reference,
        before={"open_amount": open_before},
        after={"open_amount": invoice.open_amount, "paid": applied},
    )
    invoice_ar_state_sync(invoice, actor=actor, reason=reference)
    payment = f"{Remittance._meta.label}:{remittance.pk}"
    cash_applied_announce(
        invoice, applied=applied, open_before=open_before, payment=payment, applied_in="fct", actor=actor
    )
    event_notify(RemittanceApplied(invoice=invoice, remittance=remittance, applied=applied, post_to_erp=post_to_erp))
    return PaymentApplied(invoice=invoice, applied=applied)


# --- to the CRM ------------------------------------------------------------------------------


def crm_activity_queue(
    *, entity: LegalEntity, counterparty: Counterparty, activity_type: str, text: str, key: str, obj: Any
) -> OutboxMessage:
    """Queue an activity for the customer's CRM account. The account is looked up when the relay
    delivers (the CRM sync may link it later than the activity is written); the key is unique per
    activity, so the CRM records it once however often it is sent."""
    return outbox_enqueue(
        CRM_ACTIVITY_TOPIC,
        {"counterparty_id": counterparty.pk, "type": activity_type, "text": text},
        entity=entity,
        idempotency_key=f"{CRM_ACTIVITY_TOPIC}:{key}",
        obj=obj,
    )


# --- collection notes ------------------------------------------------------------------------


def _require_collections_work(user: User, entity: LegalEntity) -> None:
    if not entities_for(user).filter(pk=entity.pk).exists():
        raise Http404("No such record.")
    if not can_add_collection_note(user, entity):
        raise PermissionDenied("Your role in this entity does not allow adding collection notes.")


@transaction.atomic
def collection_note_add(*, invoice_id: int, author: User, text: str) -> CollectionNote:
    """AR staff (AP clerks and treasury analysts of the invoice's entity) note what they did to
    collect a customer invoice; the note is queued for the customer's CRM account as a
    "collection_note" activity and audited.

    Not idempotent by design: each call is a new note. Its delivery is: the CRM receives each note
    once, under the note's own idempotency key."""
    invoice = Invoice.objects.select_related("entity", "counterparty").get(pk=invoice_id)
    _require_collections_work(author, invoice.entity)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write what was done or agreed."})
    if len(text) > CollectionNote.MAX_TEXT:
        raise ValidationError({"text": f"Keep the note to {CollectionNote.MAX_TEXT} characters (it has {len(text)})."})
    if invoice.direction != InvoiceDirection.AR:
        raise WorkflowError("Collection notes are kept on customer invoices only.")
    note = CollectionNote.objects.create(
        invoice=invoice, entity=invoice.entity, author=author, text=text, correlation_id=current_correlation_id()
    )
    message = crm_activity_queue(
        entity=invoice.entity,
        counterparty=invoice.counterparty,
        activity_type="collection_note",
        text=f"Invoice {invoice.number}: {text}",
        key=f"collection_note:{note.pk}",
        obj=note,
    )
    CollectionNote.objects.filter(pk=note.pk).update(outbox_message=message)
    note.outbox_message = message
    audit_record(
        note,
        action="collection_note.added",
        actor=author,
        after={"invoice": invoice.number, "text": text[:500]},
    )
    return note


@transaction.atomic
def collection_note_record_delivery(*, note_id: int, activity_id: str) -> CollectionNote:
    """The CRM logged the note as `activity_id`: pending (or failed, after an admin's retry) →
    sent. Idempotent: a note already sent is returned unchanged."""
    note = CollectionNote.objects.select_for_update().get(pk=note_id)
    if note.state == CrmDeliveryState.SENT:
        return note
    CollectionNote.objects.filter(pk=note.pk).update(crm_activity_id=activity_id, crm_error="")
    note.crm_activity_id, note.crm_error = activity_id, ""
    transition(note, to=CrmDeliveryState.SENT, actor=None, stamp="sent_at", extra={"crm_activity_id": activity_id})
    return note


@transaction.atomic
def collection_note_record_failure(*, note_id: int, reason: str) -> CollectionNote:
    """The outbox gave up on the note: pending → failed with the last error. Idempotent: a note in
    any other state is left alone."""
    note = CollectionNote.objects.select_for_update().get(pk=note_id)
    if note.state == CrmDeliveryState.PENDING:
        CollectionNote.objects.filter(pk=note.pk).update(crm_error=reason[:2000])
        note.crm_error = reason[:2000]
        transition(note, to=CrmDeliveryState.FAILED, actor=None, reason=reason[:500])
    return note
