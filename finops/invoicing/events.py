"""What invoicing announces: invoice-issued and cash-applied (canonical events, see
finops.outbox.events), and CashApplied in-process for the integrations that tell other systems
(the customer's CRM account hears of the payment)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from finops.accounts.models import User
from finops.invoicing.models import Invoice
from finops.outbox.events import event_has_subscribers, event_money, event_notify, event_party, event_wanted
from finops.outbox.models import OutboxMessage
from finops.outbox.services import event_publish


@dataclass(frozen=True)
class ApInvoiceDecided:
    """A person decided something about a supplier invoice that bears on how the invoices of its
    entity match: released a duplicate hold, cancelled it, accepted its variance, approved it.
    Matching subscribes and runs the entity's 3-way match again (after commit)."""

    entity_id: int
    invoice_id: int
    decision: str


@dataclass(frozen=True)
class CashApplied:
    """A payment lowered an AR invoice's open amount, here (a remittance applied) or at the system
    of record (the ERP reported a lower open amount). `occurrence` names the payment, e.g.
    "receivables.Remittance:17" or "erp:v5": once per (invoice, occurrence)."""

    invoice: Invoice
    applied: Decimal
    occurrence: str


def invoice_issued_publish(invoice: Invoice, *, actor: User | None) -> OutboxMessage | None:
    """invoice-issued: a customer (AR) invoice came into existence here, from whichever source.
    Once per invoice."""
    published = invoices_issued_publish([invoice], actor=actor)
    return published[0] if published else None


def invoices_issued_publish(invoices: Sequence[Invoice], *, actor: User | None) -> list[OutboxMessage]:
    """invoice_issued_publish for many new AR invoices at once: whether an entity subscribes is
    asked once per entity, not once per invoice."""
    wanted: dict[int, bool] = {}
    published = []
    for invoice in invoices:
        if invoice.entity_id not in wanted:
            wanted[invoice.entity_id] = event_has_subscribers(invoice.entity_id, "invoice-issued")
        if wanted[invoice.entity_id]:
            published.append(
                event_publish(
                    "invoice-issued",
                    invoice,
                    actor=actor,
                    data={"counterparty": event_party(invoice.counterparty_id, invoice.counterparty.name)},
                )
            )
    return published


def cash_applied_publish(
    invoice: Invoice,
    *,
    applied: Decimal,
    open_before: Decimal,
    payment: str,
    applied_in: str,
    actor: User | None,
) -> OutboxMessage | None:
    """cash-applied: a payment lowered an AR invoice's open amount. An invoice can be paid in
    parts, so the occurrence is the payment (e.g. "receivables.Remittance:17", or
    "erp:v5" for an open amount the ERP reported): once per (invoice, payment)."""
    currency = invoice.currency
    if not event_wanted("cash-applied", invoice):
        return None
    return event_publish(
        "cash-applied",
        invoice,
        actor=actor,
        data={
            "applied": event_money(applied, currency),
            "open_before": event_money(open_before, currency),
            "open_after": event_money(invoice.open_amount, currency),
            "payment": payment,
            "applied_in": applied_in,
            "counterparty": event_party(invoice.counterparty_id, invoice.counterparty.name),
        },
        occurrence=payment,
    )


def cash_applied_announce(
    invoice: Invoice,
    *,
    applied: Decimal,
    open_before: Decimal,
    payment: str,
    applied_in: str,
    actor: User | None,
) -> None:
    """Cash was applied to an AR invoice: the canonical cash-applied event for webhook
    subscribers, then CashApplied for the integrations, in the caller's transaction. Idempotent
    per (invoice, payment), like its producer and its subscribers."""
    cash_applied_publish(
        invoice, applied=applied, open_before=open_before, payment=payment, applied_in=applied_in, actor=actor
    )
    event_notify(CashApplied(invoice=invoice, applied=applied, occurrence=payment))
