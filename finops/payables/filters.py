import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import DateFilter, EntityFilter
from finops.payables.models import GoodsReceipt, Payment, PaymentBatch, PurchaseOrder
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


ORDER_STATUS = (("open", "Open"), ("closed", "Closed"))


class PurchaseOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    status = django_filters.ChoiceFilter(
        choices=ORDER_STATUS, method="by_status", label="Status", empty_label="Open and closed"
    )
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)
    ordered_from = DateFilter("ordered_on", "gte", "Ordered from")
    ordered_to = DateFilter("ordered_on", "lte", "Ordered to")

    class Meta:
        model = PurchaseOrder
        fields = ["q", "entity", "status", "currency", "ordered_from", "ordered_to"]

    def search(self, rows: QuerySet[PurchaseOrder], name: str, value: str) -> QuerySet[PurchaseOrder]:
        return rows.filter(Q(number__icontains=value) | Q(supplier__name__icontains=value) | Q(external_id=value))

    def by_status(self, rows: QuerySet[PurchaseOrder], name: str, value: str) -> QuerySet[PurchaseOrder]:
        return rows.filter(is_closed=value == "closed")


class GoodsReceiptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    received_from = DateFilter("received_on", "gte", "Received from")
    received_to = DateFilter("received_on", "lte", "Received to")

    class Meta:
        model = GoodsReceipt
        fields = ["q", "entity", "received_from", "received_to"]

    def search(self, rows: QuerySet[GoodsReceipt], name: str, value: str) -> QuerySet[GoodsReceipt]:
        return rows.filter(
            Q(external_id__icontains=value)
            | Q(purchase_order__number__icontains=value)
            | Q(purchase_order__supplier__name__icontains=value)
        )
