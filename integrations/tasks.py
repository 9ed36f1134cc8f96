"""Celery entry points: thin, idempotent, logic in plain functions."""

from celery import shared_task

from integrations.sync.dispatch import connector_dispatch_due
from integrations.sync.lease import sync_lease_sweep
from integrations.sync.runs import sync_run_execute
from integrations.webhooks.processing import inbound_message_process, inbound_message_requeue_stale


@shared_task(acks_late=True)
def sync_run_execute_task(sync_run_id: int) -> None:
    """Run one SyncRun. Idempotent: a redelivered message finds the run claimed or finished."""
    sync_run_execute(sync_run_id=sync_run_id)


@shared_task(acks_late=True)
def connector_dispatch_due_task() -> None:
    """Beat, every 60 s: queue runs of due connectors. Idempotent: skip_locked + one live run each."""
    connector_dispatch_due()


@shared_task(acks_late=True)
def sync_lease_sweep_task() -> None:
    """Beat, every 60 s: requeue runs whose worker died, resend lost messages. Idempotent: CAS."""
    sync_lease_sweep()
    inbound_message_requeue_stale()


@shared_task(acks_late=True)
def inbound_message_process_task(message_id: int) -> None:
    """Process one received webhook event. Idempotent: a processed message is skipped."""
    inbound_message_process(message_id=message_id)
