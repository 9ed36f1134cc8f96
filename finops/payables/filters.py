import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import EntityFilter
from finops.payables.models import Payment, PaymentBatch
from finops.payables.states import BatchState, PaymentState


class PaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    state = django_filters.ChoiceFilter(choices=PaymentState.choices, empty_label="Any state")
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)
    min_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label="Amount from")
    max_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label="Amount to")

    class Meta:
        model = Payment
        fields = ["q", "entity", "state", "currency", "min_amount", "max_amount"]

    def search(self, rows: QuerySet[Payment], name: str, value: str) -> QuerySet[Payment]:
        return rows.filter(
            Q(end_to_end_id__icontains=value)
            | Q(counterparty__name__icontains=value)
            | Q(remittance_info__icontains=value)
        )


class BatchFilter(django_filters.FilterSet):
    entity = EntityFilter()
    state = django_filters.ChoiceFilter(choices=BatchState.choices, empty_label="Any state")

    class Meta:
        model = PaymentBatch
        fields = ["entity", "state"]
