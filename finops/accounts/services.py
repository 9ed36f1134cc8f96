"""Writes about users, roles and entity access. Every grant and revoke is audited."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm

from finops.accounts.models import User
from finops.accounts.roles import ENTITY_PERMISSIONS, MODEL_PERMISSIONS, Role, entity_group_name
from finops.audit.services import audit_record
from finops.masterdata.models import LegalEntity


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create or refresh the role groups and their model permissions. Idempotent."""
    groups = []
    for role, perms in MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = [_permission(p) for p in perms]
        group.permissions.set(wanted)
        groups.append(group)
    return groups


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def entity_role_group(*, role: Role, entity: LegalEntity) -> Group:
    """The group holding `role`'s object permissions on `entity`. Idempotent."""
    group, created = Group.objects.get_or_create(name=entity_group_name(role, entity.code))
    if created:
        for codename in ENTITY_PERMISSIONS[role]:
            assign_perm(f"masterdata.{codename}", group, entity)
    return group


@transaction.atomic
def user_grant_role(*, user: User, role: Role, entity: LegalEntity, granted_by: User | None) -> None:
    """Give `user` the role, inside `entity`. Idempotent: granting twice changes nothing."""
    roles_group = Group.objects.get(name=role.label)
    group = entity_role_group(role=role, entity=entity)
    if user.groups.filter(pk=group.pk).exists():
        return
    user.groups.add(roles_group, group)
    audit_record(entity, action="access.granted", actor=granted_by, after={"user": user.username, "role": role.value})


@transaction.atomic
def user_revoke_role(*, user: User, role: Role, entity: LegalEntity, revoked_by: User | None) -> None:
    group = entity_role_group(role=role, entity=entity)
    user.groups.remove(group)
    if not user.groups.filter(name__startswith=f"{role.label} · ").exists():
        user.groups.remove(Group.objects.get(name=role.label))
    audit_record(entity, action="access.revoked", actor=revoked_by, before={"user": user.username, "role": role.value})
