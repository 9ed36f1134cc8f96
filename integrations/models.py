from django.conf import settings
from django.db import models
from django.db.models import Q

from finops.core.models import new_correlation_id
from integrations.states import SYNC_TRANSITIONS, SyncState


class ConnectorKind(models.TextChoices):
    ERP_REST = "erp_rest", "ERP (REST)"
    PROCUREMENT_REST = "procurement_rest", "Procurement (REST)"
    CRM_REST = "crm_rest", "CRM (REST)"
    BILLING_WEBHOOK = "billing_webhook", "Billing (webhooks)"
    GATEWAY_WEBHOOK = "gateway_webhook", "Payment gateway (webhooks)"
    BANK_FILE = "bank_file", "Bank files"
    BANK_API = "bank_api", "Bank API"


class Connector(models.Model):
    """A configured link to one external system, owned by an entity's admins."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="connectors")
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SyncRun(models.Model):
    """One execution of a connector. Counts are kept as the run goes, for the progress bar."""

    TRANSITIONS = SYNC_TRANSITIONS

    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="runs")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.QUEUED)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correlation_id = models.CharField(max_length=64, db_index=True, default=new_correlation_id)
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    expected_total = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # one live run per connector at a time
            models.UniqueConstraint(
                fields=["connector"],
                condition=Q(state__in=["queued", "running"]),
                name="syncrun_one_live_per_connector",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.connector_id} ({self.state})"
