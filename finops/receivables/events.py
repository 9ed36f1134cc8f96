"""What receivables announces: payment-received (a canonical event, see finops.outbox.events), and
RemittanceApplied in-process for the integration that posts cash receipts to the ERP."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from finops.accounts.models import User
from finops.invoicing.models import Invoice
from finops.outbox.events import event_money, event_party, event_wanted
from finops.outbox.models import OutboxMessage
from finops.outbox.services import event_publish
from finops.receivables.models import Remittance


@dataclass(frozen=True)
class RemittanceApplied:
    """Part of a received payment (`remittance`) was applied to an AR invoice here. With
    post_to_erp the source that delivered the payment asked for the ERP to book a cash receipt."""

    invoice: Invoice
    remittance: Remittance
    applied: Decimal
    post_to_erp: bool


def payment_received_publish(remittance: Remittance, *, actor: User | None) -> OutboxMessage | None:
    """payment-received: a customer payment arrived (a gateway capture, a billing platform's
    "paid"). Once per remittance, which is unique per (source, payment id)."""
    if not event_wanted("payment-received", remittance):
        return None
    counterparty = remittance.counterparty
    return event_publish(
        "payment-received",
        remittance,
        actor=actor,
        data={
            "counterparty": event_party(counterparty.pk, counterparty.name) if counterparty else None,
            "received_on": remittance.received_on,
            "payer_reference": remittance.payer_reference,
            "lines": [
                {
                    "invoice_reference": line.invoice_reference,
                    "invoice_id": line.invoice_id,
                    "amount": event_money(line.amount, remittance.currency),
                }
                for line in remittance.lines.order_by("line_no")
            ],
        },
    )
