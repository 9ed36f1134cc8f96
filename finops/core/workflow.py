"""Workflow state machines: one transition table per workflow, one transition function for all.

A transition is a compare-and-swap on the state column, so two users (or a user and a worker)
moving the same record at once cannot both win; the loser gets ConcurrentTransition. Every
transition writes an AuditEvent in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from finops.audit.services import AuditEntry, audit_entries, audit_record

if TYPE_CHECKING:
    from finops.accounts.models import User


class WorkflowError(Exception):
    """Base for errors a user can act on; the message is shown as is."""


class InvalidTransition(WorkflowError):
    pass


class ConcurrentTransition(WorkflowError):
    def __init__(self, obj: models.Model, expected: str) -> None:
        super().__init__(
            f"{type(obj).__name__} {obj.pk} changed while you were working on it "
            f"(it is no longer {expected}). Reload and try again."
        )


def allowed_targets(obj: Any) -> frozenset[str]:
    table: Mapping[str, frozenset[str]] = type(obj).TRANSITIONS
    return table.get(obj.state, frozenset())


def transition(
    obj: Any,
    *,
    to: str,
    actor: User | None,
    reason: str = "",
    stamp: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Move obj to state `to`, or raise. `stamp` names a *_at field set to now()."""
    current = obj.state
    if to not in allowed_targets(obj):
        raise InvalidTransition(f"{type(obj).__name__} {obj.pk}: {current} → {to} is not allowed.")
    now = timezone.now()
    values: dict[str, Any] = {"state": to, "updated_at": now}
    if stamp:
        values[stamp] = now
    with transaction.atomic():
        if type(obj).objects.filter(pk=obj.pk, state=current).update(**values) != 1:
            raise ConcurrentTransition(obj, current)
        audit_record(
            obj,
            action=f"{current}->{to}",
            actor=actor,
            reason=reason,
            before={"state": current},
            after={"state": to, **(extra or {})},
        )
    for field, value in values.items():
        setattr(obj, field, value)


@dataclass(frozen=True)
class Move:
    """One record of a set-based transition, as its audit event names it."""

    pk: int
    label: str
    entity_id: int | None
    correlation_id: str = ""
    extra: Mapping[str, Any] | None = None


def transitions_apply(
    model: type[models.Model],
    moves: Sequence[Move],
    *,
    source: str,
    to: str,
    actor: User | None,
    reason: str = "",
) -> int:
    """transition() for many records of one model that all move from `source` to `to`: the same
    table check, one compare-and-swap UPDATE ... WHERE state = source for all of them, and their
    audit events written in one INSERT, in the caller's transaction (which it opens if there is
    none). Raises InvalidTransition when the table does not allow the move, and
    ConcurrentTransition when any record is no longer in `source`: then nothing has moved (the
    transaction rolls back). Returns how many moved."""
    if not moves:
        return 0
    table: Mapping[str, frozenset[str]] = model.TRANSITIONS  # type: ignore[attr-defined]
    if to not in table.get(source, frozenset()):
        raise InvalidTransition(f"{model.__name__}: {source} → {to} is not allowed.")
    pks = [move.pk for move in moves]
    with transaction.atomic():
        moved = model._default_manager.filter(pk__any=pks, state=source).update(state=to, updated_at=timezone.now())
        if moved != len(set(pks)):
            stayed = set(pks) - set(model._default_manager.filter(pk__any=pks, state=to).values_list("pk", flat=True))
            raise ConcurrentTransition(model(pk=min(stayed, default=pks[0])), source)
        label = model._meta.label
        before = {"state": source}
        shared: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}  # one after per distinct extra

        def after(extra: Mapping[str, Any] | None) -> dict[str, Any]:
            try:
                key = tuple(sorted((extra or {}).items()))
                return shared.setdefault(key, {"state": to, **(extra or {})})
            except TypeError:  # an extra value that is not hashable: its own after
                return {"state": to, **(extra or {})}

        audit_entries(
            (
                AuditEntry(
                    object_type=label,
                    object_id=str(move.pk),
                    object_repr=move.label,
                    entity_id=move.entity_id,
                    correlation_id=move.correlation_id,
                    before=before,
                    after=after(move.extra),
                )
                for move in moves
            ),
            action=f"{source}->{to}",
            actor=actor,
            reason=reason,
        )
    return moved
