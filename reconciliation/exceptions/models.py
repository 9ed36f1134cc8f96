from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from finops.core.money import AmountField, CurrencyField
from reconciliation.exceptions.states import EXCEPTION_TRANSITIONS, ExceptionKind, ExceptionState


class ExceptionItem(models.Model):
    """Something that did not agree and needs a person: visible, owned, and audited."""

    TRANSITIONS = EXCEPTION_TRANSITIONS

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="exceptions")
    kind = models.CharField(max_length=32, choices=ExceptionKind.choices)
    state = models.CharField(max_length=16, choices=ExceptionState.choices, default=ExceptionState.OPEN)
    title = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    amount = AmountField(null=True, blank=True)
    currency = CurrencyField(blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, help_text="One open exception per cause.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_exceptions"
    )
    correlation_id = models.CharField(max_length=64, db_index=True)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(state__in=["open", "in_progress"]),
                name="exceptionitem_one_open_per_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(currency="") | models.Q(currency__regex=r"^[A-Z]{3}$"),
                name="exceptionitem_currency_iso",
            ),
        ]
        indexes = [models.Index(fields=["entity", "kind", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
