from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from finops.core.api import ScopedDetailAPI, ScopedListAPI
from finops.invoicing.filters import InvoiceFilter
from finops.invoicing.models import Invoice
from finops.invoicing.selectors import invoice_list


class InvoiceOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    counterparty = serializers.CharField(source="counterparty.name")
    counterparty_id = serializers.IntegerField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "entity",
            "direction",
            "number",
            "counterparty",
            "counterparty_id",
            "currency",
            "amount",
            "tax_amount",
            "open_amount",
            "issue_on",
            "due_on",
            "state",
            "source",
            "external_id",
            "correlation_id",
            "created_at",
            "updated_at",
        ]


class InvoiceListApi(ScopedListAPI):
    required_perm = "invoicing.view_invoice"
    serializer_class = InvoiceOutput
    filterset_class = InvoiceFilter

    def select(self, user: Any) -> QuerySet[Invoice]:
        return invoice_list(user=user)


class InvoiceDetailApi(ScopedDetailAPI):
    required_perm = "invoicing.view_invoice"
    serializer_class = InvoiceOutput

    def select(self, user: Any) -> QuerySet[Invoice]:
        return invoice_list(user=user)
