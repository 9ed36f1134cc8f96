"""Proposing supplier invoices for payment: the one way an invoice joins a payment.

Payables sits below invoicing in the layers and cannot ask about invoices, so whatever builds
payments (a payment proposal, the demo's batches) allocates invoices through invoices_propose,
which asks invoices_payability first and refuses, naming every invoice and why, anything that may
not be paid: not approved, on hold (a match exception, a suspected duplicate, a blocked supplier, a
supplier's bank account not active), nothing open. The database refuses a held invoice too
(migration invoicing 0004), whatever the code does.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from finops.accounts.models import User
from finops.core.workflow import Move, WorkflowError, transitions_apply
from finops.invoicing.models import Invoice
from finops.invoicing.selectors import invoices_payability
from finops.invoicing.states import InvoiceState
from finops.payables.models import Payment, PaymentAllocation


class NotPayable(WorkflowError):
    """Invoices that may not be proposed for payment; the message names each and why."""


@transaction.atomic
def invoices_propose(
    *, payment: Payment, allocations: Sequence[tuple[Invoice, Decimal]], actor: User | None, reason: str = ""
) -> list[PaymentAllocation]:
    """Allocate `payment` to the invoices (each with the amount paid of it) and move them approved →
    proposed, set-based and audited. Refuses the whole lot (NotPayable, nothing written) when any
    invoice may not be paid; an amount above the invoice's open amount or of another currency is
    refused too. Invoices are locked in pk order first, so two proposals of one invoice at once
    cannot both pass."""
    ids = sorted({invoice.pk for invoice, _ in allocations})
    if len(ids) != len(allocations):
        raise WorkflowError("An invoice is given twice.")
    locked = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    verdicts = invoices_payability(ids)
    refused = [f"{locked[pk].number}: {'; '.join(verdicts[pk].reasons)}" for pk in ids if not verdicts[pk].payable]
    for invoice, amount in allocations:
        stored = locked[invoice.pk]
        if amount <= 0 or amount > stored.open_amount:
            refused.append(f"{stored.number}: {amount} is not between 0 and its open amount {stored.open_amount}")
        if stored.currency != payment.currency:
            refused.append(f"{stored.number}: it is in {stored.currency}, the payment in {payment.currency}")
    if refused:
        raise NotPayable("Not payable — " + " | ".join(refused))
    created = PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=payment, invoice_id=invoice.pk, amount=amount) for invoice, amount in allocations]
    )
    transitions_apply(
        Invoice,
        [
            Move(
                pk, str(locked[pk]), locked[pk].entity_id, locked[pk].correlation_id, {"payment": payment.end_to_end_id}
            )
            for pk in ids
        ],
        source=InvoiceState.APPROVED,
        to=InvoiceState.PROPOSED,
        actor=actor,
        reason=reason,
    )
    for invoice, _ in allocations:
        invoice.state = InvoiceState.PROPOSED
    return created
