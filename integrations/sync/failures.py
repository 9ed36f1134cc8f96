"""Failure rows and the dead letter.

A record, page or event that cannot be applied gets one unresolved SyncFailure per key, holding
the payload, the error and the number of attempts. When the attempts reach the connector's
record_max_attempts (at once for conflicts and for pages that failed every HTTP attempt) the
failure is dead-lettered: it moves to dead and a sync_failure exception opens in the entity's
queue. A later successful apply of the same key resolves the failure and its exception.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.context import current_correlation_id
from finops.core.workflow import transition
from integrations.connectors.base import ApplyContext
from integrations.models import Connector, SyncFailure
from integrations.states import UNRESOLVED_FAILURE_STATES, FailureKind, FailureState
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_open, exception_resolve
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, ExceptionKind, ExceptionState

log = structlog.get_logger(__name__)
PAYLOAD_SHOWN_CHARS = 20_000


def pretty(payload: Any) -> str:
    text = json.dumps(payload, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text if len(text) <= PAYLOAD_SHOWN_CHARS else text[:PAYLOAD_SHOWN_CHARS] + "\n…"


def _dead_letter(failure: SyncFailure, connector: Connector) -> None:
    if failure.state == FailureState.OPEN:
        transition(failure, to=FailureState.DEAD, actor=None, reason=failure.error[:200], stamp="dead_at")
    shown = failure.payload if failure.payload is not None else failure.raw
    item, _ = exception_open(
        entity=failure.entity,
        kind=ExceptionKind.SYNC_FAILURE,
        title=f"{connector.name}: {failure.get_kind_display().lower()} {failure.resource}/{failure.key} "
        f"dead-lettered — {failure.error}",
        dedupe_key=f"{ExceptionKind.SYNC_FAILURE}:{SyncFailure._meta.label}:{failure.pk}",
        detail={
            "connector": connector.name,
            "resource": failure.resource,
            "key": failure.key,
            "version": failure.version,
            "attempts": failure.attempts,
            "error": failure.error,
            "payload": pretty(shown) if isinstance(shown, dict | list) else str(shown)[:PAYLOAD_SHOWN_CHARS],
            **({"request": pretty(failure.request)} if failure.request else {}),
        },
        obj=failure,
    )
    if failure.exception_id != item.pk:
        SyncFailure.objects.filter(pk=failure.pk).update(exception=item)
        failure.exception = item
    log.warning(
        "sync.dead_letter",
        connector=connector.pk,
        resource=failure.resource,
        key=failure.key,
        attempts=failure.attempts,
        error=failure.error[:300],
    )


@transaction.atomic
def failure_record(
    *,
    ctx: ApplyContext,
    kind: FailureKind,
    resource: str,
    key: str,
    error: str,
    version: int | None = None,
    payload: Any = None,
    raw: str = "",
    request: dict[str, Any] | None = None,
    attempts: int = 1,
    dead_now: bool = False,
) -> SyncFailure:
    """Record `attempts` more failed attempts of one key. Idempotent per key: the partial unique
    constraint keeps one unresolved failure, which a repeated failure updates."""
    connector = ctx.connector
    now = timezone.now()
    values: dict[str, Any] = {
        "version": version,
        "payload": payload,
        "raw": raw,
        "request": request or {},
        "error": error[:5000],
        "last_attempt_at": now,
        "correlation_id": current_correlation_id(),
    }
    # a replay has no run: the failure keeps pointing at the run (or message) it came from
    if ctx.run is not None:
        values["run"] = ctx.run
    if ctx.message is not None:
        values["message"] = ctx.message
    lookup = {"connector": connector, "kind": kind, "resource": resource, "key": key[:200]}
    failure = SyncFailure.objects.select_for_update().filter(**lookup, state__in=UNRESOLVED_FAILURE_STATES).first()
    if failure is None:
        try:
            with transaction.atomic():
                failure = SyncFailure.objects.create(**lookup, entity=connector.entity, attempts=attempts, **values)
        except IntegrityError:
            failure = SyncFailure.objects.select_for_update().get(**lookup, state__in=UNRESOLVED_FAILURE_STATES)
            failure.attempts += attempts
    else:
        failure.attempts += attempts
    for field, value in values.items():
        setattr(failure, field, value)
    SyncFailure.objects.filter(pk=failure.pk).update(attempts=failure.attempts, **values)
    if dead_now or failure.attempts >= connector.record_max_attempts or failure.state == FailureState.DEAD:
        _dead_letter(failure, connector)
    return failure


def exception_close(item_id: int, *, resolution: str, actor: User | None) -> None:
    """Resolve a dead letter's exception: through the queue's service when a person replayed it,
    as the system when a later sync applied the record."""
    item = ExceptionItem.objects.select_for_update().get(pk=item_id)
    if item.state not in OPEN_EXCEPTION_STATES:
        return
    if actor is not None:
        exception_resolve(item_id=item_id, actor=actor, resolution=resolution)
        return
    ExceptionItem.objects.filter(pk=item.pk).update(resolution=resolution)
    transition(item, to=ExceptionState.RESOLVED, actor=None, reason=resolution, stamp="resolved_at")


def failure_resolve(failure: SyncFailure, *, resolution: str, actor: User | None) -> None:
    """Call inside a transaction with the failure locked."""
    SyncFailure.objects.filter(pk=failure.pk).update(resolution=resolution[:300])
    failure.resolution = resolution[:300]
    transition(failure, to=FailureState.RESOLVED, actor=actor, reason=resolution[:200], stamp="resolved_at")
    if failure.exception_id:
        exception_close(failure.exception_id, resolution=resolution, actor=actor)


def failures_resolve_for(
    *, connector: Connector, kind: FailureKind, resource: str, key: str, resolution: str, actor: User | None
) -> int:
    """Resolve the unresolved failures of one key (a newer or replayed delivery went through)."""
    resolved = 0
    for failure in (
        SyncFailure.objects.select_for_update()
        .filter(connector=connector, kind=kind, resource=resource, key=key, state__in=UNRESOLVED_FAILURE_STATES)
        .order_by("pk")
    ):
        failure_resolve(failure, resolution=resolution, actor=actor)
        resolved += 1
    return resolved
