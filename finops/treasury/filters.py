import django_filters
from django.db.models import QuerySet

from finops.core.filters import DateFilter, EntityFilter
from finops.treasury.models import BankStatement


class StatementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Statement id")
    entity = EntityFilter()
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)
    date_from = DateFilter("statement_on", "gte", "From")
    date_to = DateFilter("statement_on", "lte", "To")

    class Meta:
        model = BankStatement
        fields = ["q", "entity", "currency", "date_from", "date_to"]

    def search(self, rows: QuerySet[BankStatement], name: str, value: str) -> QuerySet[BankStatement]:
        return rows.filter(external_id__icontains=value)
