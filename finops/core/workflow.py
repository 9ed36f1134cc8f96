"""Workflow state machines: one transition table per workflow, one transition function for all.

A transition is a compare-and-swap on the state column, so two users (or a user and a worker)
moving the same record at once cannot both win; the loser gets ConcurrentTransition. Every
transition writes an AuditEvent in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from finops.audit.services import audit_record

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
