import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import EntityFilter
from finops.outbox.models import OutboxMessage, OutboxState


class OutboxMessageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    state = django_filters.ChoiceFilter(choices=OutboxState.choices, empty_label="Any state")
    topic = django_filters.CharFilter(field_name="topic", lookup_expr="startswith", label="Topic")

    class Meta:
        model = OutboxMessage
        fields = ["q", "entity", "state", "topic"]

    def search(self, rows: QuerySet[OutboxMessage], name: str, value: str) -> QuerySet[OutboxMessage]:
        return rows.filter(
            Q(idempotency_key=value)
            | Q(correlation_id=value)
            | Q(topic__icontains=value)
            | Q(last_error__icontains=value)
        )
