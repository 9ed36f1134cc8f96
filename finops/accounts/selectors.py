"""Permission-scoped reads: which entities a user may see or act in, and which roles they hold."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from finops.accounts.models import User
from finops.accounts.roles import ROLE_LABELS, VIEW_ENTITY, WORK_PERMISSIONS, Role, entity_group_name
from finops.masterdata.models import LegalEntity


def entities_for(user: User, perm: str = VIEW_ENTITY) -> QuerySet[LegalEntity]:
    """The legal entities on which `user` holds `perm` (through a group or directly)."""
    if not user.is_authenticated or not user.is_active:
        return LegalEntity.objects.none()
    return get_objects_for_user(user, f"masterdata.{perm}", klass=LegalEntity, accept_global_perms=False).order_by(
        "code"
    )


def user_roles(user: User) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [role for role, label in ROLE_LABELS.items() if label in names]


def roles_in(user: User, entity: LegalEntity) -> list[Role]:
    """The roles the user holds inside `entity` (through its per-entity groups)."""
    if not user.is_authenticated or not user.is_active:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if entity_group_name(role, entity.code) in names]


def require_model_perm(user: User, perm: str) -> None:
    """403 when the user's role may not use this kind of record at all."""
    if not user.has_perm(perm):
        raise PermissionDenied("Your role does not give access to this page.")


def require_entity_perm(user: User, perm: str, entity: LegalEntity) -> None:
    """404 outside the user's entities (they must not learn it exists); 403 when the user
    sees the entity but their role there does not allow the action."""
    if not entities_for(user).filter(pk=entity.pk).exists():
        raise Http404("No such record.")
    if not user.has_perm(f"masterdata.{perm}", entity):
        raise PermissionDenied("Your role in this entity does not allow this.")


def holds_any(user: User, perms: tuple[str, ...], entity: LegalEntity) -> bool:
    """Whether the user's role in the entity grants one of `perms` (a tuple of finops.accounts.roles)."""
    return any(user.has_perm(f"masterdata.{perm}", entity) for perm in perms)


def can_work_in(user: User, entity: LegalEntity) -> bool:
    """Whether the user's role in the entity lets them change anything there (auditors cannot)."""
    return any(user.has_perm(f"masterdata.{perm}", entity) for perm in WORK_PERMISSIONS)


def require_entity_work(user: User, entity: LegalEntity) -> None:
    if not entities_for(user).filter(pk=entity.pk).exists():
        raise Http404("No such record.")
    if not can_work_in(user, entity):
        raise PermissionDenied("Your role in this entity is read-only.")
