"""Replay from the screen: another attempt of a dead (or open) failure with what was stored.

A record is applied again from its stored payload; a page is fetched again with its stored
request and its records applied; an event is processed again from its kept body. Success
resolves the failure and its sync_failure exception; another failure adds an attempt.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.context import correlation
from finops.core.workflow import WorkflowError
from integrations.connectors import apply_context, spec_for
from integrations.connectors.base import ApplyContext
from integrations.credentials import CredentialsUnreadable
from integrations.models import SyncFailure, SyncRun
from integrations.states import UNRESOLVED_FAILURE_STATES, ApplyOutcome, FailureKind, FailureState
from integrations.sync.context import client_for, error_text
from integrations.sync.failures import failure_record, failure_resolve
from integrations.sync.http import ConnectorError
from integrations.sync.ledger import RECORD_ERRORS, RecordConflict, content_hash, record_apply
from integrations.sync.paging import page_fetch
from integrations.webhooks.processing import inbound_message_process


@dataclass(frozen=True)
class ReplayResult:
    ok: bool
    message: str


def _resolve(failure_id: int, *, resolution: str, actor: User) -> None:
    with transaction.atomic():
        failure = SyncFailure.objects.select_for_update().get(pk=failure_id)
        if failure.state in UNRESOLVED_FAILURE_STATES:
            failure_resolve(failure, resolution=resolution, actor=actor)


def _record(ctx: ApplyContext, failure: SyncFailure, payload: Any, resource_name: str) -> str:
    resource = spec_for(failure.connector.kind).resource(resource_name)
    try:
        return record_apply(ctx, resource, payload)
    except RECORD_ERRORS as exc:
        is_dict = isinstance(payload, dict)
        key = str(payload.get(resource.id_field) or "") if is_dict else ""
        failure_record(
            ctx=ctx,
            kind=FailureKind.RECORD,
            resource=resource.name,
            key=key or "no-id:" + content_hash(payload)[:16],
            error=error_text(exc),
            payload=payload if is_dict else {"value": payload},
            dead_now=isinstance(exc, RecordConflict),
        )
        return ApplyOutcome.FAILED


def _replay_record(ctx: ApplyContext, failure: SyncFailure, actor: User) -> ReplayResult:
    outcome = _record(ctx, failure, failure.payload, failure.resource)
    if outcome == ApplyOutcome.FAILED:
        failure.refresh_from_db()
        return ReplayResult(False, f"Still failing (attempt {failure.attempts}): {failure.error}")
    # a duplicate or stale outcome means the ledger already holds this version or a newer one
    _resolve(failure.pk, resolution=f"Replayed: {outcome}.", actor=actor)
    return ReplayResult(True, f"Replayed: {outcome}.")


def _replay_page(ctx: ApplyContext, failure: SyncFailure, actor: User) -> ReplayResult:
    try:
        page = page_fetch(client_for(failure.connector), failure.request)
    except (ConnectorError, CredentialsUnreadable) as exc:
        failure_record(
            ctx=ctx,
            kind=FailureKind.PAGE,
            resource=failure.resource,
            key=failure.key,
            error=str(exc),
            raw=getattr(exc, "raw", ""),
            request=failure.request,
        )
        return ReplayResult(False, f"The page still cannot be read: {exc}")
    extra = failure.request.get("extra") or {}
    outcomes = Counter(
        _record(ctx, failure, {**record, **extra} if isinstance(record, dict) else record, failure.resource)
        for record in page["data"]
    )
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "no records"
    _resolve(failure.pk, resolution=f"Page read again: {summary}.", actor=actor)
    failed = outcomes.get(ApplyOutcome.FAILED, 0)
    message = f"Page read again: {summary}." + (
        f" {failed} record(s) failed and are listed separately." if failed else ""
    )
    return ReplayResult(failed == 0, message)


def _replay_event(failure: SyncFailure, actor: User) -> ReplayResult:
    if failure.message_id is None:
        return ReplayResult(False, "The event's message is gone.")
    result = inbound_message_process(message_id=failure.message_id, actor=actor)
    failure.refresh_from_db()
    if failure.state == FailureState.RESOLVED or result == "skipped":
        if failure.state != FailureState.RESOLVED:
            _resolve(failure.pk, resolution="The event was already processed.", actor=actor)
        return ReplayResult(True, "Event processed.")
    return ReplayResult(False, f"Still failing (attempt {failure.attempts}): {failure.error}")


def failure_replay(*, failure_id: int, actor: User) -> ReplayResult:
    """Replay one failure (admins of its entity). Idempotent: a resolved failure is refused, and
    everything applied goes through the ledger or the message's own state."""
    failure = SyncFailure.objects.select_related("connector", "connector__entity", "entity").get(pk=failure_id)
    require_entity_perm(actor, ADMINISTER_ENTITY, failure.entity)
    if failure.state == FailureState.RESOLVED:
        raise WorkflowError("This failure is already resolved.")
    ctx = apply_context(failure.connector, actor=actor)
    with correlation(failure.correlation_id or None):
        if failure.kind == FailureKind.RECORD:
            return _replay_record(ctx, failure, actor)
        if failure.kind == FailureKind.PAGE:
            return _replay_page(ctx, failure, actor)
        return _replay_event(failure, actor)


def run_replay(*, run_id: int, actor: User) -> ReplayResult:
    """Replay every unresolved failure of a run: pages first (their records may fix the rest)."""
    run = SyncRun.objects.select_related("entity").get(pk=run_id)
    require_entity_perm(actor, ADMINISTER_ENTITY, run.entity)
    failures = list(
        SyncFailure.objects.filter(run=run, state__in=UNRESOLVED_FAILURE_STATES)
        .order_by("kind", "pk")
        .values_list("pk", "kind")
    )
    if not failures:
        raise WorkflowError("This run has no unresolved failures.")
    ordered = [pk for pk, kind in failures if kind == FailureKind.PAGE] + [
        pk for pk, kind in failures if kind != FailureKind.PAGE
    ]
    results = []
    for pk in ordered:
        # a page read again may already have resolved the records that failed in it
        if SyncFailure.objects.filter(pk=pk, state__in=UNRESOLVED_FAILURE_STATES).exists():
            results.append(failure_replay(failure_id=pk, actor=actor))
        else:
            results.append(ReplayResult(True, "Resolved by an earlier replay."))
    ok = sum(r.ok for r in results)
    return ReplayResult(
        ok == len(results), f"Replayed {len(results)} failure(s): {ok} went through, {len(results) - ok} still failing."
    )
