from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from finops.core.api import ScopedDetailAPI, ScopedListAPI
from finops.masterdata.filters import BankAccountFilter, CounterpartyFilter
from finops.masterdata.models import BankAccount, Counterparty
from finops.masterdata.selectors import bank_account_list, counterparty_list


class CounterpartyOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Counterparty
        fields = [
            "id",
            "name",
            "country",
            "tax_id",
            "is_supplier",
            "is_customer",
            "is_blocked",
            "source",
            "external_id",
            "correlation_id",
            "created_at",
            "updated_at",
        ]


class BankAccountOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "entity",
            "name",
            "iban",
            "bic",
            "routing_number",
            "account_number",
            "currency",
            "bank_name",
            "is_active",
            "source",
            "external_id",
        ]


class CounterpartyListApi(ScopedListAPI):
    required_perm = "masterdata.view_counterparty"
    serializer_class = CounterpartyOutput
    filterset_class = CounterpartyFilter

    def select(self, user: Any) -> QuerySet[Counterparty]:
        return counterparty_list(user=user).order_by("name")


class CounterpartyDetailApi(ScopedDetailAPI):
    required_perm = "masterdata.view_counterparty"
    serializer_class = CounterpartyOutput

    def select(self, user: Any) -> QuerySet[Counterparty]:
        return counterparty_list(user=user)


class BankAccountListApi(ScopedListAPI):
    required_perm = "masterdata.view_bankaccount"
    serializer_class = BankAccountOutput
    filterset_class = BankAccountFilter

    def select(self, user: Any) -> QuerySet[BankAccount]:
        return bank_account_list(user=user)


class BankAccountDetailApi(ScopedDetailAPI):
    required_perm = "masterdata.view_bankaccount"
    serializer_class = BankAccountOutput

    def select(self, user: Any) -> QuerySet[BankAccount]:
        return bank_account_list(user=user)
