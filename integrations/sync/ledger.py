"""Apply one inbound record exactly once per version: the idempotency ledger (SyncRecord).

The ledger row for (source, resource, external id) is inserted if missing (ON CONFLICT DO
NOTHING) and then locked, so two workers applying the same record serialise on it: the second
finds the first one's version and counts a duplicate. The canonical write and the ledger update
commit together, or neither does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from finops.audit.context import current_correlation_id
from integrations.connectors.base import ApplyContext, MappingError, Resource, SkipRecord, VersionPolicy
from integrations.models import SyncRecord
from integrations.states import ApplyOutcome, FailureKind
from integrations.sync.failures import failures_resolve_for


class RecordConflict(Exception):
    """The same version of a record arrived again with different content."""


# What a record that cannot be applied raises; anything else is a fault of ours or of the database.
RECORD_ERRORS = (MappingError, RecordConflict, ValidationError, IntegrityError, DataError)


def content_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_identity(resource: Resource, payload: Any) -> tuple[str, int]:
    if not isinstance(payload, dict):
        raise MappingError(f"{resource.name}: a record must be a JSON object, not {type(payload).__name__}.")
    external_id = payload.get(resource.id_field)
    if not isinstance(external_id, str | int) or isinstance(external_id, bool) or not str(external_id).strip():
        raise MappingError(f"{resource.name}: '{resource.id_field}' is missing.")
    if resource.policy != VersionPolicy.VERSIONED:
        return str(external_id)[:128], 1
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MappingError(f"{resource.name} {external_id}: 'version' must be a positive integer, not {version!r}.")
    return str(external_id)[:128], version


def record_apply(ctx: ApplyContext, resource: Resource, payload: Any) -> str:
    """Apply one record; returns an ApplyOutcome value. Raises one of RECORD_ERRORS when the
    record cannot be applied (nothing is written then).

    Idempotent: the same (source, resource, id, version) with the same content is a duplicate and
    writes nothing; an older version is stale and writes nothing; the same version with other
    content raises RecordConflict."""
    external_id, version = record_identity(resource, payload)
    digest = content_hash(payload)
    source = ctx.source
    with transaction.atomic():
        SyncRecord.objects.bulk_create(
            [SyncRecord(source=source, resource=resource.name, external_id=external_id)], ignore_conflicts=True
        )
        ledger = SyncRecord.objects.select_for_update().get(
            source=source, resource=resource.name, external_id=external_id
        )
        if ledger.version:
            if version < ledger.version:
                return ApplyOutcome.STALE
            if version == ledger.version and ledger.content_hash == digest:
                return ApplyOutcome.DUPLICATE
            if version == ledger.version and resource.policy != VersionPolicy.LATEST:
                when = f" on {ledger.applied_at:%Y-%m-%d %H:%M} UTC" if ledger.applied_at else ""
                raise RecordConflict(
                    f"{resource.name} {external_id} version {version} was delivered again with different content; "
                    f"the version applied{when} is kept."
                )
        try:
            with transaction.atomic():
                applied = resource.apply(ctx, payload)
        except SkipRecord as skip:
            if not ledger.version and ledger.skipped_entity != skip.entity_code:
                # remembered so that what refers to it (a receipt of a skipped PO) is skipped too
                SyncRecord.objects.filter(pk=ledger.pk).update(skipped_entity=skip.entity_code)
            return ApplyOutcome.SKIPPED
        obj = applied.obj
        SyncRecord.objects.filter(pk=ledger.pk).update(
            version=version,
            content_hash=digest,
            payload=payload,
            object_type=obj._meta.label if obj is not None else "",
            object_id=obj.pk if obj is not None else None,
            connector=ctx.connector,
            run=ctx.run,
            correlation_id=current_correlation_id(),
            applied_at=timezone.now(),
            skipped_entity="",
        )
        if ctx.failing_keys is None or (resource.name, external_id) in ctx.failing_keys:
            failures_resolve_for(
                connector=ctx.connector,
                kind=FailureKind.RECORD,
                resource=resource.name,
                key=external_id,
                resolution=f"Version {version} applied ({applied.outcome}).",
                actor=ctx.actor,
            )
        return applied.outcome


def ledger_object_id(*, source: str, resource: str, external_id: str) -> int | None:
    """The canonical record a source's id was applied to, if any."""
    return (
        SyncRecord.objects.filter(source=source, resource=resource, external_id=external_id, version__gt=0)
        .values_list("object_id", flat=True)
        .first()
    )


def ledger_skipped_entity(*, source: str, resource: str, external_id: str) -> str:
    """The entity a source's record was skipped for (it is another connector's), or ""."""
    return (
        SyncRecord.objects.filter(source=source, resource=resource, external_id=external_id, version=0)
        .values_list("skipped_entity", flat=True)
        .first()
        or ""
    )
