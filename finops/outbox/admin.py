from django.contrib import admin
from django.http import HttpRequest

from finops.outbox.models import OutboxMessage, WebhookDelivery, WebhookSubscription


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: messages change state through the relay and outbox_retry, never by hand."""

    list_display = ["id", "topic", "entity", "state", "attempts", "created_at", "delivered_at"]
    list_filter = ["state", "topic", "entity"]
    search_fields = ["idempotency_key", "correlation_id", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only here (the secret is write-only); edit through the subscriptions screen, which audits."""

    list_display = ["name", "entity", "url", "is_active", "created_at"]
    list_filter = ["entity", "is_active"]
    exclude = ["secret"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["message", "subscription", "attempts", "last_status", "delivered_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
