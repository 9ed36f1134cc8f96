"""Processing a stored event: the connector kind's handler applies it, in one transaction with
the message moving received → processed. A failure is retried with backoff, then dead-lettered."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import correlation
from finops.core.workflow import transition
from integrations.connectors import apply_context, spec_for
from integrations.connectors.base import MappingError
from integrations.models import InboundMessage
from integrations.retry import RetryPolicy
from integrations.states import FailureKind, FailureState, MessageState
from integrations.sync.context import error_text
from integrations.sync.failures import failure_record, failures_resolve_for
from integrations.sync.ledger import RECORD_ERRORS, RecordConflict
from integrations.sync.runs import enqueue_options

log = structlog.get_logger(__name__)


# Beside the function it runs, so that queueing needs no import of integrations.tasks (which lists
# it for Celery's autodiscovery); the name is the one the task always had.
@shared_task(acks_late=True, name="integrations.tasks.inbound_message_process_task")
def inbound_message_process_task(message_id: int) -> None:
    """Process one received webhook event. Idempotent: a processed message is skipped."""
    inbound_message_process(message_id=message_id)


def _enqueue(message_id: int, countdown: float = 0) -> None:
    inbound_message_process_task.apply_async(args=[message_id], countdown=countdown, **enqueue_options())


def message_enqueue_on_commit(message_id: int, *, countdown: float = 0) -> None:
    transaction.on_commit(partial(_enqueue, message_id, countdown))


def _event(message: InboundMessage) -> dict[str, Any]:
    try:
        event = json.loads(message.body)
    except ValueError as exc:
        raise MappingError("The event body is not JSON.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise MappingError("The event has no 'data' object.")
    return event


def inbound_message_process(*, message_id: int, actor: User | None = None) -> str:
    """Apply one received (or, from a replay, dead) event; returns "processed", "failed" or "skipped".

    Idempotent: the message is locked and moved to processed in the same transaction as its
    effects, so a second worker (or a redelivered task) finds it processed and does nothing."""
    message = InboundMessage.objects.select_related("connector", "connector__entity").filter(pk=message_id).first()
    if message is None or message.state == MessageState.PROCESSED:
        return "skipped"
    connector = message.connector
    handle = spec_for(connector.kind).handle_event
    ctx = apply_context(connector, message=message, actor=actor)
    with correlation(message.correlation_id):
        try:
            with transaction.atomic():
                locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
                if locked.state == MessageState.PROCESSED:
                    return "skipped"
                if handle is None:
                    raise MappingError(f"{connector.get_kind_display()} connectors do not process events.")
                outcome = handle(ctx, _event(locked))
                InboundMessage.objects.filter(pk=locked.pk).update(
                    outcome=outcome[:200], error="", attempts=F("attempts") + 1
                )
                transition(
                    locked, to=MessageState.PROCESSED, actor=actor, stamp="processed_at", extra={"outcome": outcome}
                )
                failures_resolve_for(
                    connector=connector,
                    kind=FailureKind.EVENT,
                    resource=locked.event_type,
                    key=locked.event_id,
                    resolution=f"Processed: {outcome}",
                    actor=actor,
                )
        except RECORD_ERRORS as exc:
            return _failed(message, ctx, exc)
    log.info("webhook.processed", message=message.pk, outcome=outcome)
    return "processed"


def _failed(message: InboundMessage, ctx: Any, exc: Exception) -> str:
    error = error_text(exc)
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
        try:
            payload: Any = json.loads(locked.body)
        except ValueError:
            payload = None
        failure = failure_record(
            ctx=ctx,
            kind=FailureKind.EVENT,
            resource=locked.event_type or "event",
            key=locked.event_id,
            error=error,
            payload=payload,
            raw="" if payload is not None else locked.body[:65536],
            dead_now=isinstance(exc, RecordConflict),
        )
        InboundMessage.objects.filter(pk=locked.pk).update(
            attempts=F("attempts") + 1, error=error[:5000], updated_at=timezone.now()
        )
        if failure.state == FailureState.DEAD:
            if locked.state == MessageState.RECEIVED:
                transition(locked, to=MessageState.DEAD, actor=None, reason=error[:200])
        else:
            wait = RetryPolicy.of(locked.connector).backoff(failure.attempts) + 1.0
            message_enqueue_on_commit(locked.pk, countdown=wait)
    log.info("webhook.process_failed", message=message.pk, error=error[:300], dead=failure.state == FailureState.DEAD)
    return "failed"


def inbound_message_requeue_stale(*, older_than_minutes: int = 10) -> int:
    """Send again the received messages nobody processed (their message was lost with a broker).
    Idempotent: processing a message twice processes it once."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = list(
        InboundMessage.objects.filter(state=MessageState.RECEIVED, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    if stale:
        with transaction.atomic():
            InboundMessage.objects.filter(pk__in=stale).update(updated_at=timezone.now())
            for message_id in stale:
                message_enqueue_on_commit(message_id)
    return len(stale)
