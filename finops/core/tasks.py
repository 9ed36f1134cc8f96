from celery import shared_task

from finops.core.services import heartbeat_record


@shared_task(acks_late=True)
def heartbeat_task(sender: str) -> None:
    """Record that the worker (and the beat that sent this) are alive. Idempotent: an upsert."""
    heartbeat_record(name="worker")
    heartbeat_record(name=sender)
