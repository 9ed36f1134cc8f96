"""Sync runs: queue one (Run now, the scheduler), execute it (a worker), finish it (health, marks)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

import structlog
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.context import correlation
from finops.audit.services import audit_record
from finops.core.workflow import WorkflowError, transition
from integrations.connectors import spec_for
from integrations.credentials import CredentialsUnreadable
from integrations.models import Connector, SyncRun
from integrations.states import SyncState
from integrations.sync.context import LeaseLost, RunContext, lease_seconds
from integrations.sync.failures import exception_close
from integrations.sync.http import ConnectorError
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.services import exception_open
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, ExceptionKind
from reconciliation.matching.triggers import three_way_after_sync

log = structlog.get_logger(__name__)
FAILING_STREAK = 3


class SyncAlreadyLive(WorkflowError):
    pass


def enqueue_options() -> dict[str, str]:
    queue = getattr(settings, "FCT_INTEGRATIONS_QUEUE", "")
    return {"queue": queue} if queue else {}


def _enqueue(run_id: int) -> None:
    sync_run_execute_task.apply_async(args=[run_id], **enqueue_options())


def sync_run_enqueue_on_commit(run_id: int) -> None:
    transaction.on_commit(partial(_enqueue, run_id))


def sync_run_queue(connector: Connector, *, actor: User | None) -> SyncRun:
    """Queue a run of a locked connector and enqueue it once the transaction commits."""
    spec = spec_for(connector.kind)
    if not spec.can_pull:
        raise WorkflowError(f"{connector.name} receives its data; there is nothing to run.")
    if not connector.is_enabled:
        raise WorkflowError(f"{connector.name} is disabled. Enable it first.")
    if spec.uses_base_url and not connector.base_url:
        raise WorkflowError(f"{connector.name} has no base URL yet.")
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(connector=connector, entity=connector.entity, triggered_by=actor)
    except IntegrityError as exc:
        raise SyncAlreadyLive(f"{connector.name} already has a run queued or running.") from exc
    audit_record(run, action="sync.queued", actor=actor, after={"connector": connector.name})
    sync_run_enqueue_on_commit(run.pk)
    return run


@transaction.atomic
def sync_run_request(*, connector_id: int, actor: User | None) -> SyncRun:
    """Run now. Refuses a second live run of the same connector (partial unique constraint)."""
    connector = Connector.objects.select_for_update().select_related("entity").get(pk=connector_id)
    if actor is not None:
        require_entity_perm(actor, ADMINISTER_ENTITY, connector.entity)
    return sync_run_queue(connector, actor=actor)


def sync_run_claim(run_id: int) -> tuple[SyncRun, str] | None:
    """queued → running with a fresh lease token, or None when the run is not queued (any more)."""
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("connector", "connector__entity")
            .filter(pk=run_id, state=SyncState.QUEUED)
            .first()
        )
        if run is None:
            return None
        if not run.connector.is_enabled:
            SyncRun.objects.filter(pk=run.pk).update(error="The connector was disabled before the run started.")
            transition(run, to=SyncState.FAILED, actor=None, reason="connector disabled", stamp="finished_at")
            return None
        token = uuid.uuid4().hex
        now = timezone.now()
        transition(run, to=SyncState.RUNNING, actor=None, extra={"attempt": run.attempt + 1})
        SyncRun.objects.filter(pk=run.pk).update(
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds()),
            attempt=F("attempt") + 1,
            started_at=Coalesce("started_at", now),
        )
        run.refresh_from_db()
    return run, token


def sync_run_execute(*, sync_run_id: int) -> str:
    """Execute one queued run; returns its final state ("" when it was not ours to run).

    Idempotent: the claim is a compare-and-swap queued → running, so a redelivered message finds
    the run claimed or finished and returns. Records are applied through the ledger, so a run
    resumed after its worker died re-applies nothing."""
    claimed = sync_run_claim(sync_run_id)
    if claimed is None:
        return ""
    run, token = claimed
    connector = run.connector
    with correlation(run.correlation_id):
        log.info("sync.run_started", run=run.pk, connector=connector.pk, attempt=run.attempt)
        ctx = RunContext(run, connector, token)
        fatal = ""
        try:
            if ctx.spec.pull is None:
                raise ConnectorError(f"{connector.get_kind_display()} connectors receive their data; nothing to pull.")
            ctx.spec.pull(ctx)
        except LeaseLost:
            log.warning("sync.lease_lost", run=run.pk)
            return ""
        except (ConnectorError, CredentialsUnreadable) as exc:
            fatal = str(exc)
        except Exception as exc:  # a bug must end the run as failed (logged), never leave it running
            log.exception("sync.run_crashed", run=run.pk)
            fatal = f"Unexpected error: {type(exc).__name__}: {exc}"
        return _finish(ctx, fatal=fatal)


# Beside the function it runs, so that queueing a run needs no import of integrations.tasks (which
# lists it for Celery's autodiscovery); the name is the one the task always had.
@shared_task(acks_late=True, name="integrations.tasks.sync_run_execute_task")
def sync_run_execute_task(sync_run_id: int) -> None:
    """Run one SyncRun. Idempotent: a redelivered message finds the run claimed or finished."""
    sync_run_execute(sync_run_id=sync_run_id)


def _finish(ctx: RunContext, *, fatal: str) -> str:
    try:
        ctx.flush()
    except LeaseLost:
        return ""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=ctx.run.pk)
        if run.state != SyncState.RUNNING or run.lease_token != ctx.lease_token:
            return ""
        if fatal:
            state, error = SyncState.FAILED, fatal
        elif run.failed:
            state = SyncState.PARTLY_FAILED
            pages = min(ctx.page_failures, run.failed)
            parts = [f"{run.failed - pages} of {run.received} record(s) failed"] if run.failed > pages else []
            parts += [f"{pages} page(s) could not be read"] if pages else []
            error = "; ".join(parts) + ". See the failures below."
        else:
            state, error = SyncState.SUCCEEDED, ""
        SyncRun.objects.filter(pk=run.pk).update(error=error[:5000], lease_expires_at=None)
        run.error = error
        counts = {f: getattr(run, f) for f in ("received", "created", "updated", "unchanged", "duplicates", "failed")}
        transition(run, to=state, actor=None, reason=error[:200], stamp="finished_at", extra=counts)
        _health_record(run, state)
        if state != SyncState.FAILED and run.created + run.updated:
            # invoices, orders or receipts arrived: match them (after commit, by a worker)
            three_way_after_sync(entity_id=run.entity_id, resources=(run.progress or {}).keys(), sync_run_id=run.pk)
    log.info("sync.run_finished", run=run.pk, state=state, **counts)
    return state


def _failing_key(connector: Connector) -> str:
    return f"{ExceptionKind.SYNC_FAILURE}:{Connector._meta.label}:{connector.pk}:failing"


def _health_record(run: SyncRun, state: str) -> None:
    connector = Connector.objects.select_for_update().get(pk=run.connector_id)
    now = timezone.now()
    if state == SyncState.SUCCEEDED:
        marks = {**(connector.high_water_marks or {}), **(run.high_water_marks or {})}
        Connector.objects.filter(pk=connector.pk).update(last_success_at=now, failure_streak=0, high_water_marks=marks)
        open_item = ExceptionItem.objects.filter(dedupe_key=_failing_key(connector), state__in=OPEN_EXCEPTION_STATES)
        for item_id in open_item.values_list("pk", flat=True):
            exception_close(item_id, resolution=f"Run {run.pk} succeeded.", actor=None)
        return
    streak = connector.failure_streak + 1
    Connector.objects.filter(pk=connector.pk).update(failure_streak=streak, last_failure_at=now)
    if state == SyncState.FAILED and streak >= FAILING_STREAK:
        exception_open(
            entity=connector.entity,
            kind=ExceptionKind.SYNC_FAILURE,
            title=f"{connector.name}: {streak} runs in a row did not succeed — {run.error}",
            dedupe_key=_failing_key(connector),
            detail={"connector": connector.name, "last run": run.pk, "error": run.error, "failure streak": streak},
            obj=connector,
        )


def sync_run_fail(run: SyncRun, *, error: str) -> None:
    """End a run that cannot go on (parked by the sweeper). Call inside a transaction, run locked."""
    SyncRun.objects.filter(pk=run.pk).update(error=error[:5000], lease_expires_at=None, lease_token="")
    run.error = error
    transition(run, to=SyncState.FAILED, actor=None, reason=error[:200], stamp="finished_at")
    _health_record(run, SyncState.FAILED)
