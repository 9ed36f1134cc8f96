from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from finops.audit.filters import AuditEventFilter
from finops.audit.models import AuditEvent
from finops.audit.selectors import event_list
from finops.core.api import ScopedListAPI


class AuditEventOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code", default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_name",
            "entity",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "correlation_id",
        ]


class AuditEventListApi(ScopedListAPI):
    required_perm = "audit.view_auditevent"
    serializer_class = AuditEventOutput
    filterset_class = AuditEventFilter

    def select(self, user: Any) -> QuerySet[AuditEvent]:
        return event_list(user=user)
