"""The one API base for scoped lists and records: read through a selector for the signed-in user,
with the same scoping and the same filters as the screens.

Outside the user's entities a record does not exist (404); a role without the model permission
(`required_perm`) gets 403. A view whose access is not a model permission (the connector and
outbox lists: admins of at least one entity) sets its own permission_classes instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, permissions
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from finops.accounts.models import User


def signed_in(request: Request) -> User:
    """The user of a request that IsAuthenticated has let through."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


class HasModelPerm(permissions.BasePermission):
    message = "Your role does not give access to this resource."

    def has_permission(self, request: Request, view: APIView) -> bool:
        perm: str = getattr(view, "required_perm", "")
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))


class ScopedListAPI(generics.ListAPIView):  # type: ignore[type-arg]
    """A list read through a selector for the signed-in user. A subclass's `queryset` only names
    the model for the schema generator, which has no user; the rows always come from select()."""

    required_perm: ClassVar[str] = ""
    permission_classes = [permissions.IsAuthenticated, HasModelPerm]
    filter_backends = [DjangoFilterBackend]

    def select(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        # request.user: the schema generator has no user, and a selector sees nothing for it
        return self.select(self.request.user)


class ScopedDetailAPI(generics.RetrieveAPIView):  # type: ignore[type-arg]
    required_perm: ClassVar[str]
    permission_classes = [permissions.IsAuthenticated, HasModelPerm]

    def select(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        # request.user: the schema generator has no user, and a selector sees nothing for it
        return self.select(self.request.user)
