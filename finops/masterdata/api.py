from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import entities_for
from finops.core.api import ScopedDetailAPI, ScopedListAPI
from finops.masterdata.bank_identifiers import BankCodeKind
from finops.masterdata.filters import BankAccountFilter, CounterpartyFilter
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.masterdata.selectors import bank_account_get, bank_account_list, counterparty_list
from finops.masterdata.services import bank_account_create


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
            "country",
            "bank_code_kind",
            "bank_code",
            "account_number",
            "routing_number",
            "display_identifier",
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


class BankAccountInput(serializers.Serializer):  # type: ignore[type-arg]
    """One of our own accounts: an IBAN, or an account number with the bank code its country's
    payments need (an ABA routing number in the US)."""

    entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects.none())
    name = serializers.CharField(max_length=200)
    currency = serializers.CharField(max_length=3)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True, default="")
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    account_number = serializers.CharField(max_length=34, required=False, allow_blank=True, default="")
    bank_code_kind = serializers.ChoiceField(
        choices=[("", "none"), *BankCodeKind.choices], required=False, allow_blank=True, default=""
    )
    bank_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="Blank: the bank code's or entity's."
    )
    routing_number = serializers.CharField(
        max_length=11, required=False, allow_blank=True, default="", help_text="An ABA code (bank_code_kind aba)."
    )
    bank_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:  # None: the schema generator describing the body
            self.fields["entity"].queryset = entities_for(user, ADMINISTER_ENTITY)  # type: ignore[attr-defined]


class BankAccountListApi(ScopedListAPI):
    required_perm = "masterdata.view_bankaccount"
    serializer_class = BankAccountOutput
    filterset_class = BankAccountFilter

    def select(self, user: Any) -> QuerySet[BankAccount]:
        return bank_account_list(user=user)

    @extend_schema(request=BankAccountInput, responses={201: BankAccountOutput})
    def post(self, request: Request) -> Response:
        """Register one of our own accounts (admins of the entity). 400 names each wrong field."""
        if not request.user.has_perm("masterdata.add_bankaccount"):
            self.permission_denied(request, message="Your role does not register bank accounts.")
        data = BankAccountInput(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        try:
            account = bank_account_create(actor=request.user, **data.validated_data)  # type: ignore[arg-type]
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        account = bank_account_get(user=request.user, pk=account.pk)  # type: ignore[arg-type]
        return Response(BankAccountOutput(account).data, status=status.HTTP_201_CREATED)


class BankAccountDetailApi(ScopedDetailAPI):
    required_perm = "masterdata.view_bankaccount"
    serializer_class = BankAccountOutput

    def select(self, user: Any) -> QuerySet[BankAccount]:
        return bank_account_list(user=user)
