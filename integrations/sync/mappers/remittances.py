"""Payment-gateway captures → a Remittance for the invoice they pay, applied to it.

Remittance has no free-form detail field, so the gateway's fee and net amount travel in
payer_reference (and in full in the kept event body).
"""

from __future__ import annotations

from typing import Any

from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection
from finops.masterdata.models import Counterparty, ExternalRef
from finops.receivables.models import Remittance
from finops.receivables.services import RemittanceLineInput, payment_receive
from integrations.connectors.base import Applied, ApplyContext
from integrations.states import ApplyOutcome
from integrations.sync.mappers import fields


def _customer(ctx: ApplyContext, customer_id: str) -> Counterparty | None:
    if not customer_id:
        return None
    sources = ctx.mapping.get("customer_sources") or [ctx.source]
    ref = ExternalRef.objects.filter(
        source__in=sources, object_type=Counterparty._meta.label, external_id=customer_id
    ).values_list("object_id", flat=True)
    return (
        Counterparty.objects.filter(pk__in=ref).first()
        or Counterparty.objects.filter(source__in=sources, external_id=customer_id).first()
    )


def remittance_apply(ctx: ApplyContext, data: dict[str, Any]) -> Applied:
    """Receive one captured payment: a remittance for the invoice it pays, applied to that invoice
    when we hold it (its open amount drops; the ERP gets a cash receipt when the mapping's
    post_cash_receipts is on). Idempotent: Remittance is unique per (source, external id =
    payment id), so a second event about the same capture writes nothing."""
    payment_id = fields.text(data, "payment_id", where="payment", max_length=128)
    where = f"payment {payment_id}"
    existing = Remittance.objects.filter(source=ctx.source, external_id=payment_id).first()
    if existing is not None:
        return Applied(existing, ApplyOutcome.UNCHANGED)
    currency = fields.currency(data, where=where)
    amount = fields.required_amount(data, "amount", where=where)
    fee = fields.amount(data, "fee", where=where, required=False)
    net = fields.amount(data, "net", where=where, required=False)
    invoice_number = fields.text(data, "invoice_number", where=where, max_length=64)
    entity = ctx.connector.entity
    customer = _customer(ctx, fields.text(data, "customer_id", where=where, required=False, max_length=128))
    invoice = Invoice.objects.filter(entity=entity, direction=InvoiceDirection.AR, number=invoice_number).first()
    reference = (
        f"{payment_id} · fee {fee if fee is not None else '?'} · net {net if net is not None else '?'} {currency}"
    )
    received = payment_receive(
        source=ctx.source,
        external_id=payment_id,
        entity=entity,
        counterparty=customer or (invoice.counterparty if invoice else None),
        amount=amount,
        currency=currency,
        received_on=fields.instant(data, "captured_at", where=where).date(),
        payer_reference=reference,
        lines=[RemittanceLineInput(invoice_reference=invoice_number, amount=amount, invoice=invoice)],
        actor=ctx.actor,
        detail={"fee": fee, "net": net, "invoice": invoice_number},
        post_to_erp=bool(ctx.mapping.get("post_cash_receipts")),
    )
    return Applied(received.remittance, ApplyOutcome.CREATED if received.is_new else ApplyOutcome.UNCHANGED)
