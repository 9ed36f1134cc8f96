"""Permission-scoped reads: which entities a user may see or act in, and which roles they hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from finops.accounts.models import User
from finops.accounts.roles import (
    ADMINISTER_ENTITY,
    ENTITY_GROUP_SEPARATOR,
    ROLE_LABELS,
    VIEW_ENTITY,
    WORK_PERMISSIONS,
    Role,
    entity_group_name,
)
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


# --- user administration: who an admin manages, and what access each person holds -------------


@dataclass(frozen=True, order=True)
class Grant:
    """One role of a person in one entity (the group "Controller · DE01")."""

    entity_code: str
    role: Role

    @property
    def label(self) -> str:
        return self.role.label


_ROLE_BY_LABEL = {label: role for role, label in ROLE_LABELS.items()}


def grant_of_group(name: str) -> Grant | None:
    """The grant a group stands for, or None for a group that is not a role in an entity."""
    label, separator, code = name.partition(ENTITY_GROUP_SEPARATOR)
    role = _ROLE_BY_LABEL.get(label)
    return Grant(code, role) if separator and role is not None else None


def administered_entities(user: User) -> QuerySet[LegalEntity]:
    """The entities whose people `user` manages (the admin role there)."""
    return entities_for(user, ADMINISTER_ENTITY)


def _group_names(codes: Iterable[str]) -> list[str]:
    return [entity_group_name(role, code) for code in codes for role in Role]


def user_list_managed(*, user: User) -> QuerySet[User]:
    """The people holding a role in an entity `user` administers, each with `managed_groups`:
    their roles in those entities (and no others)."""
    names = _group_names(administered_entities(user).values_list("code", flat=True))
    members = User.objects.filter(groups__name__in=names).values("pk")
    return (
        User.objects.filter(pk__in=members)
        .prefetch_related(Prefetch("groups", Group.objects.filter(name__in=names), to_attr="managed_groups"))
        .order_by("username")
    )


def user_get_managed(*, user: User, pk: int) -> User:
    """A person `user` manages; 404 for anyone else (they must not learn who works elsewhere)."""
    found = user_list_managed(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such user.")
    return found


def user_grants(person: User) -> list[Grant]:
    """Every role the person holds, in every entity, sorted by entity and role."""
    grants = (grant_of_group(name) for name in person.groups.values_list("name", flat=True))
    return sorted(grant for grant in grants if grant is not None)


def user_grants_managed(person: User) -> list[Grant]:
    """The person's roles in the entities their admin manages (user_list_managed's prefetch)."""
    grants = (grant_of_group(group.name) for group in getattr(person, "managed_groups", []))
    return sorted(grant for grant in grants if grant is not None)


def entity_admins(entity: LegalEntity) -> QuerySet[User]:
    """The active people who administer the entity: whom to ask for what only an admin may do."""
    return User.objects.filter(is_active=True, groups__name=entity_group_name(Role.ADMIN, entity.code)).order_by(
        "last_name", "first_name", "username"
    )


def display_name(person: User) -> str:
    return person.get_full_name() or person.username


def account_change_refusal(*, actor: User, person: User) -> str:
    """Why `actor` may not deactivate, reactivate or re-invite `person` (a person they manage), or
    "" when they may: the account is the person's in every entity, so only someone who
    administers all of them changes it."""
    if person.pk == actor.pk:
        return "You cannot deactivate yourself: ask another admin."
    if person.is_superuser and not actor.is_superuser:
        return f"{display_name(person)} is a superuser: only another superuser changes their account."
    codes = {grant.entity_code for grant in user_grants(person)}
    mine = set(administered_entities(actor).filter(code__in=codes).values_list("code", flat=True))
    if codes - mine:
        return (
            f"{display_name(person)} also works in entities you do not administer: remove their roles in yours "
            "instead, or ask the admins of the others."
        )
    return ""
