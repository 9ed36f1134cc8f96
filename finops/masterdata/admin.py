from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from finops.masterdata.models import BankAccount, Counterparty, ExternalRef, LegalEntity


@admin.register(LegalEntity)
class LegalEntityAdmin(GuardedModelAdmin):  # type: ignore[misc]
    list_display = ["code", "name", "country", "base_currency", "dual_approval_threshold"]
    search_fields = ["code", "name"]


@admin.register(Counterparty)
class CounterpartyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "country", "is_supplier", "is_customer", "source", "external_id"]
    list_filter = ["is_supplier", "is_customer", "country", "source"]
    search_fields = ["name", "external_id", "tax_id"]
    filter_horizontal = ["entities"]


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "entity", "counterparty", "iban", "bic", "routing_number", "account_number", "currency"]
    list_filter = ["entity", "currency"]
    search_fields = ["name", "iban", "account_number"]
    raw_id_fields = ["counterparty"]


@admin.register(ExternalRef)
class ExternalRefAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["source", "external_id", "object_type", "object_id"]
    search_fields = ["external_id"]
