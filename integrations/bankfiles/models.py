from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from finops.core.models import new_correlation_id


class InboundFileStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    REFUSED = "refused", "Refused"


class InboundFile(models.Model):
    """One bank file as it came in, kept byte for byte. sha256 is the file's idempotency key: the
    same bytes are imported once, however often and however concurrently they arrive.

    status is not a workflow anyone moves, so it has no transition table and does not go through
    finops.core.workflow.transition: it is the outcome of the latest attempt to import these bytes
    (imported, duplicate, or refused, which a later attempt may turn into imported), written once
    by that attempt in its own transaction together with its audit event (bank_file.<status>)."""

    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=16, blank=True)  # empty when it could not be detected
    source = models.CharField(max_length=64, default="upload")  # upload, cli, inbox, ...
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=InboundFileStatus.choices)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    content = models.BinaryField()
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)
    entities = models.ManyToManyField("masterdata.LegalEntity", blank=True, related_name="inbound_files")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="inboundfile_sha256_uniq"),
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="inboundfile_sha256_hex"),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(error=""), name="inboundfile_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def badge_state(self) -> str:
        """The css badge that reads right for the status (see static/css/app.css)."""
        return {"imported": "succeeded", "refused": "failed"}.get(self.status, "draft")


class ProcessedMessage(models.Model):
    """A payment-status message applied to our payments (pain.002 MsgId, NACHA file id). The
    unique key makes a re-sent message, even in different bytes, change nothing twice."""

    inbound_file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="messages")
    format = models.CharField(max_length=16)
    message_id = models.CharField(max_length=140)
    content_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["format", "message_id"], name="processedmessage_format_message_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.format} {self.message_id}"
