"""Match runs of every kind: request one, claim it, report progress, finish it, find it again.

Every kind (3-way match, cash application, bank reconciliation) runs the same way: a service asks
for a run of (kind, entity, currency) with match_run_request (on demand, after an import or a
sync, after a person's decision), a worker executes it with match_run_execute (the Celery task
below), which claims it, hands a MatchRunContext to the executor registered for the kind, and
records its counts; match_lease_sweep hands a dead worker's run to another worker.

A kind plugs in with match_kind_register(MatchKindSpec(kind, execute, request_perms)): execute(ctx)
does the matching, reports progress with ctx.progress(processed, total) (which renews the lease,
and raises LeaseLost when the run is no longer ours), wraps each write in ctx.writing() (the
run's row locked and its lease checked, the scope's advisory lock held, so two overlapping runs
of one scope never interleave their writes), and returns a MatchOutcome (counts, rule version).
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import structlog
from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.selectors import entities_for, holds_any
from finops.audit.context import correlation
from finops.audit.services import audit_record
from finops.core.leases import leases_sweep
from finops.core.workflow import WorkflowError, transition
from finops.masterdata.models import LegalEntity
from reconciliation.matching.models import MatchRun
from reconciliation.matching.states import LIVE_MATCH_RUN_STATES, MatchKind, MatchRunState, MatchTrigger

log = structlog.get_logger(__name__)
MAX_CLAIMS = 5  # a run whose worker died this often is parked as failed
STUCK_QUEUED_AFTER = timedelta(minutes=10)


class LeaseLost(Exception):
    """The run is no longer ours: the sweeper requeued it, or it was finished elsewhere."""


@dataclass(frozen=True)
class MatchOutcome:
    """What an executor reports: its counts (shown on the run's page, returned by the API and the
    command) and the version of the rules and tolerances it ran under."""

    counts: Mapping[str, Any]
    rule_version: str = ""


@dataclass(frozen=True)
class MatchKindSpec:
    """A kind of matching: how to execute a run of it, and whose role in an entity may ask for one
    on demand (entity permissions of finops.accounts.roles)."""

    kind: str
    execute: Callable[[MatchRunContext], MatchOutcome]
    request_perms: tuple[str, ...]
    by_currency: bool = False
    """Whether runs of the kind may be limited to one currency of the entity (a run's currency);
    otherwise a run covers the whole entity and a currency is refused."""
    export: Callable[..., Any] | None = None
    """export(entity_ids=[...]) -> an object with `columns`, `rows` (an iterator of tuples) and a
    `summary` dict, for `manage.py export_matches KIND`; None: the kind exports nothing."""


_KINDS: dict[str, MatchKindSpec] = {}


def match_kind_register(spec: MatchKindSpec) -> None:
    """Called at start-up by the module that runs a kind (its app's registrations)."""
    if spec.kind not in MatchKind.values:
        raise ValueError(f"{spec.kind!r} is not a MatchKind.")
    _KINDS[spec.kind] = spec


def match_kinds() -> list[str]:
    """The kinds that can run, in MatchKind's order."""
    return [kind for kind in MatchKind.values if kind in _KINDS]


def match_kind_spec(kind: str) -> MatchKindSpec:
    spec = _KINDS.get(kind)
    if spec is None:
        raise WorkflowError(f"{kind!r} is not a kind of matching this installation runs ({', '.join(match_kinds())}).")
    return spec


def match_may_request(user: User, kind: str, entity: LegalEntity) -> bool:
    """Whether the user's role in the entity lets them ask for a run of this kind."""
    spec = _KINDS.get(kind)
    return spec is not None and holds_any(user, spec.request_perms, entity)


def lease_seconds() -> int:
    return int(getattr(settings, "FCT_MATCH_LEASE_SECONDS", 300))


# --- queueing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchRunRequest:
    run: MatchRun
    created: bool
    """False: a run of the scope was already queued or running; `run` is that one."""


def _enqueue(run_id: int) -> None:
    match_run_execute_task.apply_async(args=[run_id])


def match_run_enqueue_on_commit(run_id: int) -> None:
    transaction.on_commit(partial(_enqueue, run_id))


def match_run_request(
    *,
    kind: str,
    entity: LegalEntity,
    trigger: str,
    currency: str = "",
    detail: str = "",
    actor: User | None = None,
    enqueue: bool = True,
) -> MatchRunRequest:
    """Queue a run of `kind` over `entity` (and `currency`, blank for all) and enqueue it for a
    worker once the transaction commits (`enqueue` False: the caller executes it itself).

    An `actor` must see the entity (else Http404) and hold one of the kind's request permissions
    there (else PermissionDenied). Idempotent per scope: while a run of the scope is queued, that
    run is returned; while one is running, it is marked to run again when it finishes (the data
    it loaded may be older than what triggered this request) and returned."""
    spec = match_kind_spec(kind)
    if actor is not None:
        if not entities_for(actor).filter(pk=entity.pk).exists():
            raise Http404("No such record.")
        if not holds_any(actor, spec.request_perms, entity):
            raise PermissionDenied("Your role in this entity does not allow running this matching.")
    if currency and not spec.by_currency:
        raise WorkflowError(f"{MatchKind(kind).label} runs per entity, not per currency.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = MatchRun.objects.create(
                    kind=kind,
                    entity=entity,
                    currency=currency,
                    trigger=trigger,
                    trigger_detail=detail[:200],
                    triggered_by=actor,
                )
        except IntegrityError:
            live = (
                MatchRun.objects.select_for_update()
                .filter(kind=kind, entity=entity, currency=currency, state__in=LIVE_MATCH_RUN_STATES)
                .first()
            )
            if live is None:  # it finished between our insert and our look; ask again
                return match_run_request(
                    kind=kind,
                    entity=entity,
                    trigger=trigger,
                    currency=currency,
                    detail=detail,
                    actor=actor,
                    enqueue=enqueue,
                )
            if live.state == MatchRunState.RUNNING and not live.rerun_requested:
                MatchRun.objects.filter(pk=live.pk).update(rerun_requested=True)
                live.rerun_requested = True
            return MatchRunRequest(live, created=False)
        audit_record(
            run,
            action="match_run.queued",
            actor=actor,
            after={"kind": kind, "entity": entity.code, "currency": currency, "trigger": trigger, "detail": detail},
        )
        if enqueue:
            match_run_enqueue_on_commit(run.pk)
    return MatchRunRequest(run, created=True)


def match_run_ask(*, actor: User, kind: str, entity_code: str, currency: str = "") -> MatchRunRequest:
    """Run now, as a person asks for it on a page, over the API or the command line: the entity by
    its code (Http404 when the user does not see it, exactly as for one that does not exist)."""
    entity = entities_for(actor).filter(code=entity_code).first()
    if entity is None:
        raise Http404("No such record.")
    return match_run_request(
        kind=kind, entity=entity, currency=currency, trigger=MatchTrigger.MANUAL, detail="run now", actor=actor
    )


# --- executing -------------------------------------------------------------------------------


class MatchRunContext:
    """A claimed run while its executor works: progress, the lease, and the write lock."""

    def __init__(self, run: MatchRun, lease_token: str) -> None:
        self.run = run
        self.lease_token = lease_token

    @property
    def entity(self) -> LegalEntity:
        return self.run.entity

    @property
    def currency(self) -> str:
        return self.run.currency

    def progress(self, processed: int, total: int | None = None) -> None:
        """Record how far the run is (and, when known, how much there is) and renew the lease.
        Raises LeaseLost when the run is no longer this worker's."""
        values: dict[str, Any] = {
            "processed": processed,
            "lease_expires_at": timezone.now() + timedelta(seconds=lease_seconds()),
            "updated_at": timezone.now(),
        }
        if total is not None:
            values["total"] = total
        updated = MatchRun.objects.filter(
            pk=self.run.pk, state=MatchRunState.RUNNING, lease_token=self.lease_token
        ).update(**values)
        if updated != 1:
            raise LeaseLost(f"Match run {self.run.pk} is no longer ours.")
        self.run.processed = processed
        if total is not None:
            self.run.total = total

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A transaction in which the executor writes one part of its results. The scope's advisory
        lock is held until commit, so the writes of two runs of one scope never interleave (a run
        the sweeper handed to a second worker while the first still writes), and the lease is
        checked once the lock is held: LeaseLost, nothing written, when the run is no longer this
        worker's. The run's row itself is not locked, so asking for a run meanwhile does not wait.
        Call progress() after the block, not inside it."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, scope_lock_key(self.run)])
            if not MatchRun.objects.filter(
                pk=self.run.pk, state=MatchRunState.RUNNING, lease_token=self.lease_token
            ).exists():
                raise LeaseLost(f"Match run {self.run.pk} is no longer ours.")
            yield


_LOCK_SPACE = 7_400_011  # the first key of pg_advisory_xact_lock(int, int) for match-run scopes


def scope_lock_key(run: MatchRun) -> int:
    """A stable 32-bit key of the run's scope (kind, entity, currency) for the advisory lock."""
    return zlib.crc32(f"{run.kind}:{run.entity_id}:{run.currency}".encode()) - 2**31


def match_run_claim(run_id: int) -> MatchRunContext | None:
    """queued → running with a fresh lease token, or None when the run is not queued (any more)."""
    with transaction.atomic():
        run = (
            MatchRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("entity")
            .filter(pk=run_id, state=MatchRunState.QUEUED)
            .first()
        )
        if run is None:
            return None
        token = uuid.uuid4().hex
        now = timezone.now()
        transition(run, to=MatchRunState.RUNNING, actor=None, extra={"attempt": run.attempt + 1})
        MatchRun.objects.filter(pk=run.pk).update(
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds()),
            attempt=F("attempt") + 1,
            started_at=Coalesce("started_at", now),
        )
        run.refresh_from_db()
    return MatchRunContext(run, token)


def match_run_execute(*, run_id: int) -> str:
    """Execute one queued run; returns its final state ("" when it was not ours to run).

    Idempotent: the claim is a compare-and-swap queued → running, so a redelivered message finds
    the run claimed or finished and returns; what a run writes is idempotent itself (a second run
    over unchanged data changes nothing), so a run requeued after its worker died is simply run
    again."""
    ctx = match_run_claim(run_id)
    if ctx is None:
        return ""
    run = ctx.run
    with correlation(run.correlation_id):
        log.info("match.run_started", run=run.pk, kind=run.kind, entity=run.entity.code, attempt=run.attempt)
        outcome: MatchOutcome | None = None
        fatal = ""
        try:
            outcome = match_kind_spec(run.kind).execute(ctx)
        except LeaseLost:
            log.warning("match.lease_lost", run=run.pk)
            return ""
        except WorkflowError as exc:
            fatal = str(exc)
        except Exception as exc:  # a bug must end the run as failed (logged), never leave it running
            log.exception("match.run_crashed", run=run.pk)
            fatal = f"Unexpected error: {type(exc).__name__}: {exc}"
        return _finish(ctx, outcome, fatal=fatal)


@shared_task(acks_late=True, name="reconciliation.matching.tasks.match_run_execute_task")
def match_run_execute_task(run_id: int) -> None:
    """Run one MatchRun. Idempotent: a redelivered message finds the run claimed or finished."""
    match_run_execute(run_id=run_id)


def _finish(ctx: MatchRunContext, outcome: MatchOutcome | None, *, fatal: str) -> str:
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().select_related("entity").get(pk=ctx.run.pk)
        if run.state != MatchRunState.RUNNING or run.lease_token != ctx.lease_token:
            return ""
        counts = dict(outcome.counts) if outcome is not None else dict(run.counts or {})
        state = MatchRunState.FAILED if fatal or outcome is None else MatchRunState.SUCCEEDED
        MatchRun.objects.filter(pk=run.pk).update(
            counts=counts,
            rule_version=(outcome.rule_version if outcome is not None else run.rule_version)[:200],
            error=fatal[:5000],
            lease_expires_at=None,
        )
        run.counts, run.error = counts, fatal
        transition(run, to=state, actor=None, reason=fatal[:200], stamp="finished_at", extra=counts)
        if run.rerun_requested:
            _successor(run)
    log.info("match.run_finished", run=run.pk, state=state, counts=counts)
    return state


def _successor(run: MatchRun) -> None:
    match_run_request(
        kind=run.kind,
        entity=run.entity,
        currency=run.currency,
        trigger=MatchTrigger.RERUN,
        detail=f"data changed while run {run.pk} worked",
    )


def match_run_fail(run: MatchRun, *, error: str) -> None:
    """End a run that cannot go on (parked by the sweeper). Call inside a transaction, run locked."""
    MatchRun.objects.filter(pk=run.pk).update(error=error[:5000], lease_expires_at=None, lease_token="")
    run.error = error
    transition(run, to=MatchRunState.FAILED, actor=None, reason=error[:200], stamp="finished_at")
    if run.rerun_requested:
        _successor(run)


def match_lease_sweep(*, now: datetime | None = None) -> list[int]:
    """Requeue (running → queued) every run whose lease expired, and enqueue it again after commit;
    park a run whose worker died MAX_CLAIMS times as failed. Send a queued run whose message was
    lost (queued for longer than STUCK_QUEUED_AFTER) again.

    Idempotent: each run is locked with skip_locked and moved by a compare-and-swap, so two
    sweepers requeue it once; a queued run enqueued twice is claimed once."""

    def requeue(run: MatchRun) -> bool:
        if run.attempt >= MAX_CLAIMS:
            match_run_fail(run, error=f"The worker running this match stopped {run.attempt} times; parked.")
            return False
        MatchRun.objects.filter(pk=run.pk).update(lease_token="", lease_expires_at=None)
        transition(run, to=MatchRunState.QUEUED, actor=None, reason="Lease expired: the worker stopped reporting.")
        match_run_enqueue_on_commit(run.pk)
        log.warning("match.lease_expired", run=run.pk, attempt=run.attempt)
        return True

    return leases_sweep(
        MatchRun,
        now=now or timezone.now(),
        running=MatchRunState.RUNNING,
        queued=MatchRunState.QUEUED,
        stuck_after=STUCK_QUEUED_AFTER,
        requeue=requeue,
        enqueue=_enqueue,
        related=("entity",),
    )


# --- the command line ------------------------------------------------------------------------


def match_entities(entity_code: str = "") -> list[LegalEntity]:
    """The entities a command covers: the one of `entity_code`, or all of them; WorkflowError
    naming the known codes for an unknown one."""
    entities = LegalEntity.objects.order_by("code")
    if not entity_code:
        return list(entities)
    found = list(entities.filter(code=entity_code))
    if not found:
        known = ", ".join(entities.values_list("code", flat=True)) or "none"
        raise WorkflowError(f"{entity_code!r} is not a legal entity (the entities are {known}).")
    return found


def match_runs_now(*, kind: str, entity_code: str = "", currency: str = "") -> dict[str, Any]:
    """Run `kind` now, in this process, for the entity of `entity_code` (every entity when blank),
    each as a MatchRun with the command as its trigger; returns the summary the command prints:
    every run with its counts, and the counts added up.

    A run of the scope already queued is taken over and run here; one already running (a worker
    has it) is not waited for. Raises WorkflowError naming the entity when a code is unknown, a
    run is already running, or a run failed; runs of other entities done before it stay done."""
    entities = match_entities(entity_code)
    runs: list[dict[str, Any]] = []
    totals: dict[str, Any] = {}
    for entity in entities:
        asked = match_run_request(
            kind=kind,
            entity=entity,
            currency=currency,
            trigger=MatchTrigger.MANUAL,
            detail="manage.py run_matching",
            enqueue=False,
        )
        run = asked.run
        if run.state == MatchRunState.RUNNING:
            raise WorkflowError(
                f"{entity.code}: run {run.pk} is already running (since {run.started_at:%Y-%m-%d %H:%M:%S} UTC); "
                "it will match this data. Nothing was run here."
            )
        state = match_run_execute(run_id=run.pk)
        run.refresh_from_db()
        if state == "":
            raise WorkflowError(f"{entity.code}: run {run.pk} was taken by a worker before it could run here.")
        if state == MatchRunState.FAILED:
            raise WorkflowError(f"{entity.code}: run {run.pk} failed: {run.error}")
        runs.append({"run": run.pk, "entity": entity.code, "currency": currency, "state": state, **run.counts})
        _add_up(totals, run.counts)
    return {"kind": kind, "entities": len(runs), **totals, "runs": runs}


def _add_up(totals: dict[str, Any], counts: Mapping[str, Any]) -> None:
    for key, value in counts.items():
        if isinstance(value, Mapping):
            _add_up(totals.setdefault(key, {}), value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            totals[key] = round(totals.get(key, 0) + value, 3)
