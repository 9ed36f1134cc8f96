import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import DateFilter, EntityFilter
from finops.ledger.models import JournalEntry, JournalState


class JournalEntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    state = django_filters.ChoiceFilter(choices=JournalState.choices, empty_label="Any state")
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)
    date_from = DateFilter("posting_on", "gte", "Posting from")
    date_to = DateFilter("posting_on", "lte", "Posting to")

    class Meta:
        model = JournalEntry
        fields = ["q", "entity", "state", "currency", "date_from", "date_to"]

    def search(self, rows: QuerySet[JournalEntry], name: str, value: str) -> QuerySet[JournalEntry]:
        return rows.filter(
            Q(external_id__icontains=value) | Q(description__icontains=value) | Q(erp_document_id__iexact=value)
        )
