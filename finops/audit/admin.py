from django.contrib import admin
from django.http import HttpRequest

from finops.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the database refuses changes anyway; the admin does not offer them."""

    list_display = ["occurred_at", "actor_name", "action", "object_type", "object_id", "entity"]
    list_filter = ["object_type", "entity"]
    search_fields = ["object_repr", "action", "correlation_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
