"""Celery entry points: thin, idempotent, logic in plain functions.

Two of them sit beside the function they run, because the same module queues them
(sync_run_execute_task in integrations.sync.runs, inbound_message_process_task in
integrations.webhooks.processing); they are imported here so that Celery finds every task of the
integrations in this one module."""

from celery import shared_task

from integrations.connectors.bank_api.status import bank_payment_status_poll
from integrations.sync.dispatch import connector_dispatch_due
from integrations.sync.lease import sync_lease_sweep
from integrations.sync.runs import sync_run_execute_task
from integrations.webhooks.processing import inbound_message_process_task, inbound_message_requeue_stale

__all__ = [
    "bank_payment_status_poll_task",
    "connector_dispatch_due_task",
    "inbound_message_process_task",
    "sync_lease_sweep_task",
    "sync_run_execute_task",
]


@shared_task(acks_late=True)
def connector_dispatch_due_task() -> None:
    """Beat, every 60 s: queue runs of due connectors. Idempotent: skip_locked + one live run each."""
    connector_dispatch_due()


@shared_task(acks_late=True)
def sync_lease_sweep_task() -> None:
    """Beat, every 60 s: requeue runs whose worker died, resend lost messages. Idempotent: CAS."""
    sync_lease_sweep()
    inbound_message_requeue_stale()


@shared_task(acks_late=True, ignore_result=True)
def bank_payment_status_poll_task() -> dict[str, int]:
    """Beat, every 5 minutes: ask the bank about each transmitted batch it took over its API and
    apply its pain.002. Idempotent: an answer applied before changes nothing, and a batch the bank
    has decided on is no longer transmitted, so it is not asked about again."""
    return vars(bank_payment_status_poll())
