import django_filters
from django.db.models import Q, QuerySet

from finops.audit.models import AuditEvent
from finops.core.filters import DateFilter, EntityFilter


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact", label="User")
    action = django_filters.CharFilter(lookup_expr="icontains")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Record type")
    correlation_id = django_filters.CharFilter(label="Correlation id")
    occurred_from = DateFilter("occurred_at", "date__gte", "From")
    occurred_to = DateFilter("occurred_at", "date__lte", "To")

    class Meta:
        model = AuditEvent
        fields = ["q", "entity", "actor", "action", "object_type", "correlation_id", "occurred_from", "occurred_to"]

    def search(self, rows: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        return rows.filter(
            Q(object_repr__icontains=value)
            | Q(reason__icontains=value)
            | Q(object_id=value)
            | Q(action__icontains=value)
        )
