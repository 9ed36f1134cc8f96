"""The relay: claims due outbox messages and hands each to its handler.

Claiming is one short transaction: SELECT … FOR UPDATE SKIP LOCKED over due rows, then
state=delivering, attempts+1 and a lease. The I/O happens outside any transaction; the outcome
is a compare-and-swap on (state, attempts), so a relay whose lease ran out while it was stuck
cannot overwrite the relay that took the message over. A relay killed mid-delivery leaves the
message delivering; when the lease expires, the next relay claims it again and re-sends it with
the same idempotency key, which is what makes the receiver see the effect once.

Delivery is at least once and not ordered: consumers order by the event's `created` time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from finops.audit.context import correlation
from finops.audit.services import audit_record
from finops.core.workflow import ConcurrentTransition
from finops.outbox.models import OutboxMessage, OutboxState
from finops.outbox.services import _jsonable, outbox_move
from integrations.outbox.handlers import DeliveryError, Handler, PermanentDeliveryError, handler_for
from integrations.retry import OUTBOX_RETRY
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import ExceptionKind

log = structlog.get_logger(__name__)

# Longer than a claimed chunk can take (CLAIM_CHUNK sends × the HTTP timeout), so a live relay
# never loses its messages to another.
LEASE = timedelta(minutes=5)
CLAIM_CHUNK = 10


@dataclass
class RelayReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0  # another relay took the message over (our lease had expired)


def _due(now: Any) -> Q:
    waiting = Q(state__in=[OutboxState.PENDING, OutboxState.FAILED], next_attempt_at__lte=now)
    abandoned = Q(state=OutboxState.DELIVERING, lease_expires_at__lte=now)
    return waiting | abandoned


def outbox_claim(limit: int) -> list[int]:
    """Claim up to `limit` due messages for this relay. Concurrent relays skip each other's
    locked rows, so no message is claimed twice while a lease is live."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(
                state=OutboxState.DELIVERING, attempts=F("attempts") + 1, lease_expires_at=now + LEASE, updated_at=now
            )
    return ids


def outbox_relay(*, batch_size: int = 100) -> RelayReport:
    """Deliver up to `batch_size` due messages. Safe to run in any number of processes at once
    (SKIP LOCKED claims, CAS outcomes); safe to kill at any point (leases, idempotency keys)."""
    report = RelayReport()
    while report.claimed < batch_size:
        ids = outbox_claim(min(CLAIM_CHUNK, batch_size - report.claimed))
        if not ids:
            break
        report.claimed += len(ids)
        for message_id in ids:
            outcome = outbox_deliver(message_id=message_id)
            setattr(report, outcome, getattr(report, outcome) + 1)
    if report.claimed:
        log.info("outbox.relayed", **vars(report))
    return report


def outbox_deliver(*, message_id: int) -> str:
    """Run the handler of one claimed message and record the outcome: "delivered", "retrying",
    "dead" or "lost"."""
    message = OutboxMessage.objects.select_related("entity").get(pk=message_id)
    if message.state != OutboxState.DELIVERING:
        return "lost"
    claimed_attempts = message.attempts
    handler = handler_for(message.topic)
    with correlation(message.correlation_id):
        try:
            if handler is None:
                raise DeliveryError(f"No handler is registered for topic {message.topic!r}.")
            result = dict(handler.deliver(message))
            with transaction.atomic():
                try:
                    outbox_move(
                        message,
                        to=OutboxState.DELIVERED,
                        delivered_at=timezone.now(),
                        result=_jsonable(result),
                        last_error="",
                        lease_expires_at=None,
                    )
                except ConcurrentTransition:
                    return "lost"  # our lease ran out and another relay owns the message now
                if handler.on_delivered is not None:
                    handler.on_delivered(message, result)
        except PermanentDeliveryError as exc:
            if not _still_ours(message, claimed_attempts):
                return "lost"
            return _give_up(message, handler, str(exc))
        except Exception as exc:  # noqa: BLE001 - a handler's bug must not stall the other messages; it is recorded
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            if not _still_ours(message, claimed_attempts):
                return "lost"
            if message.attempts >= OUTBOX_RETRY.max_attempts:
                return _give_up(message, handler, error)
            return _retry_later(message, error)
    return "delivered"


def _still_ours(message: OutboxMessage, claimed_attempts: int) -> bool:
    """Reload after a failed attempt (a rolled-back on_delivered leaves the instance stale) and
    say whether this relay still holds the claim."""
    message.refresh_from_db()
    return message.state == OutboxState.DELIVERING and message.attempts == claimed_attempts


def _retry_later(message: OutboxMessage, error: str) -> str:
    try:
        outbox_move(
            message,
            to=OutboxState.FAILED,
            next_attempt_at=timezone.now() + OUTBOX_RETRY.delay(message.attempts),
            last_error=error[:4000],
            lease_expires_at=None,
        )
    except ConcurrentTransition:
        return "lost"
    log.warning("outbox.attempt_failed", message_id=message.pk, topic=message.topic, attempts=message.attempts)
    return "retrying"


def _give_up(message: OutboxMessage, handler: Handler | None, error: str) -> str:
    """Park the message as dead and open a sync_failure exception for the entity's admins, in
    one transaction; an admin's retry (finops.outbox.services.outbox_retry) gives it fresh attempts."""
    try:
        with transaction.atomic():
            outbox_move(message, to=OutboxState.DEAD, last_error=error[:4000], lease_expires_at=None)
            audit_record(
                message,
                action="outbox.dead",
                actor=None,
                before={"state": OutboxState.DELIVERING},
                after={"state": OutboxState.DEAD, "attempts": message.attempts, "last_error": error[:500]},
            )
            if handler is not None and handler.on_dead is not None:
                handler.on_dead(message)
            if message.entity is not None:
                exception_open(
                    entity=message.entity,
                    kind=ExceptionKind.SYNC_FAILURE,
                    title=f"Could not deliver {message.topic} after {message.attempts} attempts",
                    dedupe_key=f"outbox:{message.pk}",
                    detail={
                        "topic": message.topic,
                        "idempotency_key": message.idempotency_key,
                        "attempts": message.attempts,
                        "last_error": error[:500],
                    },
                    obj=message,
                )
            else:
                log.error("outbox.dead_without_entity", message_id=message.pk, topic=message.topic, error=error)
    except ConcurrentTransition:
        return "lost"
    return "dead"
