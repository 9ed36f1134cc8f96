"""Writes on connector configuration: settings, schedule, mapping, credentials, enable/disable.

Every change is audited with before/after of the settings it touched; credentials are audited by
field name only, never by value.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for, require_entity_perm
from finops.audit.services import audit_record
from finops.masterdata.models import LegalEntity
from integrations import credentials
from integrations.connectors import spec_for
from integrations.connectors.base import TestResult
from integrations.connectors.mapping_schema import mapping_validate
from integrations.models import Connector

log = structlog.get_logger(__name__)

SETTING_FIELDS = (
    "name",
    "source",
    "base_url",
    "cadence_minutes",
    "next_run_at",
    "timeout_seconds",
    "max_attempts",
    "backoff_base_seconds",
    "backoff_cap_seconds",
    "max_retry_after_seconds",
    "page_size",
    "record_max_attempts",
    "webhook_tolerance_seconds",
    "webhook_max_body_bytes",
)
SECRET_FIELDS = ("token", "webhook_secret", "previous_webhook_secret")


def _next_run(cadence: int | None, requested: datetime | None, now: datetime) -> datetime | None:
    if not cadence:
        return None
    return requested or now + timedelta(minutes=cadence)


@transaction.atomic
def connector_create(*, actor: User, kind: str, entity: LegalEntity, settings: dict[str, Any]) -> Connector:
    """Create a connector in an entity the actor administers. Not idempotent (names are unique)."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    spec_for(kind)  # an unknown kind fails here, before anything is written
    values = {k: v for k, v in settings.items() if k in SETTING_FIELDS}
    values["next_run_at"] = _next_run(values.get("cadence_minutes"), values.get("next_run_at"), timezone.now())
    connector = Connector.objects.create(kind=kind, entity=entity, **values)
    audit_record(connector, action="connector.created", actor=actor, after={"kind": kind, **values})
    return connector


def _lock(connector_id: int, actor: User | None) -> Connector:
    """The connector, locked; actor None is the system (a management command), unchecked."""
    connector = Connector.objects.select_for_update().select_related("entity").get(pk=connector_id)
    if actor is not None:
        require_entity_perm(actor, ADMINISTER_ENTITY, connector.entity)
    return connector


@transaction.atomic
def connector_update(*, connector_id: int, actor: User | None, settings: dict[str, Any]) -> Connector:
    """Change settings and schedule. Idempotent: unchanged values write nothing."""
    connector = _lock(connector_id, actor)
    values = {k: v for k, v in settings.items() if k in SETTING_FIELDS}
    if "cadence_minutes" in values:
        cadence_changed = values["cadence_minutes"] != connector.cadence_minutes
        requested = values.get("next_run_at") if values.get("next_run_at") != connector.next_run_at else None
        if cadence_changed or requested or not values["cadence_minutes"]:
            values["next_run_at"] = _next_run(values["cadence_minutes"], requested, timezone.now())
        else:
            values.pop("next_run_at", None)
    changes = {k: v for k, v in values.items() if getattr(connector, k) != v}
    if not changes:
        return connector
    before = {k: getattr(connector, k) for k in changes}
    Connector.objects.filter(pk=connector.pk).update(**changes, updated_at=timezone.now())
    for field, value in changes.items():
        setattr(connector, field, value)
    audit_record(connector, action="connector.updated", actor=actor, before=before, after=changes)
    return connector


@transaction.atomic
def connector_set_enabled(*, connector_id: int, actor: User, enabled: bool) -> Connector:
    """Enable or disable. Idempotent."""
    connector = _lock(connector_id, actor)
    if connector.is_enabled != enabled:
        Connector.objects.filter(pk=connector.pk).update(is_enabled=enabled, updated_at=timezone.now())
        connector.is_enabled = enabled
        audit_record(
            connector,
            action="connector.enabled" if enabled else "connector.disabled",
            actor=actor,
            after={"enabled": enabled},
        )
    return connector


def mapping_clean(*, connector: Connector, actor: User | None, mapping: Any) -> dict[str, Any]:
    """The mapping as it will be stored, or ValidationError naming the bad key. Actor None is
    the system (a management command), which may name any entity."""
    entities = LegalEntity.objects.all() if actor is None else entities_for(actor, ADMINISTER_ENTITY)
    codes = entities.values_list("code", flat=True)
    return mapping_validate(spec_for(connector.kind).mapping_fields, mapping, entity_codes=codes)


@transaction.atomic
def connector_mapping_set(*, connector_id: int, actor: User | None, mapping: Any) -> Connector:
    """Replace the field mapping after validating every key. Idempotent."""
    connector = _lock(connector_id, actor)
    cleaned = mapping_clean(connector=connector, actor=actor, mapping=mapping)
    if cleaned != connector.mapping:
        before = connector.mapping
        Connector.objects.filter(pk=connector.pk).update(mapping=cleaned, updated_at=timezone.now())
        connector.mapping = cleaned
        audit_record(
            connector,
            action="connector.mapping_changed",
            actor=actor,
            before={"mapping": before},
            after={"mapping": cleaned},
        )
    return connector


@transaction.atomic
def connector_configure(
    *, connector_id: int, actor: User, settings: dict[str, Any], mapping: dict[str, Any] | None = None
) -> Connector:
    """Settings, schedule and (unless None) the mapping in one transaction, so an edit that
    touches both is applied whole or not at all. Idempotent: unchanged values write nothing."""
    connector = connector_update(connector_id=connector_id, actor=actor, settings=settings)
    if mapping is not None:
        connector = connector_mapping_set(connector_id=connector_id, actor=actor, mapping=mapping)
    return connector


@transaction.atomic
def connector_credentials_set(
    *, connector_id: int, actor: User | None, values: dict[str, str], forget_previous_secret: bool = False
) -> Connector:
    """Store new credentials, encrypted with the newest key. A blank value keeps what is stored.
    A new webhook secret keeps the one it replaces as the previous secret, so deliveries signed
    with either are accepted until the admin forgets the previous one.

    Raises CredentialKeysMissing in production without FCT_CREDENTIAL_KEYS."""
    connector = _lock(connector_id, actor)
    allowed = set(spec_for(connector.kind).credential_fields)
    current = credentials.decrypt(connector.credentials_encrypted)
    meta = dict(connector.credential_fields or {})
    now = timezone.now()
    stamp = now.isoformat()
    changed: list[str] = []
    for field, value in values.items():
        if field not in allowed or not value or current.get(field) == value:
            continue
        if field == "webhook_secret" and current.get("webhook_secret"):
            current["previous_webhook_secret"] = current["webhook_secret"]
            meta["previous_webhook_secret"] = stamp
            changed.append("previous_webhook_secret")
        current[field] = value
        meta[field] = stamp
        changed.append(field)
    if forget_previous_secret and "previous_webhook_secret" in current:
        del current["previous_webhook_secret"]
        meta.pop("previous_webhook_secret", None)
        changed.append("previous_webhook_secret (forgotten)")
    if not changed:
        return connector
    token = credentials.encrypt(current)
    Connector.objects.filter(pk=connector.pk).update(
        credentials_encrypted=token, credential_fields=meta, credentials_changed_at=now, updated_at=now
    )
    connector.credentials_encrypted, connector.credential_fields, connector.credentials_changed_at = token, meta, now
    audit_record(connector, action="connector.credentials_changed", actor=actor, after={"fields": sorted(changed)})
    log.info("connector.credentials_changed", connector=connector.pk, fields=sorted(changed))
    return connector


def connector_test(*, connector_id: int, actor: User) -> TestResult:
    """Test connection: one real HTTP call as the connector would make it. Writes nothing."""
    connector = Connector.objects.select_related("entity").get(pk=connector_id)
    require_entity_perm(actor, ADMINISTER_ENTITY, connector.entity)
    test = spec_for(connector.kind).test
    if test is None:
        return TestResult(False, f"{connector.get_kind_display()} connectors have nothing to call.")
    result = test(connector)
    log.info("connector.tested", connector=connector.pk, ok=result.ok, status=result.status)
    return result


def credential_keys_rotate() -> int:
    """Re-encrypt every connector's credentials with the newest key; returns how many.
    Idempotent: rotating twice leaves the same secrets under the same newest key."""
    rotated = 0
    for pk in Connector.objects.exclude(credentials_encrypted="").order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            connector = Connector.objects.select_for_update().get(pk=pk)
            if not connector.credentials_encrypted:
                continue
            Connector.objects.filter(pk=pk).update(
                credentials_encrypted=credentials.rotate(connector.credentials_encrypted)
            )
            rotated += 1
    return rotated
