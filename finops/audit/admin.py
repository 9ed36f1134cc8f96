from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from finops.accounts.models import User
from finops.audit.models import AuditEvent
from finops.audit.services import audit_record


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


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin whose edits are policy or configuration (approval thresholds, systems of record):
    each add, change and delete writes an AuditEvent with the audited fields before and after, in
    the admin's own transaction, beside Django's admin log."""

    audited_fields: tuple[str, ...] = ()

    def _snapshot(self, obj: Model) -> dict[str, Any]:
        return {field: obj.serializable_value(field) for field in self.audited_fields}

    def _record(
        self, request: HttpRequest, obj: Model, what: str, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        changed = [field for field in self.audited_fields if before.get(field) != after.get(field)]
        if not changed:
            return
        audit_record(
            obj,
            action=f"{obj._meta.model_name}.admin_{what}",
            actor=request.user if isinstance(request.user, User) else None,
            before={field: before[field] for field in changed if field in before} or None,
            after={field: after[field] for field in changed if field in after} or None,
        )

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        current = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
        before = self._snapshot(current) if current is not None else {}
        super().save_model(request, obj, form, change)
        self._record(request, obj, "changed" if change else "added", before, self._snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self._record(request, obj, "deleted", self._snapshot(obj), {})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._record(request, obj, "deleted", self._snapshot(obj), {})
        super().delete_queryset(request, queryset)
