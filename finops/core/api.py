"""Read-only API views over a selector: same scoping, same filters as the screens.

Outside the user's entities a record does not exist (404); a role without the model permission
gets 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class HasModelPerm(permissions.BasePermission):
    message = "Your role does not give access to this resource."

    def has_permission(self, request: Request, view: APIView) -> bool:
        perm: str = getattr(view, "required_perm", "")
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))


class ScopedListAPI(generics.ListAPIView):  # type: ignore[type-arg]
    required_perm: ClassVar[str]
    permission_classes = [permissions.IsAuthenticated, HasModelPerm]
    filter_backends = [DjangoFilterBackend]

    def select(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.select(self.request.user)


class ScopedDetailAPI(generics.RetrieveAPIView):  # type: ignore[type-arg]
    required_perm: ClassVar[str]
    permission_classes = [permissions.IsAuthenticated, HasModelPerm]

    def select(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.select(self.request.user)
