from django.contrib import admin
from django.http import HttpRequest

from integrations.bankfiles.models import InboundFile, ProcessedMessage


@admin.register(InboundFile)
class InboundFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: a file is what the bank sent; it is imported through the service, never edited."""

    list_display = ["filename", "format", "status", "source", "received_at", "received_by", "size"]
    list_filter = ["status", "format", "source"]
    search_fields = ["filename", "sha256", "correlation_id"]
    exclude = ["content"]
    readonly_fields = [
        "sha256",
        "filename",
        "size",
        "format",
        "source",
        "received_at",
        "received_by",
        "status",
        "error",
        "summary",
        "correlation_id",
        "entities",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundFile | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InboundFile | None = None) -> bool:
        return False


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["format", "message_id", "inbound_file", "created_at"]
    search_fields = ["message_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ProcessedMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProcessedMessage | None = None) -> bool:
        return False
