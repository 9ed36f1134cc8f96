from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from finops.audit.context import current_correlation_id
from finops.audit.models import AuditEvent
from finops.core.bulk import JsonText, json_text, rows_copy

if TYPE_CHECKING:
    from finops.accounts.models import User
    from finops.masterdata.models import LegalEntity

import json

_PLAIN = (str, int, bool, type(None))


def _jsonable(data: Mapping[str, Any] | None) -> dict[str, Any]:
    # Decimals, dates and UUIDs become strings exactly as they were, never floats.
    if data is None:
        return {}
    if all(type(value) in _PLAIN for value in data.values()):
        return dict(data)  # nothing to convert (most set-based audit rows: states and codes)
    return json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def _entity_id_of(obj: models.Model) -> int | None:
    if type(obj).__name__ == "LegalEntity":
        return int(obj.pk)
    entity_id = getattr(obj, "entity_id", None)
    return int(entity_id) if entity_id is not None else None


def audit_record(
    obj: models.Model,
    *,
    action: str,
    actor: User | None,
    reason: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    entity: LegalEntity | None = None,
) -> AuditEvent:
    """Write one audit event about obj in the caller's transaction. The event belongs to obj's
    entity, or to `entity` for a record that has none (a user's access to one entity)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        entity_id=entity.pk if entity is not None else _entity_id_of(obj),
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        correlation_id=getattr(obj, "correlation_id", "") or current_correlation_id(),
    )


def audit_records(
    objs: Iterable[models.Model],
    *,
    action: str,
    actor: User | None,
    reason: str | Callable[[Any], str] = "",
    after: Callable[[Any], Mapping[str, Any]] | None = None,
) -> list[AuditEvent]:
    """audit_record for many records at once (the same action and actor; `reason` the same for all
    or given per record, `after` each record's after-values), written set-based in the caller's
    transaction: a file of 100,000 records writes its audit trail in a few INSERTs, not 100,000."""
    known_actor = actor is not None and actor.pk
    events = [
        AuditEvent(
            actor=actor if known_actor else None,
            actor_name=actor.get_username() if actor is not None and known_actor else "system",
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            entity_id=_entity_id_of(obj),
            before={},
            after=_jsonable(after(obj) if after is not None else None),
            reason=reason(obj) if callable(reason) else reason,
            correlation_id=getattr(obj, "correlation_id", "") or current_correlation_id(),
        )
        for obj in objs
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


@dataclass(frozen=True)
class AuditEntry:
    """One record's line in a set-based audit write, for callers that hold rows rather than model
    instances (a match run moving 100,000 invoices): what audit_record reads off the instance."""

    object_type: str
    object_id: str
    object_repr: str
    entity_id: int | None
    correlation_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


_ENTRY_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "entity_id",
    "before",
    "after",
    "reason",
    "correlation_id",
)


def audit_entries(entries: Iterable[AuditEntry], *, action: str, actor: User | None, reason: str = "") -> int:
    """Write one audit event per entry (the same action, actor and reason), set-based by COPY, in
    the caller's transaction; returns how many were written."""
    known = actor is not None and actor.pk
    actor_id = actor.pk if actor is not None and known else None
    actor_name = actor.get_username() if actor is not None and known else "system"
    now, fallback = timezone.now(), current_correlation_id()
    # entries of one set-based change often share their before and after (one mapping object):
    # serialise each distinct object once (kept referenced here, so its id stays its own)
    serialised: dict[int, tuple[object, JsonText]] = {}

    def as_json(values: Mapping[str, Any] | None) -> JsonText:
        known_text = serialised.get(id(values))
        if known_text is None:
            known_text = serialised[id(values)] = (values, json_text(_jsonable(values)))
        return known_text[1]

    return rows_copy(
        AuditEvent,
        _ENTRY_FIELDS,
        (
            (
                now,
                actor_id,
                actor_name,
                action,
                entry.object_type,
                entry.object_id,
                entry.object_repr[:200],
                entry.entity_id,
                as_json(entry.before),
                as_json(entry.after),
                reason,
                entry.correlation_id or fallback,
            )
            for entry in entries
        ),
    )
