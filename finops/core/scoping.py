"""Entity scoping for selectors: every read of entity-owned records goes through here."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from finops.accounts.models import User
from finops.accounts.selectors import entities_for

M = TypeVar("M", bound=Model)


def scoped(rows: QuerySet[M], user: User, *, via: str = "entity") -> QuerySet[M]:
    """Only the rows whose entity (reached through `via`) the user may see."""
    return rows.filter(**{f"{via}__in": entities_for(user)})


def scoped_get(rows: QuerySet[M], user: User, *, pk: Any, via: str = "entity") -> M:
    """One row, or 404 — the same answer whether it does not exist or is another entity's."""
    return get_object_or_404(scoped(rows, user, via=via).distinct(), pk=pk)
