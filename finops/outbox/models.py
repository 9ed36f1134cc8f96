"""The transactional outbox: a message row is written in the same transaction as the business
change it announces, so it exists if and only if that change committed. The relay delivers it
afterwards, at least once; every delivery carries the message's idempotency key so the receiver
applies it once.
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from finops.core.models import new_correlation_id


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, retry scheduled"
    DEAD = "dead", "Dead"


S = OutboxState
OUTBOX_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.DELIVERING}),
    # delivering -> delivering: the relay holding it died; its lease expired and another relay takes it
    S.DELIVERING: frozenset({S.DELIVERED, S.FAILED, S.DEAD, S.DELIVERING}),
    S.FAILED: frozenset({S.DELIVERING}),
    S.DEAD: frozenset({S.PENDING}),  # an admin retries it
    S.DELIVERED: frozenset(),
}
CLAIMABLE_STATES = tuple(state for state, targets in OUTBOX_TRANSITIONS.items() if S.DELIVERING in targets)

# The canonical events subscribers can receive; the topic of each is f"event.{kind}".
EVENT_KINDS = (
    "invoice-issued",
    "payment-received",
    "cash-applied",
    "payment-released",
    "payment-rejected",
    "exception-created",
)
EVENT_TOPIC_CHOICES = [(f"event.{kind}", kind.replace("-", " ").capitalize()) for kind in EVENT_KINDS]


class OutboxMessage(models.Model):
    """One message to deliver outside: an ERP posting or a canonical event.

    State changes are a compare-and-swap against OUTBOX_TRANSITIONS (services._move), not
    finops.core.workflow.transition: an audit row per delivery attempt would bury the business
    trail. Only giving up (dead) and an admin's retry are audited; attempts, last_error and the
    trace page show the rest.
    """

    TRANSITIONS = OUTBOX_TRANSITIONS

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(max_length=200, unique=True)
    entity = models.ForeignKey(
        "masterdata.LegalEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    object_type = models.CharField(max_length=100, blank=True, help_text="The record the message is about.")
    object_id = models.CharField(max_length=64, blank=True)
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)
    state = models.CharField(max_length=12, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["object_type", "object_id"], name="outbox_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in OutboxState]), name="outboxmessage_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_at__isnull=False), name="outboxmessage_delivered_at_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.state})"


class WebhookSubscription(models.Model):
    """Where an entity's admins want canonical events sent. The secret signs every delivery; it is
    written, never shown again (plain column until connector credentials get their Fernet helper)."""

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="webhook_subscriptions")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    topics = ArrayField(models.CharField(max_length=64), help_text="Event topics to send, e.g. event.cash-applied.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entity__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "name"], name="webhooksubscription_entity_name_uniq"),
            models.CheckConstraint(condition=~Q(topics=[]), name="webhooksubscription_has_topics"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class WebhookDelivery(models.Model):
    """One (message, subscription) pair, so a failing subscriber is retried alone while the
    others, once delivered, are not sent the event again."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["message_id", "subscription_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "subscription"], name="webhookdelivery_message_subscription_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.subscription_id}"

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None
