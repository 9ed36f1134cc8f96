"""Admins set an entity's AP policy (tolerances, duplicate window, automatic approval) and what each
AP role may decide (variance and approval limits). Every change is audited with what it was before;
the next match run applies it (its rule version names the figures)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.services import audit_record
from finops.core.workflow import WorkflowError
from finops.invoicing.models import AUTHORITY_ROLES, ApAuthority, ApPolicy
from finops.invoicing.selectors import DEFAULT_LIMITS
from finops.masterdata.models import LegalEntity

POLICY_FIELDS = (
    "price_tolerance_pct",
    "price_tolerance_amount",
    "quantity_tolerance_pct",
    "duplicate_window_days",
    "auto_approve_matched",
)
AUTHORITY_FIELDS = ("variance_limit", "approval_limit")


def _changed(row: Any, fields: tuple[str, ...], values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = {f: getattr(row, f) for f in fields}
    after = {f: values[f] for f in fields}
    return {f: v for f, v in before.items() if v != after[f]}, {f: v for f, v in after.items() if v != before[f]}


@transaction.atomic
def ap_policy_save(*, entity: LegalEntity, values: Mapping[str, Any], actor: User) -> ApPolicy:
    """Set the entity's AP policy (an admin of the entity: 404 outside it, 403 otherwise).
    Idempotent: the same values again change nothing and write no audit event."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    policy = ApPolicy.objects.select_for_update().filter(entity=entity).first() or ApPolicy(entity=entity)
    before, after = _changed(policy, POLICY_FIELDS, values)
    if not after and policy.pk:
        return policy
    for field, value in after.items():
        setattr(policy, field, value)
    policy.updated_by = actor
    policy.save()
    audit_record(policy, action="ap_policy.changed", actor=actor, before=before, after=after)
    return policy


@transaction.atomic
def ap_authority_save(*, entity: LegalEntity, role: str, values: Mapping[str, Any], actor: User) -> ApAuthority:
    """Set what a role may decide on supplier invoices in the entity (an admin of the entity).
    Idempotent like ap_policy_save."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    if role not in dict(AUTHORITY_ROLES):
        raise WorkflowError(f"{role!r} is not a role that decides on supplier invoices.")
    authority = ApAuthority.objects.select_for_update().filter(entity=entity, role=role).first()
    if authority is None:
        limit = DEFAULT_LIMITS[role]
        authority = ApAuthority(entity=entity, role=role, variance_limit=limit, approval_limit=limit)
    before, after = _changed(authority, AUTHORITY_FIELDS, values)
    if not after and authority.pk:
        return authority
    for field, value in after.items():
        setattr(authority, field, value)
    authority.updated_by = actor
    authority.save()
    audit_record(authority, action="ap_authority.changed", actor=actor, before={"role": role, **before}, after=after)
    return authority
