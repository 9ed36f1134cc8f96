from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One state change or sensitive action. Append-only: a database trigger refuses UPDATE and
    DELETE (migration 0002), so not even a superuser's SQL can rewrite a row."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the user is renamed
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    entity = models.ForeignKey(
        "masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "occurred_at"])]

    def __str__(self) -> str:
        who = self.actor_name or "system"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_type} {self.object_id}"
