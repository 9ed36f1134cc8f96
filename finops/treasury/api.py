from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from finops.core.api import ScopedDetailAPI, ScopedListAPI
from finops.treasury.filters import StatementFilter
from finops.treasury.models import BankStatement, StatementLine
from finops.treasury.selectors import statement_list


class StatementLineOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = StatementLine
        fields = [
            "line_no",
            "credit_debit",
            "amount",
            "currency",
            "is_reversal",
            "booking_on",
            "value_on",
            "account_servicer_ref",
            "end_to_end_id",
            "bank_transaction_code",
            "counterparty_name",
            "description",
            "state",
        ]


class StatementOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    entity = serializers.CharField(source="entity.code")
    bank_account = serializers.CharField(source="bank_account.display_identifier")

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "entity",
            "bank_account",
            "external_id",
            "format",
            "sequence",
            "statement_on",
            "currency",
            "opening_balance",
            "closing_balance",
            "entry_count",
            "total_credits",
            "total_debits",
            "source",
            "correlation_id",
            "created_at",
        ]


class StatementDetailOutput(StatementOutput):
    lines = StatementLineOutput(many=True)

    class Meta(StatementOutput.Meta):
        fields = [*StatementOutput.Meta.fields, "lines"]


class StatementListApi(ScopedListAPI):
    required_perm = "treasury.view_bankstatement"
    serializer_class = StatementOutput
    filterset_class = StatementFilter

    def select(self, user: Any) -> QuerySet[BankStatement]:
        return statement_list(user=user)


class StatementDetailApi(ScopedDetailAPI):
    required_perm = "treasury.view_bankstatement"
    serializer_class = StatementDetailOutput

    def select(self, user: Any) -> QuerySet[BankStatement]:
        return statement_list(user=user).prefetch_related("lines")
