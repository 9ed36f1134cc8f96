"""Writes on exception items. Every change is a transition or an audited assignment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_PAYMENTS, VIEW_ENTITY
from finops.accounts.selectors import require_entity_perm, require_entity_work
from finops.audit.context import current_correlation_id
from finops.audit.services import audit_record
from finops.core.workflow import WorkflowError, transition
from finops.masterdata.events import CounterpartyConflict
from finops.masterdata.models import LegalEntity
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
