"""What payables announces: payment-released and payment-rejected (canonical events, see
finops.outbox.events), and BatchReleased in-process for the channel that carries a batch to the
bank (finops.payables.channels)."""

from __future__ import annotations

from dataclasses import dataclass

from finops.accounts.models import User
from finops.outbox.events import event_party, event_wanted
from finops.outbox.models import OutboxMessage
from finops.outbox.services import event_publish
from finops.payables.channels import BankChannel
from finops.payables.models import Payment, PaymentBatch
from finops.payables.payment_files import PaymentFile


@dataclass(frozen=True)
class BatchReleased:
    """An approved batch was released to the bank over `channel`, as `payment_file` (built and
    checked at release: what the channel sends is exactly what was released)."""

    batch: PaymentBatch
    channel: BankChannel
    payment_file: PaymentFile


def payment_released_publish(payment: Payment, *, actor: User | None) -> OutboxMessage | None:
    """payment-released: a supplier payment was released to the bank as part of its batch. A
    payment is released once (no transition leads back to released)."""
    if not event_wanted("payment-released", payment):
        return None
    return event_publish(
        "payment-released",
        payment,
        actor=actor,
        data={
            "batch": payment.batch.external_id if payment.batch else None,
            "counterparty": event_party(payment.counterparty_id, payment.counterparty.name),
            "remittance_info": payment.remittance_info,
        },
    )


def payment_rejected_publish(
    payment: Payment, *, reason: str, reported_in: str, actor: User | None
) -> OutboxMessage | None:
    """payment-rejected: the bank refused or returned a payment (pain.002 RJCT, a NACHA return).
    Rejected is a final state, so once per payment."""
    if not event_wanted("payment-rejected", payment):
        return None
    return event_publish(
        "payment-rejected",
        payment,
        actor=actor,
        data={
            "reason": reason,
            "reported_in": reported_in,
            "batch": payment.batch.external_id if payment.batch else None,
            "counterparty": event_party(payment.counterparty_id, payment.counterparty.name),
        },
    )
