import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import DateFilter, EntityFilter
from finops.invoicing.models import Invoice
from finops.invoicing.states import InvoiceDirection, InvoiceState, MatchStatus


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    direction = django_filters.ChoiceFilter(choices=InvoiceDirection.choices, empty_label="AP and AR")
    state = django_filters.ChoiceFilter(choices=InvoiceState.choices, empty_label="Any state")
    match = django_filters.ChoiceFilter(
        field_name="match__status", choices=MatchStatus.choices, empty_label="Any verdict", label="3-way match"
    )
    held = django_filters.BooleanFilter(field_name="is_held", label="On hold")
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)
    due_from = DateFilter("due_on", "gte", "Due from")
    due_to = DateFilter("due_on", "lte", "Due to")

    class Meta:
        model = Invoice
        fields = ["q", "entity", "direction", "state", "match", "held", "currency", "due_from", "due_to"]

    def search(self, rows: QuerySet[Invoice], name: str, value: str) -> QuerySet[Invoice]:
        return rows.filter(Q(number__icontains=value) | Q(counterparty__name__icontains=value) | Q(external_id=value))
