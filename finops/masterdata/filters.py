import django_filters
from django.db.models import Q, QuerySet

from finops.core.filters import EntityFilter
from finops.masterdata.bank_identifiers import normalize_account_number
from finops.masterdata.models import BankAccount, BankAccountChange, Counterparty, normalized_account_number
from finops.masterdata.states import BankAccountChangeState

ROLE_CHOICES = (("supplier", "Suppliers"), ("customer", "Customers"))


class CounterpartyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter("entities")
    role = django_filters.ChoiceFilter(
        choices=ROLE_CHOICES, method="by_role", label="Role", empty_label="Suppliers and customers"
    )
    country = django_filters.CharFilter(lookup_expr="iexact", max_length=2)

    class Meta:
        model = Counterparty
        fields = ["q", "entity", "role", "country"]

    def search(self, rows: QuerySet[Counterparty], name: str, value: str) -> QuerySet[Counterparty]:
        return rows.filter(Q(name__icontains=value) | Q(external_id=value) | Q(tax_id__iexact=value))

    def by_role(self, rows: QuerySet[Counterparty], name: str, value: str) -> QuerySet[Counterparty]:
        return rows.filter(is_supplier=True) if value == "supplier" else rows.filter(is_customer=True)


class BankAccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    currency = django_filters.CharFilter(lookup_expr="iexact", max_length=3)

    class Meta:
        model = BankAccount
        fields = ["q", "entity", "currency"]

    def search(self, rows: QuerySet[BankAccount], name: str, value: str) -> QuerySet[BankAccount]:
        compact = "".join(value.split()).upper()
        number = normalize_account_number(value)
        return rows.annotate(normalized_number=normalized_account_number()).filter(
            Q(name__icontains=value)
            | Q(iban__icontains=compact)
            | (Q(normalized_number=number) if number else Q(pk__in=[]))
            | Q(bank_name__icontains=value)
        )


class BankChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    state = django_filters.ChoiceFilter(choices=BankAccountChangeState.choices, empty_label="Every state")

    class Meta:
        model = BankAccountChange
        fields = ["q", "entity", "state"]

    def search(self, rows: QuerySet[BankAccountChange], name: str, value: str) -> QuerySet[BankAccountChange]:
        compact = "".join(value.split()).upper()
        number = normalize_account_number(value)
        return rows.annotate(normalized_number=normalized_account_number()).filter(
            Q(counterparty__name__icontains=value)
            | Q(iban__icontains=compact)
            | (Q(normalized_number=number) if number else Q(pk__in=[]))
        )
