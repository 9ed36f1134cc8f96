"""Celery entry points of the outbox. Beat runs outbox_relay_task every 10 s; outbox_enqueue also
nudges it right after commit so delivery is prompt."""

from celery import shared_task

from integrations.outbox.relay import outbox_relay


@shared_task(acks_late=True, ignore_result=True)
def outbox_relay_task(batch_size: int = 100) -> int:
    """Relay due outbox messages. Idempotent: messages are claimed with SKIP LOCKED and finished
    by compare-and-swap, so redelivered or concurrent runs never deliver a message twice at once;
    a run that finds nothing due returns 0."""
    return outbox_relay(batch_size=batch_size).delivered
