from typing import Any

from django.db.models import QuerySet
from rest_framework import permissions, serializers

from finops.core.api import ScopedDetailAPI, ScopedListAPI
from reconciliation.exceptions.filters import ExceptionFilter
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.selectors import exception_list


class ExceptionOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    assignee = serializers.CharField(source="assignee.username", default=None)

    class Meta:
        model = ExceptionItem
        fields = [
            "id",
            "entity",
            "kind",
            "state",
            "title",
            "detail",
            "amount",
            "currency",
            "object_type",
            "object_id",
            "assignee",
            "resolution",
            "correlation_id",
            "created_at",
            "resolved_at",
        ]


class ExceptionListApi(ScopedListAPI):
    permission_classes = [permissions.IsAuthenticated]  # every role has exception queues; scoping does the rest
    serializer_class = ExceptionOutput
    filterset_class = ExceptionFilter

    def select(self, user: Any) -> QuerySet[ExceptionItem]:
        return exception_list(user=user)


class ExceptionDetailApi(ScopedDetailAPI):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ExceptionOutput

    def select(self, user: Any) -> QuerySet[ExceptionItem]:
        return exception_list(user=user)
