"""Celery entry points of payables: the bank's answers about batches sent over its API."""

from celery import shared_task

from integrations.connectors.bank_api.status import bank_payment_status_poll


@shared_task(acks_late=True, ignore_result=True)
def bank_payment_status_poll_task() -> dict[str, int]:
    """Beat, every 5 minutes: ask the bank about each transmitted batch it took over its API and
    apply its pain.002. Idempotent: an answer applied before changes nothing, and a batch the bank
    has decided on is no longer transmitted, so it is not asked about again."""
    return vars(bank_payment_status_poll())
