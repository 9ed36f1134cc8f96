"""Permission-scoped reads of inbound bank files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from finops.accounts.models import User
from finops.accounts.roles import IMPORT_PERMISSIONS
from finops.accounts.selectors import administered_entities, display_name, entities_for, entity_admins
from finops.core.scoping import scoped
from finops.masterdata.models import LegalEntity
from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile

RECENT = 25


def importable_entities(*, user: User) -> QuerySet[LegalEntity]:
    """Entities where the user may import bank files (treasury analysts and admins)."""
    ids = {pk for perm in IMPORT_PERMISSIONS for pk in entities_for(user, perm).values_list("pk", flat=True)}
    return LegalEntity.objects.filter(pk__in=ids).order_by("code")


def can_import(*, user: User) -> bool:
    return importable_entities(user=user).exists()


def require_importer(*, user: User) -> None:
    """403 for a user who may import into no entity (the upload page, its list, a file's bytes)."""
    if not can_import(user=user):
        raise PermissionDenied("Only treasury analysts and admins import bank files.")


def inbound_file_list(*, user: User) -> QuerySet[InboundFile]:
    """Files that touched one of the user's entities, and the user's own uploads (a refused
    file touched no entity). The bytes stay in the database: lists never load them."""
    visible = Q(entities__in=entities_for(user)) | Q(received_by=user)
    return (
        InboundFile.objects.filter(pk__in=InboundFile.objects.filter(visible).values("pk"))
        .defer("content")
        .select_related("received_by")
        .order_by("-received_at", "-id")
    )


def inbound_file_recent(*, user: User, limit: int = RECENT) -> list[InboundFile]:
    return list(inbound_file_list(user=user).prefetch_related("entities")[:limit])


def inbound_file_get(*, user: User, pk: int) -> InboundFile:
    """One file, or 404: the same answer whether it does not exist or is another entity's."""
    return get_object_or_404(inbound_file_list(user=user), pk=pk)


def inbound_file_content(*, user: User, pk: int) -> tuple[str, bytes]:
    """The bytes as they came in, for inspection."""
    inbound = get_object_or_404(inbound_file_list(user=user).defer(None), pk=pk)
    return inbound.filename, bytes(inbound.content)


def inbound_file_statements(*, user: User, inbound_file: InboundFile) -> QuerySet[BankStatement]:
    return scoped(
        BankStatement.objects.filter(inbound_file=inbound_file).select_related("bank_account", "entity"), user
    )


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]+$")


@dataclass(frozen=True)
class MissingAccount:
    """What a person can do about a file refused for an account of ours we do not have: add it
    (an admin of an entity), or ask the admins of their entities, by name."""

    identifier: str
    field: str  # the add page's field the identifier goes into: iban or account_number
    can_add: bool
    admins: list[tuple[str, str]]  # (entity code, the names of its active admins)


def missing_account_help(*, user: User, identifier: str) -> MissingAccount | None:
    if not identifier:
        return None
    compact = "".join(identifier.split()).upper()
    can_add = user.has_perm("masterdata.add_bankaccount") and administered_entities(user).exists()
    admins = [
        (entity.code, ", ".join(display_name(admin) for admin in entity_admins(entity)))
        for entity in importable_entities(user=user)
    ]
    field = "iban" if _IBAN_SHAPE.match(compact) else "account_number"
    return MissingAccount(compact if field == "iban" else identifier, field, can_add, admins)
