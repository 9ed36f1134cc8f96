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


def _save(row: Any, fields: tuple[str, ...], values: Mapping[str, Any], *, actor: User, action: str) -> Any:
    """Write the values that differ onto the row, audited with what they were; nothing (no audit
    event) when none differs and the row exists."""
    before = {f: getattr(row, f) for f in fields if getattr(row, f) != values[f]}
    after = {f: values[f] for f in before}
    if not after and row.pk:
        return row
    for field, value in after.items():
        setattr(row, field, value)
    row.updated_by = actor
    row.save()
    audit_record(row, action=action, actor=actor, before=before, after=after)
    return row


@transaction.atomic
def ap_policy_save(*, entity: LegalEntity, values: Mapping[str, Any], actor: User) -> ApPolicy:
    """Set the entity's AP policy (an admin of the entity: 404 outside it, 403 otherwise).
    Idempotent: the same values again change nothing and write no audit event."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    policy = ApPolicy.objects.select_for_update().filter(entity=entity).first() or ApPolicy(entity=entity)
    saved: ApPolicy = _save(policy, POLICY_FIELDS, values, actor=actor, action="ap_policy.changed")
    return saved


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
    saved: ApAuthority = _save(authority, AUTHORITY_FIELDS, values, actor=actor, action="ap_authority.changed")
    return saved
