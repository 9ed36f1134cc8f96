"""Writes on exception items. Every change is a transition or an audited assignment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, VIEW_ENTITY
from finops.accounts.selectors import require_entity_perm, require_entity_work
from finops.audit.context import current_correlation_id
from finops.audit.services import AuditEntry, audit_entries, audit_record
from finops.core.bulk import ids_reserve, rows_copy
from finops.core.workflow import Move, WorkflowError, transition, transitions_apply
from finops.masterdata.events import CounterpartyConflict
from finops.masterdata.models import LegalEntity
from finops.outbox.events import event_has_subscribers
from reconciliation.exceptions.events import exception_created_publish
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, ExceptionKind, ExceptionState


@transaction.atomic
def exception_open(
    *,
    entity: LegalEntity,
    kind: str,
    title: str,
    dedupe_key: str,
    detail: dict[str, Any] | None = None,
    amount: Decimal | None = None,
    currency: str = "",
    obj: Any = None,
) -> tuple[ExceptionItem, bool]:
    """Open an exception, or return the open one for the same cause (dedupe_key), and announce a new
    one (exception-created). Idempotent: the partial unique constraint allows one open item per
    cause; finding it again announces nothing."""
    existing = ExceptionItem.objects.filter(dedupe_key=dedupe_key, state__in=OPEN_EXCEPTION_STATES).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            item = ExceptionItem.objects.create(
                entity=entity,
                kind=kind,
                title=title[:200],
                dedupe_key=dedupe_key,
                detail=detail or {},
                amount=amount,
                currency=currency,
                correlation_id=current_correlation_id(),
                object_type=obj._meta.label if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
            )
    except IntegrityError:
        # another worker opened it between our check and our insert
        return ExceptionItem.objects.get(dedupe_key=dedupe_key, state__in=OPEN_EXCEPTION_STATES), False
    audit_record(item, action="exception.created", actor=None, after={"kind": kind, "title": title})
    exception_created_publish(item)
    return item, True


def counterparty_conflict_open(event: CounterpartyConflict) -> None:
    """Subscriber of CounterpartyConflict: one open master-data conflict per cause."""
    exception_open(
        entity=event.entity,
        kind=ExceptionKind.MASTER_DATA_CONFLICT,
        title=event.title,
        dedupe_key=f"{ExceptionKind.MASTER_DATA_CONFLICT}:{event.cause}",
        detail=event.detail,
        obj=event.counterparty,
    )


def _lock(pk: int) -> ExceptionItem:
    return ExceptionItem.objects.select_for_update().select_related("entity").get(pk=pk)


@transaction.atomic
def exception_assign(*, item_id: int, assignee: User, actor: User) -> ExceptionItem:
    item = _lock(item_id)
    require_entity_work(actor, item.entity)
    require_entity_perm(assignee, VIEW_ENTITY, item.entity)
    if item.state not in OPEN_EXCEPTION_STATES:
        raise WorkflowError("Only an open exception can be assigned.")
    before = item.assignee.get_username() if item.assignee else ""
    ExceptionItem.objects.filter(pk=item.pk).update(assignee=assignee)
    item.assignee = assignee
    audit_record(
        item,
        action="exception.assigned",
        actor=actor,
        before={"assignee": before},
        after={"assignee": assignee.get_username()},
    )
    return item


@transaction.atomic
def exception_start(*, item_id: int, actor: User) -> ExceptionItem:
    item = _lock(item_id)
    require_entity_work(actor, item.entity)
    if item.assignee_id is None:
        ExceptionItem.objects.filter(pk=item.pk).update(assignee=actor)
        item.assignee = actor
    transition(item, to=ExceptionState.IN_PROGRESS, actor=actor)
    return item


@transaction.atomic
def exception_resolve(*, item_id: int, actor: User, resolution: str) -> ExceptionItem:
    if not resolution.strip():
        raise WorkflowError("Describe how the exception was resolved.")
    item = _lock(item_id)
    require_entity_work(actor, item.entity)
    ExceptionItem.objects.filter(pk=item.pk).update(resolution=resolution)
    transition(item, to=ExceptionState.RESOLVED, actor=actor, reason=resolution, stamp="resolved_at")
    return item


@transaction.atomic
def exception_write_off(*, item_id: int, actor: User, reason: str) -> ExceptionItem:
    """Writing off needs a controller of the entity (approve_payments) and a reason."""
    if not reason.strip():
        raise WorkflowError("Say why the exception is written off.")
    item = _lock(item_id)
    require_entity_perm(actor, APPROVE_PAYMENTS, item.entity)
    ExceptionItem.objects.filter(pk=item.pk).update(resolution=reason)
    transition(item, to=ExceptionState.WRITTEN_OFF, actor=actor, reason=reason, stamp="resolved_at")
    return item


@transaction.atomic
def exception_reopen(*, item_id: int, actor: User, reason: str) -> ExceptionItem:
    item = _lock(item_id)
    require_entity_work(actor, item.entity)
    transition(item, to=ExceptionState.OPEN, actor=actor, reason=reason)
    return item


# --- set-based, for matching runs ------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionDraft:
    """An exception a matching run wants open, keyed by its cause (`dedupe_key`)."""

    kind: str
    title: str
    dedupe_key: str
    detail: dict[str, Any]
    amount: Decimal | None
    currency: str
    object_type: str
    object_id: str


@dataclass(frozen=True)
class OpenException:
    """An open exception as a matching run compares it with what it wants."""

    pk: int
    state: str
    kind: str
    title: str
    detail: dict[str, Any]
    amount: Decimal | None
    currency: str
    object_id: str
    correlation_id: str


def exceptions_open_of(
    *, entity_id: int, kinds: Sequence[str], object_type: str, object_ids: Sequence[str] | None = None
) -> dict[str, OpenException]:
    """The open exceptions of `kinds` about records of `object_type` in the entity (only those of
    `object_ids` when given), by cause."""
    items = ExceptionItem.objects.filter(
        entity_id=entity_id, kind__in=kinds, object_type=object_type, state__in=OPEN_EXCEPTION_STATES
    )
    if object_ids is not None:
        items = items.filter(object_id__any=object_ids)
    rows = items.values_list(
        "dedupe_key", "pk", "state", "kind", "title", "detail", "amount", "currency", "object_id", "correlation_id"
    )
    return {row[0]: OpenException(*row[1:]) for row in rows}


_ITEM_FIELDS = (
    "id",
    "entity_id",
    "kind",
    "state",
    "title",
    "detail",
    "amount",
    "currency",
    "object_type",
    "object_id",
    "dedupe_key",
    "correlation_id",
    "resolution",
    "created_at",
    "updated_at",
)


def exceptions_open_many(*, entity_id: int, drafts: Sequence[ExceptionDraft]) -> int:
    """Open one exception per draft, set-based (COPY): inserted, audited and (where the entity
    subscribes) announced in the caller's transaction. Callers pass causes they found without an
    open exception (exceptions_open_of) under a lock that keeps others from opening them meanwhile
    (a match run's scope lock); a cause opened anyway breaks the one-open-per-cause constraint and
    the transaction rolls back. Returns how many were opened."""
    if not drafts:
        return 0
    correlation_id, now = current_correlation_id(), timezone.now()
    items = [
        ExceptionItem(
            pk=pk,
            entity_id=entity_id,
            kind=d.kind,
            state=ExceptionState.OPEN,
            title=d.title[:200],
            detail=d.detail,
            amount=d.amount,
            currency=d.currency,
            object_type=d.object_type,
            object_id=d.object_id,
            dedupe_key=d.dedupe_key,
            correlation_id=correlation_id,
            resolution="",
            created_at=now,
            updated_at=now,
        )
        for pk, d in zip(ids_reserve(ExceptionItem, len(drafts)), drafts, strict=True)
    ]
    rows_copy(ExceptionItem, _ITEM_FIELDS, ([getattr(i, f) for f in _ITEM_FIELDS] for i in items))
    audit_entries(
        (
            AuditEntry(
                ExceptionItem._meta.label,
                str(i.pk),
                str(i),
                entity_id,
                correlation_id,
                after={"kind": i.kind, "title": i.title},
            )
            for i in items
        ),
        action="exception.created",
        actor=None,
    )
    if event_has_subscribers(entity_id, "exception-created"):
        for item in items:
            exception_created_publish(item)
    return len(items)


def exceptions_refresh_many(*, entity_id: int, changes: Sequence[tuple[OpenException, ExceptionDraft]]) -> int:
    """Bring open exceptions up to date with what a later run found (title, detail, amount), set-based
    and audited. Returns how many changed."""
    if not changes:
        return 0
    items = [
        ExceptionItem(pk=old.pk, title=new.title[:200], detail=new.detail, amount=new.amount, currency=new.currency)
        for old, new in changes
    ]
    ExceptionItem.objects.bulk_update(items, ["title", "detail", "amount", "currency"], batch_size=1000)
    audit_entries(
        (
            AuditEntry(
                ExceptionItem._meta.label,
                str(old.pk),
                new.title[:200],
                entity_id,
                old.correlation_id,
                before={"title": old.title, "amount": old.amount},
                after={"title": new.title[:200], "amount": new.amount},
            )
            for old, new in changes
        ),
        action="exception.refreshed",
        actor=None,
    )
    return len(items)


def exceptions_resolve_many(
    *, entity_id: int, items: Sequence[OpenException], resolution: str, actor: User | None = None
) -> int:
    """Resolve open exceptions whose cause is gone, set-based: each through the transition table
    (open or in progress → resolved, compare-and-swap, audited), with the resolution."""
    if not items:
        return 0
    for state in OPEN_EXCEPTION_STATES:
        moves = [Move(i.pk, i.title, entity_id, i.correlation_id) for i in items if i.state == state]
        transitions_apply(
            ExceptionItem, moves, source=state, to=ExceptionState.RESOLVED, actor=actor, reason=resolution
        )
    ExceptionItem.objects.filter(pk__any=[i.pk for i in items]).update(
        resolution=resolution, resolved_at=timezone.now()
    )
    return len(items)


def exceptions_resolve_about(*, obj: Any, kinds: Sequence[str], resolution: str, actor: User | None) -> int:
    """Resolve the open exceptions of `kinds` about one record (a person settled it elsewhere: an
    invoice cancelled, its variance accepted). Idempotent: nothing open, nothing done."""
    found = exceptions_open_of(
        entity_id=obj.entity_id, kinds=kinds, object_type=obj._meta.label, object_ids=[str(obj.pk)]
    )
    return exceptions_resolve_many(
        entity_id=obj.entity_id, items=list(found.values()), resolution=resolution, actor=actor
    )
