from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from finops.core.models import new_correlation_id
from integrations.states import (
    FAILURE_TRANSITIONS,
    MESSAGE_TRANSITIONS,
    SYNC_TRANSITIONS,
    FailureKind,
    FailureState,
    MessageState,
    SyncState,
)


class ConnectorKind(models.TextChoices):
    ERP_REST = "erp_rest", "ERP (REST)"
    PROCUREMENT_REST = "procurement_rest", "Procurement (REST)"
    CRM_REST = "crm_rest", "CRM (REST)"
    BILLING_WEBHOOK = "billing_webhook", "Billing (webhooks)"
    GATEWAY_WEBHOOK = "gateway_webhook", "Payment gateway (webhooks)"
    BANK_FILE = "bank_file", "Bank files"
    BANK_API = "bank_api", "Bank API"
    BANK_SFTP = "bank_sftp", "Bank files (SFTP)"


def _seconds(default: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("3600"))],
        **kwargs,  # type: ignore[arg-type]
    )


class Connector(models.Model):
    """A configured link to one external system, owned by an entity's admins.

    Credentials are one MultiFernet token (integrations.credentials); credential_fields keeps only
    which fields are set and when each last changed, so pages can say so without decrypting.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=ConnectorKind.choices)
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="connectors")
    is_enabled = models.BooleanField(default=True)
    source = models.SlugField(
        max_length=64, blank=True, help_text="Source system stamped on records (blank: the kind's default)."
    )
    base_url = models.URLField(max_length=300, blank=True)
    # schedule: cadence null = run on demand only
    cadence_minutes = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    next_run_at = models.DateTimeField(null=True, blank=True)
    mapping = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # credentials (never rendered, never logged)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    credential_fields = models.JSONField(default=dict, blank=True, editable=False)
    credentials_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # transport
    timeout_seconds = _seconds("10")
    max_attempts = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(20)])
    backoff_base_seconds = _seconds("0.5")
    backoff_cap_seconds = _seconds("30")
    max_retry_after_seconds = models.PositiveIntegerField(default=300)
    page_size = models.PositiveSmallIntegerField(default=100, validators=[MinValueValidator(1), MaxValueValidator(500)])
    record_max_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Deliveries (runs or replays) of a failing record before it is dead-lettered.",
    )
    # webhooks
    webhook_tolerance_seconds = models.PositiveIntegerField(default=300, validators=[MinValueValidator(1)])
    webhook_max_body_bytes = models.PositiveIntegerField(default=1_000_000, validators=[MinValueValidator(1024)])
    webhook_refusals = models.PositiveIntegerField(default=0, editable=False)
    last_refusal_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_refusal_reason = models.CharField(max_length=100, blank=True, editable=False)
    # health
    high_water_marks = models.JSONField(default=dict, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_streak = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["next_run_at"], condition=Q(is_enabled=True), name="connector_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class SyncRun(models.Model):
    """One execution of a connector. Counts are kept as the run goes, for the progress bar.

    progress holds each resource's cursor, so a run requeued after its worker died resumes where
    it stopped; high_water_marks become the connector's only when the run succeeds.
    """

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
    stale = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    expected_total = models.PositiveIntegerField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    high_water_marks = models.JSONField(default=dict, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
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
        indexes = [
            models.Index(fields=["lease_expires_at"], condition=Q(state="running"), name="syncrun_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.connector_id} ({self.state})"

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.duplicates + self.stale + self.skipped + self.failed

    @property
    def is_live(self) -> bool:
        return self.state in (SyncState.QUEUED, SyncState.RUNNING)


class SyncRecord(models.Model):
    """The last applied version of one external record: the idempotency ledger.

    One row per (source, resource, external id). A delivery of the same version with the same
    content is a duplicate; an older version is stale; the same version with other content is a
    conflict, refused loudly.
    """

    source = models.CharField(max_length=64)
    resource = models.CharField(max_length=40)
    external_id = models.CharField(max_length=128)
    version = models.BigIntegerField(default=0)  # 0 = reserved, nothing applied yet
    content_hash = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    skipped_entity = models.CharField(
        max_length=16, blank=True, help_text="Not applied: the record belongs to this entity's connector."
    )
    connector = models.ForeignKey(Connector, null=True, on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    correlation_id = models.CharField(max_length=64, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "resource", "external_id"], name="syncrecord_key_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.resource}/{self.external_id} v{self.version}"


class InboundMessage(models.Model):
    """A webhook event as received: raw body kept, one row per (connector, event id)."""

    TRANSITIONS = MESSAGE_TRANSITIONS

    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="messages")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, db_index=True, default=new_correlation_id)
    state = models.CharField(max_length=12, choices=MessageState.choices, default=MessageState.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "event_id"], name="inboundmessage_event_uniq"),
        ]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type or 'event'} {self.event_id}"


class SyncFailure(models.Model):
    """A record, page or event that could not be applied: payload, error, attempts.

    Open failures are retried by later runs (the high-water mark does not move past them); after
    the connector's record_max_attempts a failure is dead-lettered and a sync_failure exception
    opens. A replay from the screen is another attempt with the stored payload.
    """

    TRANSITIONS = FAILURE_TRANSITIONS

    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="failures")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.PROTECT, related_name="failures")
    message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="failures"
    )
    kind = models.CharField(max_length=8, choices=FailureKind.choices)
    resource = models.CharField(max_length=40)
    key = models.CharField(max_length=200, help_text="External id, event id, or the page's request.")
    version = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    raw = models.TextField(blank=True, help_text="The body as received when it was not the documented JSON.")
    request = models.JSONField(default=dict, blank=True, help_text="Path and parameters of a page request.")
    error = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=FailureState.choices, default=FailureState.OPEN)
    exception = models.ForeignKey(
        "reconciliation.ExceptionItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correlation_id = models.CharField(max_length=64, blank=True)
    resolution = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "kind", "resource", "key"],
                condition=Q(state__in=["open", "dead"]),
                name="syncfailure_one_unresolved_per_key",
            ),
        ]
        indexes = [models.Index(fields=["entity", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.resource}/{self.key} ({self.state})"
