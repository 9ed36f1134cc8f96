from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from integrations.models import Connector, InboundMessage, SyncFailure, SyncRecord, SyncRun


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Inspection only: every change goes through the services (audited, validated, encrypted)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Connector)
class ConnectorAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "entity", "is_enabled", "last_success_at", "failure_streak"]
    list_filter = ["kind", "is_enabled", "entity"]
    search_fields = ["name"]
    exclude = ["credentials_encrypted"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "connector", "state", "received", "created", "updated", "failed", "created_at"]
    list_filter = ["state", "connector"]


@admin.register(SyncFailure)
class SyncFailureAdmin(ReadOnlyAdmin):
    list_display = ["pk", "connector", "kind", "resource", "key", "state", "attempts", "updated_at"]
    list_filter = ["state", "kind", "connector"]
    search_fields = ["key"]


@admin.register(SyncRecord)
class SyncRecordAdmin(ReadOnlyAdmin):
    list_display = ["source", "resource", "external_id", "version", "object_type", "object_id", "applied_at"]
    list_filter = ["source", "resource"]
    search_fields = ["external_id"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "connector", "event_type", "event_id", "state", "attempts", "received_at"]
    list_filter = ["state", "connector"]
    search_fields = ["event_id"]
