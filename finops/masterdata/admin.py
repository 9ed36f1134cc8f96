from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from finops.accounts.roles import Role
from finops.audit.admin import AuditedAdmin
from finops.masterdata.models import (
    BankAccount,
    BankAccountChange,
    Counterparty,
    ExternalRef,
    FieldOwnership,
    LegalEntity,
)


@admin.register(LegalEntity)
class LegalEntityAdmin(AuditedAdmin, GuardedModelAdmin):  # type: ignore[misc]
    """The approval threshold is payment policy: every edit here is audited with before/after."""

    audited_fields = ("code", "name", "country", "base_currency", "dual_approval_threshold")
    list_display = ["code", "name", "country", "base_currency", "dual_approval_threshold"]
    search_fields = ["code", "name"]


@admin.register(Counterparty)
class CounterpartyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "country", "is_supplier", "is_customer", "source", "external_id"]
    list_filter = ["is_supplier", "is_customer", "country", "source"]
    search_fields = ["name", "external_id", "tax_id"]
    filter_horizontal = ["entities"]


IDENTIFIER_FIELDS = ("iban", "bic", "account_number", "bank_code_kind", "bank_code", "country")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Our own accounts are edited here (their identifiers checked by BankAccount.clean()). A
    counterparty's account is read-only here: new details and switching an account on go through
    a BankAccountChange (requested, verified by call-back, activated), never through admin."""

    list_display = ["name", "entity", "counterparty", "display_identifier", "bic", "country", "currency", "is_active"]
    list_filter = ["entity", "currency"]
    search_fields = ["name", "iban", "account_number"]

    def get_readonly_fields(self, request: HttpRequest, obj: BankAccount | None = None) -> tuple[str, ...]:
        if obj is not None and obj.counterparty_id:
            return ("counterparty", "entity", *IDENTIFIER_FIELDS, "currency", "is_active")
        return ("counterparty",)


@admin.register(ExternalRef)
class ExternalRefAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["source", "external_id", "object_type", "object_id"]
    search_fields = ["external_id"]


def _is_admin(request: HttpRequest) -> bool:
    # The Admin role's group holds no model permission for these yet; the admin site already
    # limits itself to that role, so the role is the check.
    user = request.user
    return bool(user.is_active and (user.is_superuser or user.groups.filter(name=Role.ADMIN.label).exists()))


@admin.register(FieldOwnership)
class FieldOwnershipAdmin(AuditedAdmin):
    """Systems of record: who may change what (bank details included). Every add, change and
    delete is audited with before/after."""

    audited_fields = ("kind", "field", "source", "entity", "note")
    list_display = ["kind", "field", "source", "entity", "note", "updated_at"]
    list_filter = ["kind", "field", "source", "entity"]
    list_editable = ["source"]
    ordering = ["kind", "field", "entity__code"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_admin(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_admin(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request) or super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_admin(request) or super().has_delete_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request) or super().has_module_permission(request)


@admin.register(BankAccountChange)
class BankAccountChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: a change moves only through its services (verify, activate, reject)."""

    list_display = ["counterparty", "entity", "iban", "account_number", "state", "source", "created_at"]
    list_filter = ["state", "entity", "source"]
    search_fields = ["counterparty__name", "iban", "account_number"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _is_admin(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request) or super().has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
